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
	newPacks map[string]int      // pack key → entries
	removed  map[string][]string // pack key → storage keys leaving it
}

// planPut seals recs and places them: in new packs for a large batch,
// alone otherwise, removing each record's old place. The caller holds
// writeMu (so the places it reads cannot change) but not mu.
func (v *Vault) planPut(ctx context.Context, recs []Record) (*plan, error) {
	p := &plan{loc: make(map[string]string, len(recs)), newPacks: map[string]int{}, removed: map[string][]string{}}
	v.mu.RLock()
	if v.k == nil {
		v.mu.RUnlock()
		return nil, ErrLocked
	}
	k := v.k
	packed := v.schema >= 2 && len(recs) >= PackMin
	var cur []byte
	var curKey string
	flush := func() {
		p.ops = append(p.ops, Op{Bucket: BucketRecords, Key: curKey, Value: cur})
		cur = nil
	}
	for i := range recs {
		r := &recs[i]
		key := k.storageKey(kindRecord, r.ID)
		val, bodyOps := v.sealRecord(r, key)
		p.ops = append(p.ops, bodyOps...)
		if e := v.headers[r.ID]; e != nil && e.pack != "" {
			p.removed[e.pack] = append(p.removed[e.pack], key)
		} else if e != nil && packed {
			p.ops = append(p.ops, Op{Bucket: BucketRecords, Key: key, Delete: true})
		}
		if !packed {
			p.ops = append(p.ops, Op{Bucket: BucketRecords, Key: key, Value: val})
			p.loc[r.ID] = ""
			continue
		}
		if cur == nil {
			curKey = packPrefix + NewID()
			cur = make([]byte, 0, PackMaxBytes+InlineBodyMax+1024)
		}
		cur = appendPackEntry(cur, key, val)
		p.loc[r.ID] = curKey
		p.newPacks[curKey]++
		if len(cur) >= PackMaxBytes {
			flush()
		}
	}
	if cur != nil {
		flush()
	}
	counts := v.packCounts(p.removed)
	v.mu.RUnlock()
	ops, err := v.rewritePacks(ctx, p.removed, counts)
	if err != nil {
		return nil, err
	}
	// Pack rewrites go first: IndexedDB applies requests in order, and no
	// key is written twice here anyway.
	p.ops = append(ops, p.ops...)
	return p, nil
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
