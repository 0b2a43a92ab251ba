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
//
// go-indexeddb opens, upgrades and deletes the database; the data path calls
// IndexedDB directly, because go-indexeddb's wrappers cost several Go/JS
// crossings per request and it lacks getAll.
package idbstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"unsafe"

	"backpack/internal/vault"

	"github.com/hack-pad/go-indexeddb/idb"
)

// dbVersion is the IndexedDB schema (object stores). The vault's own data
// format has its own version in the meta bucket.
const dbVersion = 1

// Store is an open IndexedDB database. Safe for concurrent use.
type Store struct {
	db  *idb.Database
	raw js.Value // the same IDBDatabase
}

var (
	_ vault.Store       = (*Store)(nil)
	_ vault.BatchGetter = (*Store)(nil)
	_ vault.KeyLister   = (*Store)(nil)
)

var (
	uint8Array = js.Global().Get("Uint8Array")
	float64Arr = js.Global().Get("Float64Array")
	keyRange   = js.Global().Get("IDBKeyRange")
	// byteLength is TypedArray.prototype.byteLength's getter:
	// values.map(Function.prototype.call, byteLength) returns every value's
	// length in one crossing, without eval (which the app's CSP forbids).
	byteLength = js.Global().Get("Object").Call("getOwnPropertyDescriptor",
		js.Global().Get("Object").Call("getPrototypeOf", uint8Array.Get("prototype")), "byteLength").Get("get")
	funcCall = js.Global().Get("Function").Get("prototype").Get("call")

	errNotBytes = errors.New("idbstore: stored value is not a Uint8Array")
)

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
	raw, err := req.Request.Result()
	if err != nil {
		return nil, fmt.Errorf("idbstore: open: %w", err)
	}
	return &Store{db: db, raw: raw}, nil
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

// DOMError is a DOMException from IndexedDB: its name (QuotaExceededError,
// InvalidStateError, AbortError…) and message. Messages name no values.
type DOMError struct{ Name, Message string }

func (e *DOMError) Error() string { return e.Name + ": " + e.Message }

// Unwrap maps QuotaExceededError to vault.ErrQuota.
func (e *DOMError) Unwrap() error {
	if e.Name == "QuotaExceededError" {
		return vault.ErrQuota
	}
	return nil
}

func domError(v js.Value) error {
	if v.Type() != js.TypeObject {
		return &DOMError{Name: "AbortError", Message: "transaction aborted"}
	}
	return &DOMError{Name: v.Get("name").String(), Message: v.Get("message").String()}
}

func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("idbstore: %s: %w", op, err)
}

// call calls a method, turning a JS exception into a *DOMError.
func call(v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if jerr, ok := r.(js.Error); ok {
				err = domError(jerr.Value)
				return
			}
			panic(r)
		}
	}()
	return v.Call(method, args...), nil
}

// relaxed asks for relaxed durability: the transaction completes once the
// browser has handed its data to the operating system, without waiting for
// a flush to disk. A crash or power cut can then lose the last transactions
// that reported success, but never half of one: atomicity is unchanged, and
// the vault's data is never left inconsistent, only older. Chromium has
// defaulted to relaxed since version 121 (so asking changes nothing there:
// measured the same), as Firefox and Safari do; the option states the
// choice for browsers that do not.
var relaxed = map[string]any{"durability": "relaxed"}

// transaction opens a transaction ("readonly" or "readwrite") on stores.
func (s *Store) transaction(mode string, stores ...string) (js.Value, error) {
	names := make([]any, len(stores))
	for i, n := range stores {
		names[i] = n
	}
	if mode == "readwrite" {
		return call(s.raw, "transaction", names, mode, relaxed)
	}
	return call(s.raw, "transaction", names, mode)
}

// await waits for a transaction to complete or abort. The event callbacks
// only do a buffered send, so they never block the event loop.
func await(ctx context.Context, txn js.Value) error {
	ch := make(chan error, 2)
	complete := js.FuncOf(func(js.Value, []js.Value) any { ch <- nil; return nil })
	abort := js.FuncOf(func(js.Value, []js.Value) any { ch <- domError(txn.Get("error")); return nil })
	txn.Call("addEventListener", "complete", complete)
	txn.Call("addEventListener", "abort", abort)
	release := func() {
		txn.Call("removeEventListener", "complete", complete)
		txn.Call("removeEventListener", "abort", abort)
		complete.Release()
		abort.Release()
	}
	select {
	case err := <-ch:
		release()
		return err
	case <-ctx.Done():
		// Abort, and keep the listeners until the abort event arrives.
		call(txn, "abort")
		go func() { <-ch; release() }()
		return ctx.Err()
	}
}

