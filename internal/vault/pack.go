package vault

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Packs (schema 3). IndexedDB costs about the same per value whatever its
// size up to a few hundred KiB, so a Put of many records stores them in
// packs: values in BucketRecords under packPrefix + a random id, holding
// up to PackMaxBytes of entries. An entry is a record's storage key and its
// value exactly as it would be stored alone (sealed under that key, so the
// AAD needs no change and entries move between packs and single values
// without re-encryption). A pack is the uvarint-length-prefixed key and
// value of each entry, one after the other.
//
// A record lives in one place: alone under its key or in one pack. Put and
// Delete remove a record's old place in the same transaction that writes
// its new one: a pack losing entries is rewritten without them, or deleted
// once empty. A record found twice at unlock (only tampering can do that)
// keeps its first place in key order and Corrupt lists the second.
const packPrefix = "pack."

// PackMin is the smallest Put that is packed; smaller ones (an edit, a
// note) store each record alone, so changing one record rewrites no pack.
const PackMin = 16

// PackMaxBytes is the size at which a pack is closed.
const PackMaxBytes = 256 << 10

func isPack(key string) bool { return strings.HasPrefix(key, packPrefix) }

func appendPackEntry(b []byte, key string, val []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(len(val)))
	return append(b, val...)
}

// eachPackEntry calls fn for every entry of a pack; the value aliases b.
func eachPackEntry(b []byte, fn func(key string, val []byte) error) error {
	for len(b) > 0 {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return ErrCorrupt
		}
		key := string(b[w : w+int(n)])
		b = b[w+int(n):]
		n, w = binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return ErrCorrupt
		}
		if err := fn(key, b[w:w+int(n)]); err != nil {
			return err
		}
		b = b[w+int(n):]
	}
	return nil
}

// findInPack returns the value of key in a pack, or nil.
func findInPack(b []byte, key string) ([]byte, error) {
	var found []byte
	stop := errors.New("found")
	err := eachPackEntry(b, func(k string, val []byte) error {
		if k == key {
			found = val
			return stop
		}
		return nil
	})
	if err != nil && err != stop {
		return nil, err
	}
	return found, nil
}

// plan is a batch of record writes and how the cache follows once they
// land.
type plan struct {
	ops      []Op
	loc      map[string]string   // record id → pack key, "" when alone
	rkeys    map[string]string   // record id → storage key
	newPacks map[string]int      // pack key → entries
	removed  map[string][]string // pack key → storage keys leaving it
	ents     []*entry            // the cache entry of each record, in order
}

// putItem is one record of a Put between planning and sealing.
type putItem struct {
	key, bkey string // storage keys of the record and, when not inline, its body
	inline    bool
	sh, sb    []byte // sealed envelope and body
}

// sealRound bounds the values sealed in one batch: WebCrypto gets them
// all at once, so a round also bounds what JavaScript holds.
const (
	sealRoundCount = 256
	sealRoundBytes = 2 << 20
)

// planPut seals recs and places them: in new packs for a large batch,
// alone otherwise, removing each record's old place. The caller holds
// writeMu (so the places it reads cannot change) but not mu, which is held
// only while reading the cache, never while sealing (WebCrypto is awaited).
func (v *Vault) planPut(ctx context.Context, recs []Record) (*plan, error) {
	p := &plan{
		loc:      make(map[string]string, len(recs)),
		rkeys:    make(map[string]string, len(recs)),
		newPacks: map[string]int{},
		removed:  map[string][]string{},
	}
	v.mu.RLock()
	k, schema := v.k, v.schema
	v.mu.RUnlock()
	if k == nil {
		return nil, ErrLocked
	}
	c := k.cryptor()
	packed := schema >= 2 && len(recs) >= PackMin
	items := make([]putItem, len(recs))
	// Storage keys (an HMAC each) are made keyPart records at a time under
	// mu, pausing between parts without it.
	step := Paced(ctx)
	const keyPart = 64
	for from := 0; from < len(recs); from += keyPart {
		step()
		v.mu.RLock()
		if v.k == nil {
			v.mu.RUnlock()
			return nil, ErrLocked
		}
		for i := from; i < min(from+keyPart, len(recs)); i++ {
			r, it := &recs[i], &items[i]
			it.key = k.storageKey(kindRecord, r.ID)
			it.inline = schema >= 2 && len(r.Body) > 0 && len(r.Body) <= InlineBodyMax
			if len(r.Body) > 0 && !it.inline {
				it.bkey = k.storageKey(kindBody, r.ID)
			}
		}
		v.mu.RUnlock()
	}
	v.mu.RLock()
	if v.k == nil {
		v.mu.RUnlock()
		return nil, ErrLocked
	}
	for i := range recs {
		r, it := &recs[i], &items[i]
		e := v.headers[r.ID]
		if e == nil {
			continue
		}
		if it.bkey == "" && e.flags&(flagHasBody|flagInline) == flagHasBody {
			p.ops = append(p.ops, Op{Bucket: BucketBodies, Key: k.storageKey(kindBody, r.ID), Delete: true})
		}
		if e.pack != "" {
			p.removed[e.pack] = append(p.removed[e.pack], it.key)
		} else if packed {
			p.ops = append(p.ops, Op{Bucket: BucketRecords, Key: it.key, Delete: true})
		}
	}
	counts := v.packCounts(p.removed)
	v.mu.RUnlock()

	if err := v.sealItems(c, schema, recs, items, step); err != nil {
		return nil, err
	}

	var cur []byte
	var curKey string
	flush := func() {
		p.ops = append(p.ops, Op{Bucket: BucketRecords, Key: curKey, Value: cur})
		cur = nil
	}
	for i := range recs {
		step()
		r, it := &recs[i], &items[i]
		p.rkeys[r.ID] = it.key
		if it.bkey != "" {
			p.ops = append(p.ops, Op{Bucket: BucketBodies, Key: it.bkey, Value: it.sb})
		}
		val := it.sh
		if schema >= 2 {
			val = binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(it.sh)+len(it.sb)), uint64(len(it.sh)))
			val = append(val, it.sh...)
			if it.inline {
				val = append(val, it.sb...)
			}
		}
		if !packed {
			p.ops = append(p.ops, Op{Bucket: BucketRecords, Key: it.key, Value: val})
			p.loc[r.ID] = ""
			continue
		}
		if cur == nil {
			curKey = packPrefix + NewID()
			cur = make([]byte, 0, PackMaxBytes+InlineBodyMax+1024)
		}
		cur = appendPackEntry(cur, it.key, val)
		p.loc[r.ID] = curKey
		p.newPacks[curKey]++
		if len(cur) >= PackMaxBytes {
			flush()
		}
	}
	if cur != nil {
		flush()
	}
	// The cache entries are made here too, so that what follows the
	// store's write is short.
	p.ents = make([]*entry, len(recs))
	for i := range recs {
		step()
		r := &recs[i]
		h := bytes.Clone(r.Header)
		e := &entry{header: h, buf: h, pack: p.loc[r.ID], rkey: p.rkeys[r.ID]}
		if len(r.Body) > 0 {
			e.flags = flagHasBody
			if schema >= 2 && len(r.Body) <= InlineBodyMax {
				e.flags |= flagInline
			}
		}
		p.ents[i] = e
	}
	ops, err := v.rewritePacks(ctx, p.removed, counts)
	if err != nil {
		return nil, err
	}
	// Pack rewrites go first: IndexedDB applies requests in order, and no
	// key is written twice here anyway.
	p.ops = append(ops, p.ops...)
	return p, nil
}

