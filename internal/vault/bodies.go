package vault

import (
	"context"
	"errors"
	"fmt"
)

// A round of Bodies fetches at most bodiesRoundPacks packs (about 4 MiB),
// bodiesRoundAlone records stored alone or bodiesRoundBodies large bodies,
// and decrypts them before the next round, so that what it holds beyond
// the bodies it returns stays bounded.
// (Variables so that tests can make rounds small.)
var (
	bodiesRoundPacks  = 16
	bodiesRoundAlone  = 512
	bodiesRoundBodies = 32
)

// Bodies decrypts the bodies of many records, as Body does for one, in the
// order of ids: nil for a record without a body. It fails whole, with the
// error Body returns for one of the failing ids: ErrNotFound for an unknown
// id, ErrCorrupt when a stored body fails authentication. Records are read a
// pack (or a batch of values) at a time in one store transaction, and
// decrypted in batches; a record moved by a write running meanwhile is
// read again with Body.
func (v *Vault) Bodies(ctx context.Context, ids []string) ([][]byte, error) {
	out := make([][]byte, len(ids))
	v.mu.RLock()
	if v.k == nil {
		v.mu.RUnlock()
		return nil, ErrLocked
	}
	c, schema := v.k.cryptor(), v.schema
	var alone, sep []want
	byPack := map[string][]want{}
	var packs []string // in first-seen order
	for i, id := range ids {
		e := v.headers[id]
		if e == nil {
			v.mu.RUnlock()
			return nil, fmt.Errorf("%w: record %s", ErrNotFound, id)
		}
		if e.flags&flagHasBody == 0 {
			continue
		}
		w := want{i: i, e: e, key: e.rkey}
		if w.key == "" {
			w.key = v.k.storageKey(kindRecord, id)
		}
		switch {
		case e.flags&flagInline == 0:
			w.key = v.k.storageKey(kindBody, id)
			sep = append(sep, w)
		case e.pack != "":
			if byPack[e.pack] == nil {
				packs = append(packs, e.pack)
			}
			byPack[e.pack] = append(byPack[e.pack], w)
		default:
			alone = append(alone, w)
		}
	}
	v.mu.RUnlock()

	r := &bodiesRun{v: v, ctx: ctx, c: c, schema: schema, ids: ids, out: out}
	// The next round's packs are read while this round's are decrypted.
	type fetched struct {
		keys []string
		vals [][]byte
		err  error
	}
	fetch := func() <-chan fetched {
		n := min(len(packs), bodiesRoundPacks)
		keys := packs[:n]
		packs = packs[n:]
		ch := make(chan fetched, 1)
		go func() {
			vals, err := r.fetchPacks(keys)
			ch <- fetched{keys, vals, err}
		}()
		return ch
	}
	if len(packs) > 0 {
		next := fetch()
		for next != nil {
			f := <-next
			next = nil
			if f.err != nil {
				return nil, f.err
			}
			if len(packs) > 0 {
				next = fetch()
			}
			if err := r.packs(f.keys, f.vals, byPack); err != nil {
				if next != nil {
					<-next
				}
				return nil, err
			}
		}
	}
	for len(alone) > 0 {
		n := min(len(alone), bodiesRoundAlone)
		if err := r.values(BucketRecords, alone[:n]); err != nil {
			return nil, err
		}
		alone = alone[n:]
	}
	for len(sep) > 0 {
		n := min(len(sep), bodiesRoundBodies)
		if err := r.values(BucketBodies, sep[:n]); err != nil {
			return nil, err
		}
		sep = sep[n:]
	}
	for _, i := range r.moved {
		b, err := v.Body(ctx, ids[i])
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// want is one body Bodies reads: its index in ids, the entry it was
// planned from, and the storage key of the value holding it (the record's
// for an inline body, the body's otherwise).
type want struct {
	i   int
	e   *entry
	key string
}

type bodiesRun struct {
	v      *Vault
	ctx    context.Context
	c      cryptor
	schema int
	ids    []string
	out    [][]byte
	moved  []int // indices to read again with Body

	// The current batch to decrypt.
	idx    []want
	ads    [][]byte
	sealed [][]byte
}

// changed reports whether w's record was written or deleted since Bodies
// looked it up: its value may then be elsewhere.
func (r *bodiesRun) changed(w want) bool {
	is := func() bool {
		r.v.mu.RLock()
		defer r.v.mu.RUnlock()
		return r.v.headers[r.ids[w.i]] != w.e
	}
	if is() {
		return true
	}
	// A write stores its values before it updates the header cache: wait
	// for one in flight, then look again.
	r.v.settle()
	return is()
}

// fetchPacks reads a round of packs (from the pack cache when there).
func (r *bodiesRun) fetchPacks(keys []string) ([][]byte, error) {
	vals := make([][]byte, len(keys))
	var fetch []string
	var at []int
	for j, pk := range keys {
		if vals[j] = r.v.pcache.get(pk); vals[j] == nil {
			fetch, at = append(fetch, pk), append(at, j)
		}
	}
	got, err := r.v.getMany(r.ctx, BucketRecords, fetch)
	if err != nil {
		return nil, err
	}
	for j, val := range got {
		vals[at[j]] = val
	}
	return vals, nil
}

// packs opens the inline bodies wanted from a round of packs.
func (r *bodiesRun) packs(keys []string, vals [][]byte, byPack map[string][]want) error {
	for j, pk := range keys {
		ws := byPack[pk]
		wanted := make(map[string][]want, len(ws))
		for _, w := range ws {
			wanted[w.key] = append(wanted[w.key], w)
		}
		if vals[j] != nil {
			var addErr error
			// A pack that fails to parse leaves the records not yet found
			// in it missing, which fails below, as with Body.
			eachPackEntry(vals[j], func(key string, val []byte) error {
				for _, w := range wanted[key] {
					if addErr = r.addInline(w, val); addErr != nil {
						return addErr
					}
				}
				delete(wanted, key)
				return nil
			})
			if addErr != nil {
				return addErr
			}
		}
		for _, w := range ws {
			if _, missing := wanted[w.key]; !missing {
				continue
			}
			if r.changed(w) {
				r.moved = append(r.moved, w.i)
				continue
			}
			if vals[j] == nil {
				return fmt.Errorf("%w: body of record %s missing", ErrCorrupt, r.ids[w.i])
			}
			return fmt.Errorf("%w: record %s missing from its pack", ErrCorrupt, r.ids[w.i])
		}
	}
	return r.open()
}

// values reads a round of values stored alone: records with an inline
// body (bucket BucketRecords) or large bodies (BucketBodies).
func (r *bodiesRun) values(bucket string, ws []want) error {
	keys := make([]string, len(ws))
	for j, w := range ws {
		keys[j] = w.key
	}
	vals, err := r.v.getMany(r.ctx, bucket, keys)
	if err != nil {
		return err
	}
	for j, w := range ws {
		switch {
		case vals[j] == nil && r.changed(w):
			r.moved = append(r.moved, w.i)
		case vals[j] == nil:
			return fmt.Errorf("%w: body of record %s missing", ErrCorrupt, r.ids[w.i])
		case bucket == BucketRecords:
			if err := r.addInline(w, vals[j]); err != nil {
				return err
			}
		default:
			r.add(w, aad(r.schema, BucketBodies, w.key, nil), vals[j])
		}
	}
	return r.open()
}

// addInline queues the inline body of a record's stored value.
func (r *bodiesRun) addInline(w want, val []byte) error {
	_, sb, err := splitRecord(val)
	if err != nil {
		if r.changed(w) {
			r.moved = append(r.moved, w.i)
			return nil
		}
		return fmt.Errorf("%w: record %s", ErrCorrupt, r.ids[w.i])
	}
	r.add(w, inlineBodyAAD(r.schema, w.key), sb)
	return nil
}

func (r *bodiesRun) add(w want, ad, sealed []byte) {
	r.idx, r.ads, r.sealed = append(r.idx, w), append(r.ads, ad), append(r.sealed, sealed)
}

// open decrypts the queued bodies.
func (r *bodiesRun) open() error {
	if len(r.idx) == 0 {
		return r.ctx.Err()
	}
	if r.v.Locked() {
		return ErrLocked
	}
	pts, errs := r.c.openBatch(nil, r.ads, r.sealed)
	for j, w := range r.idx {
		if errs[j] != nil {
			// A write running meanwhile may have replaced the value read
			// (a pack rewritten in place): read that record again.
			if r.changed(w) {
				r.moved = append(r.moved, w.i)
				continue
			}
			return fmt.Errorf("%w: body of record %s", ErrCorrupt, r.ids[w.i])
		}
		r.out[w.i] = pts[j]
	}
	r.idx, r.ads, r.sealed = r.idx[:0], r.ads[:0], r.sealed[:0]
	if r.v.Locked() {
		return ErrLocked
	}
	return r.ctx.Err()
}

// getMany reads several keys of a bucket, in one transaction when the
// store is a BatchGetter. A missing key gives a nil value.
func (v *Vault) getMany(ctx context.Context, bucket string, keys []string) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, ctx.Err()
	}
	if bg, ok := v.store.(BatchGetter); ok {
		return bg.GetMany(ctx, bucket, keys)
	}
	vals := make([][]byte, len(keys))
	for j, key := range keys {
		val, err := v.store.Get(ctx, bucket, key)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		vals[j] = val
	}
	return vals, nil
}