// Get implements vault.Store.
func (s *Store) Get(ctx context.Context, bucket, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	txn, err := s.transaction("readonly", bucket)
	if err != nil {
		return nil, wrapErr("get", err)
	}
	req, err := call(txn.Call("objectStore", bucket), "get", key)
	if err != nil {
		return nil, wrapErr("get", err)
	}
	if err := await(ctx, txn); err != nil {
		return nil, wrapErr("get", err)
	}
	v := req.Get("result")
	if v.IsUndefined() {
		return nil, vault.ErrNotFound
	}
	if !v.InstanceOf(uint8Array) {
		return nil, errNotBytes
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b, nil
}

// GetMany implements vault.BatchGetter: every key in one read transaction.
// A missing key gives a nil value.
func (s *Store) GetMany(ctx context.Context, bucket string, keys []string) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	txn, err := s.transaction("readonly", bucket)
	if err != nil {
		return nil, wrapErr("get", err)
	}
	st := txn.Call("objectStore", bucket)
	reqs := make([]js.Value, len(keys))
	for i, k := range keys {
		if reqs[i], err = call(st, "get", k); err != nil {
			call(txn, "abort")
			return nil, wrapErr("get", err)
		}
	}
	if err := await(ctx, txn); err != nil {
		return nil, wrapErr("get", err)
	}
	out := make([][]byte, len(keys))
	for i, req := range reqs {
		v := req.Get("result")
		if v.IsUndefined() {
			continue
		}
		if !v.InstanceOf(uint8Array) {
			return nil, errNotBytes
		}
		out[i] = make([]byte, v.Get("length").Int())
		js.CopyBytesToGo(out[i], v)
	}
	return out, nil
}

// Batch limits for Each: one read transaction fetches up to eachMaxCount
// values or about eachMaxBytes, whichever comes first.
const (
	eachMaxCount = 2000
	eachMaxBytes = 16 << 20
)

// Each implements vault.Store. It reads in batches, one read transaction
// each (getAllKeys and getAll over the same range), and calls fn between
// transactions, so fn may write to the store. Keys added or removed during
// the walk may or may not be seen.
func (s *Store) Each(ctx context.Context, bucket string, fn func(key string, value []byte) error) error {
	last, first, count := "", true, 64
	for {
		keys, vals, err := s.batch(ctx, bucket, last, first, count)
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
		if len(keys) < count {
			return nil
		}
		last, first = keys[len(keys)-1], false
		// Aim the next batch at eachMaxBytes given this batch's value sizes.
		avg := max(size/len(keys), 1)
		count = min(max(eachMaxBytes/avg, 1), eachMaxCount)
	}
}

// keysBatch is how many keys one read transaction of Keys lists.
const keysBatch = 10000

// Keys implements vault.KeyLister: getAllKeys in batches, one read
// transaction each, the values never read.
func (s *Store) Keys(ctx context.Context, bucket string, fn func(key string) error) error {
	last, first := "", true
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		txn, err := s.transaction("readonly", bucket)
		if err != nil {
			return wrapErr("keys", err)
		}
		kr, err := call(keyRange, "lowerBound", last, !first)
		if err != nil {
			return wrapErr("keys", err)
		}
		req, err := call(txn.Call("objectStore", bucket), "getAllKeys", kr, keysBatch)
		if err != nil {
			return wrapErr("keys", err)
		}
		if err := await(ctx, txn); err != nil {
			return wrapErr("keys", err)
		}
		res := req.Get("result")
		n := res.Length()
		if n == 0 {
			return nil
		}
		keys := strings.Split(res.Call("join", "\n").String(), "\n")
		if len(keys) != n {
			return errors.New("idbstore: a key holds a newline")
		}
		for _, k := range keys {
			if err := fn(k); err != nil {
				return err
			}
		}
		if n < keysBatch {
			return nil
		}
		last, first = keys[n-1], false
	}
}

// batch reads up to count keys after last (or from the start) and their
// values in one read transaction, with a constant number of Go/JS crossings
// plus two per value.
func (s *Store) batch(ctx context.Context, bucket, last string, first bool, count int) ([]string, [][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	txn, err := s.transaction("readonly", bucket)
	if err != nil {
		return nil, nil, wrapErr("each", err)
	}
	st := txn.Call("objectStore", bucket)
	kr, err := call(keyRange, "lowerBound", last, !first)
	if err != nil {
		return nil, nil, wrapErr("each", err)
	}
	kreq, err := call(st, "getAllKeys", kr, count)
	if err != nil {
		return nil, nil, wrapErr("each", err)
	}
	vreq, err := call(st, "getAll", kr, count)
	if err != nil {
		return nil, nil, wrapErr("each", err)
	}
	if err := await(ctx, txn); err != nil {
		return nil, nil, wrapErr("each", err)
	}
	jsKeys, jsVals := kreq.Get("result"), vreq.Get("result")
	n := jsKeys.Length()
	if n == 0 {
		return nil, nil, nil
	}
	if jsVals.Length() != n {
		return nil, nil, errors.New("idbstore: getAll and getAllKeys disagree")
	}
	// Keys: one string, split in Go (vault storage keys hold no newline).
	keys := strings.Split(jsKeys.Call("join", "\n").String(), "\n")
	if len(keys) != n {
		return nil, nil, errors.New("idbstore: a key holds a newline")
	}
	lens, err := lengths(jsVals, n)
	if err != nil {
		return nil, nil, err
	}
	total := 0
	for _, l := range lens {
		total += int(l)
	}
	buf := make([]byte, total)
	vals := make([][]byte, n)
	off := 0
	for i := range vals {
		l := int(lens[i])
		vals[i] = buf[off : off+l : off+l]
		if l > 0 && js.CopyBytesToGo(vals[i], jsVals.Index(i)) != l {
			return nil, nil, errNotBytes
		}
		off += l
	}
	return keys, vals, nil
}

// lengths returns the byte length of each value of a JS array of Uint8Array.
func lengths(vals js.Value, n int) (lens []float64, err error) {
	defer func() {
		if recover() != nil {
			lens, err = nil, errNotBytes
		}
	}()
	la := float64Arr.Call("from", vals.Call("map", funcCall, byteLength))
	lens = make([]float64, n)
	bytes := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(lens))), n*8)
	js.CopyBytesToGo(bytes, uint8Array.New(la.Get("buffer")))
	return lens, nil
}

