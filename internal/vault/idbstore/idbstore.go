//go:build js && wasm

// Package idbstore is the vault.Store of the browser: one IndexedDB database
// with an object store per vault bucket, keys as strings and values as
// Uint8Array.
//
// Every Write is one readwrite transaction: all requests are issued at once,
// then the transaction's completion is awaited, so a failing request aborts
// the whole batch. Callers encrypt before calling Write (IndexedDB commits a
// transaction as soon as control returns to the event loop). No method may be
// called from inside a js.FuncOf callback: they wait on browser events.
package idbstore

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"backpack/internal/vault"

	"github.com/hack-pad/go-indexeddb/idb"
)

// dbVersion is the IndexedDB schema (object stores). The vault's own data
// format has its own version in the meta bucket.
const dbVersion = 1

// Store is an open IndexedDB database. Safe for concurrent use.
type Store struct {
	db   *idb.Database
	name string
}

var _ vault.Store = (*Store)(nil)

var uint8Array = js.Global().Get("Uint8Array")

// Open opens (creating or upgrading as needed) the database name.
func Open(ctx context.Context, name string) (*Store, error) {
	req, err := idb.Global().Open(ctx, name, dbVersion, func(db *idb.Database, oldVersion, newVersion uint) error {
		have, err := db.ObjectStoreNames()
		if err != nil {
			return err
		}
		exists := map[string]bool{}
		for _, n := range have {
			exists[n] = true
		}
		for _, b := range vault.Buckets {
			if !exists[b] {
				if _, err := db.CreateObjectStore(b, idb.ObjectStoreOptions{}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("idbstore: open: %w", err)
	}
	db, err := req.Await(ctx)
	if err != nil {
		return nil, fmt.Errorf("idbstore: open: %w", err)
	}
	return &Store{db: db, name: name}, nil
}

// Close closes the connection; later calls fail.
func (s *Store) Close() error { return s.db.Close() }

// Delete removes the database name and everything in it. Close open
// connections first, or the browser waits for them.
func Delete(ctx context.Context, name string) error {
	req, err := idb.Global().DeleteDatabase(name)
	if err != nil {
		return err
	}
	return req.Await(ctx)
}

// wrapErr maps IndexedDB's QuotaExceededError to vault.ErrQuota.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, idb.NewDOMException("QuotaExceededError")) {
		return fmt.Errorf("idbstore: %s: %w (%v)", op, vault.ErrQuota, err)
	}
	return fmt.Errorf("idbstore: %s: %w", op, err)
}

// Get implements vault.Store.
func (s *Store) Get(ctx context.Context, bucket, key string) ([]byte, error) {
	txn, err := s.db.Transaction(idb.TransactionReadOnly, bucket)
	if err != nil {
		return nil, wrapErr("get", err)
	}
	st, err := txn.ObjectStore(bucket)
	if err != nil {
		return nil, wrapErr("get", err)
	}
	req, err := st.Get(js.ValueOf(key))
	if err != nil {
		return nil, wrapErr("get", err)
	}
	v, err := req.Await(ctx)
	if err != nil {
		return nil, wrapErr("get", err)
	}
	if v.IsUndefined() {
		return nil, vault.ErrNotFound
	}
	return toBytes(v)
}

func toBytes(v js.Value) ([]byte, error) {
	if !v.InstanceOf(uint8Array) {
		return nil, errors.New("idbstore: stored value is not a Uint8Array")
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b, nil
}

func toJS(b []byte) js.Value {
	a := uint8Array.New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// Batch limits for Each: one read transaction fetches up to eachMaxCount
// values or about eachMaxBytes, whichever comes first.
const (
	eachMaxCount = 1000
	eachMaxBytes = 16 << 20
)

// Each implements vault.Store. It reads in batches, one read transaction
// each, and calls fn between transactions, so fn may write to the store.
// Keys added or removed during the walk may or may not be seen.
func (s *Store) Each(ctx context.Context, bucket string, fn func(key string, value []byte) error) error {
	last, first, count := "", true, uint(64)
	for {
		keys, vals, scanned, err := s.batch(ctx, bucket, last, first, count)
		if err != nil {
			return err
		}
		size := 0
		for i, k := range keys {
			size += len(vals[i])
			if err := fn(k, vals[i]); err != nil {
				return err
			}
		}
		if uint(len(scanned)) < count {
			return nil
		}
		last, first = scanned[len(scanned)-1], false
		// Aim the next batch at eachMaxBytes given this batch's value sizes.
		avg := max(size/max(len(keys), 1), 1)
		count = uint(min(max(eachMaxBytes/avg, 1), eachMaxCount))
	}
}

// batch reads up to count keys after last (or from the start), then their
// values. scanned is every key read, keys and vals those still present.
func (s *Store) batch(ctx context.Context, bucket, last string, first bool, count uint) (keys []string, vals [][]byte, scanned []string, err error) {
	txn, err := s.db.Transaction(idb.TransactionReadOnly, bucket)
	if err != nil {
		return nil, nil, nil, wrapErr("each", err)
	}
	st, err := txn.ObjectStore(bucket)
	if err != nil {
		return nil, nil, nil, wrapErr("each", err)
	}
	kr, err := idb.NewKeyRangeLowerBound(js.ValueOf(last), !first)
	if err != nil {
		return nil, nil, nil, wrapErr("each", err)
	}
	kreq, err := st.GetAllKeysRange(kr, count)
	if err != nil {
		return nil, nil, nil, wrapErr("each", err)
	}
	jsKeys, err := kreq.Await(ctx)
	if err != nil || len(jsKeys) == 0 {
		return nil, nil, nil, wrapErr("each", err)
	}
	// Once Go has the keys, the first transaction may have committed: read
	// the values in a second one, issuing every request before awaiting its
	// completion. Keys deleted in between are skipped.
	txn, err = s.db.Transaction(idb.TransactionReadOnly, bucket)
	if err != nil {
		return nil, nil, nil, wrapErr("each", err)
	}
	st, err = txn.ObjectStore(bucket)
	if err != nil {
		return nil, nil, nil, wrapErr("each", err)
	}
	reqs := make([]*idb.Request, len(jsKeys))
	for i, k := range jsKeys {
		if reqs[i], err = st.Get(k); err != nil {
			return nil, nil, nil, wrapErr("each", err)
		}
	}
	if err := txn.Await(ctx); err != nil {
		return nil, nil, nil, wrapErr("each", err)
	}
	keys = make([]string, 0, len(jsKeys))
	vals = make([][]byte, 0, len(jsKeys))
	scanned = make([]string, len(jsKeys))
	for i, r := range reqs {
		scanned[i] = jsKeys[i].String()
		v, err := r.Result()
		if err != nil {
			return nil, nil, nil, wrapErr("each", err)
		}
		if v.IsUndefined() {
			continue
		}
		b, err := toBytes(v)
		if err != nil {
			return nil, nil, nil, err
		}
		keys = append(keys, scanned[i])
		vals = append(vals, b)
	}
	return keys, vals, scanned, nil
}

// Write implements vault.Store: one transaction, every op or none.
func (s *Store) Write(ctx context.Context, ops []vault.Op) error {
	return s.write(ctx, ops, nil)
}

// write issues every request, calls beforeCommit (tests use it to abort),
// then awaits the transaction.
func (s *Store) write(ctx context.Context, ops []vault.Op, beforeCommit func(*idb.Transaction)) error {
	if len(ops) == 0 {
		return nil
	}
	if err := vault.CheckOps(ops); err != nil {
		return err
	}
	// Convert everything before the transaction opens.
	type jsOp struct {
		store string
		key   js.Value
		val   js.Value
	}
	jops := make([]jsOp, len(ops))
	var names []string
	seen := map[string]bool{}
	for i, op := range ops {
		j := jsOp{store: op.Bucket, key: js.ValueOf(op.Key)}
		switch {
		case op.Prefix:
			j.key = keyRange.Call("bound", op.Key, op.Key+"\uffff")
		case !op.Delete:
			j.val = toJS(op.Value)
		}
		jops[i] = j
		if !seen[op.Bucket] {
			seen[op.Bucket] = true
			names = append(names, op.Bucket)
		}
	}
	txn, err := s.db.Transaction(idb.TransactionReadWrite, names[0], names[1:]...)
	if err != nil {
		return wrapErr("write", err)
	}
	fail := func(err error) error {
		_ = txn.Abort()
		return wrapErr("write", err)
	}
	for _, j := range jops {
		st, err := txn.ObjectStore(j.store)
		if err != nil {
			return fail(err)
		}
		if j.val.IsUndefined() {
			_, err = st.Delete(j.key)
		} else {
			_, err = st.PutKey(j.key, j.val)
		}
		if err != nil {
			return fail(err)
		}
	}
	if beforeCommit != nil {
		beforeCommit(txn)
	}
	if err := txn.Await(ctx); err != nil {
		return wrapErr("write", err)
	}
	return nil
}

var keyRange = js.Global().Get("IDBKeyRange")