// sealItems seals every record's envelope and body (the AADs and format
// of a record stored alone), in rounds of at most sealRoundCount values
// or sealRoundBytes. It stops with ErrLocked when the vault is locked
// meanwhile.
func (v *Vault) sealItems(c cryptor, schema int, recs []Record, items []putItem, step func()) error {
	var ads, pts [][]byte
	var dst []*[]byte
	var envs [][]byte
	size := 0
	run := func() error {
		if len(pts) == 0 {
			return nil
		}
		var sealed [][]byte
		err := ErrLocked
		if !v.Locked() {
			sealed, err = c.sealBatch(ads, pts)
		}
		for _, env := range envs {
			wipe(env)
		}
		if err != nil {
			return err
		}
		for j, d := range dst {
			*d = sealed[j]
		}
		ads, pts, dst, envs, size = ads[:0], pts[:0], dst[:0], envs[:0], 0
		return nil
	}
	add := func(ad, pt []byte, d *[]byte) error {
		ads, pts, dst = append(ads, ad), append(pts, pt), append(dst, d)
		if size += len(pt); len(pts) >= sealRoundCount || size >= sealRoundBytes {
			return run()
		}
		return nil
	}
	for i := range recs {
		step()
		r, it := &recs[i], &items[i]
		env := encodeEnvelope(r, it.inline)
		envs = append(envs, env)
		if err := add(headerAAD(schema, it.key), env, &it.sh); err != nil {
			return err
		}
		var err error
		switch {
		case it.inline:
			err = add(inlineBodyAAD(schema, it.key), r.Body, &it.sb)
		case it.bkey != "":
			err = add(aad(schema, BucketBodies, it.bkey, nil), r.Body, &it.sb)
		}
		if err != nil {
			return err
		}
	}
	return run()
}

// packCounts returns the entry count of each pack in removed. The caller
// holds mu.
func (v *Vault) packCounts(removed map[string][]string) map[string]int {
	counts := make(map[string]int, len(removed))
	for pk := range removed {
		counts[pk] = v.packs[pk]
	}
	return counts
}

// rewritePacks returns the ops that take the given keys out of each pack:
// a delete when nothing would be left, else the pack written again without
// them (read first; the caller holds writeMu).
func (v *Vault) rewritePacks(ctx context.Context, removed map[string][]string, counts map[string]int) ([]Op, error) {
	var ops []Op
	for pk, keys := range removed {
		if counts[pk] <= len(keys) {
			ops = append(ops, Op{Bucket: BucketRecords, Key: pk, Delete: true})
			continue
		}
		old, err := v.store.Get(ctx, BucketRecords, pk)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		drop := make(map[string]bool, len(keys))
		for _, key := range keys {
			drop[key] = true
		}
		out := make([]byte, 0, len(old))
		err = eachPackEntry(old, func(key string, val []byte) error {
			if !drop[key] {
				out = appendPackEntry(out, key, val)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%w: pack %s", ErrCorrupt, pk)
		}
		if len(out) == 0 {
			ops = append(ops, Op{Bucket: BucketRecords, Key: pk, Delete: true})
		} else if !bytes.Equal(out, old) {
			ops = append(ops, Op{Bucket: BucketRecords, Key: pk, Value: out})
		}
	}
	return ops, nil
}

// applyPacks updates the pack counts after a write. The caller holds mu.
func (v *Vault) applyPacks(p *plan) {
	for pk := range p.removed {
		v.pcache.drop(pk)
	}
	for pk, keys := range p.removed {
		if v.packs[pk] -= len(keys); v.packs[pk] <= 0 {
			delete(v.packs, pk)
		}
	}
	for pk, n := range p.newPacks {
		v.packs[pk] = n
	}
}