// Write implements vault.Store: one transaction, every op or none.
func (s *Store) Write(ctx context.Context, ops []vault.Op) error {
	return s.write(ctx, ops, testBeforeCommit)
}

// jsValues copies the value of every put in ops to JS (vals[i] for
// ops[i]). Small values go to JS in one copy; each gets a slice (a copy)
// of it, since a view would make IndexedDB clone the whole buffer. Large
// values (packs, file chunks) are copied one by one, which saves two
// copies of each.
func jsValues(ctx context.Context, ops []vault.Op) []js.Value {
	step := vault.Paced(ctx)
	vals := make([]js.Value, len(ops))
	total, puts := 0, 0
	for _, op := range ops {
		if !op.Delete {
			total += len(op.Value)
			puts++
		}
	}
	if puts == 0 {
		return vals
	}
	if total/puts >= 64<<10 {
		for i, op := range ops {
			if !op.Delete {
				step()
				vals[i] = uint8Array.New(len(op.Value))
				js.CopyBytesToJS(vals[i], op.Value)
			}
		}
		return vals
	}
	big := uint8Array.New(total)
	buf := make([]byte, 0, total)
	for _, op := range ops {
		if !op.Delete {
			buf = append(buf, op.Value...)
		}
	}
	js.CopyBytesToJS(big, buf)
	off := 0
	for i, op := range ops {
		if !op.Delete {
			step()
			vals[i] = big.Call("slice", off, off+len(op.Value))
			off += len(op.Value)
		}
	}
	return vals
}

// testBeforeCommit, when set by a test, runs in every Write after the last
// request is issued (to count transactions or make the batch fail).
var testBeforeCommit func(txn js.Value)

// write copies every value to JS, opens one transaction, issues every
// request, calls beforeCommit (tests abort there), then awaits completion.
// A failed request aborts the transaction, so nothing is applied. The
// copies are made before the transaction opens, pausing between them
// under vault.WithPause: the transaction only issues requests.
func (s *Store) write(ctx context.Context, ops []vault.Op, beforeCommit func(txn js.Value)) error {
	if len(ops) == 0 {
		return nil
	}
	if err := vault.CheckOps(ops); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Copying the values and issuing the requests each start a task of
	// their own (vault.Pause): issuing cannot pause (the transaction would
	// commit) and takes about 115 ms for an import of 9,290 records, as
	// IndexedDB clones each value inside put().
	vault.Pause(ctx)
	js.Global().Get("performance").Call("mark", "vault-write-copy")
	vals := jsValues(ctx, ops)
	vault.Pause(ctx)
	js.Global().Get("performance").Call("mark", "vault-write-requests")
	var names []string
	seen := map[string]bool{}
	for _, op := range ops {
		if !seen[op.Bucket] {
			seen[op.Bucket] = true
			names = append(names, op.Bucket)
		}
	}
	txn, err := s.transaction("readwrite", names...)
	if err != nil {
		return wrapErr("write", err)
	}
	stores := map[string]js.Value{}
	for _, n := range names {
		stores[n] = txn.Call("objectStore", n)
	}
	for i, op := range ops {
		st := stores[op.Bucket]
		switch {
		case op.Prefix:
			_, err = call(st, "delete", keyRange.Call("bound", op.Key, op.Key+"\uffff"))
		case op.Delete:
			_, err = call(st, "delete", op.Key)
		default:
			_, err = call(st, "put", vals[i], op.Key)
		}
		if err != nil {
			call(txn, "abort")
			return wrapErr("write", err)
		}
	}
	if beforeCommit != nil {
		beforeCommit(txn)
	}
	js.Global().Get("performance").Call("mark", "vault-write-issued")
	defer js.Global().Get("performance").Call("mark", "vault-write-done")
	return wrapErr("write", await(ctx, txn))
}
