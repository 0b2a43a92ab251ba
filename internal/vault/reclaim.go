package vault

import (
	"context"
	"encoding/binary"
	"strings"
	"time"
)

// KeyLister is implemented by stores that list a bucket's keys without
// reading its values (the IndexedDB store: getAllKeys). Reclaim lists the
// chunks through it: their values are the files' bytes.
type KeyLister interface {
	// Keys calls fn for every key of bucket, in key order; fn's error
	// stops the walk and is returned.
	Keys(ctx context.Context, bucket string, fn func(key string) error) error
}

// eachKey lists bucket's keys, without the values when the store can.
func eachKey(ctx context.Context, s Store, bucket string, fn func(key string) error) error {
	if kl, ok := s.(KeyLister); ok {
		return kl.Keys(ctx, bucket, fn)
	}
	return s.Each(ctx, bucket, func(key string, _ []byte) error { return fn(key) })
}

// marks reads the pending marks: for each file prefix, whether its mark is
// abandoned (sealed by this vault and older than PendingMaxAge). A mark
// the vault cannot open is not ours to judge: its prefix counts as live.
func (v *Vault) marks(ctx context.Context, c cryptor) (map[string]bool, error) {
	old := map[string]bool{}
	err := v.store.Each(ctx, BucketMeta, func(key string, val []byte) error {
		prefix, ok := strings.CutPrefix(key, pendingPrefix)
		if !ok {
			return nil
		}
		pt, err := open(c.aead, nil, aad(v.schema, BucketMeta, key, nil), val)
		if err != nil || len(pt) != 8 {
			old[prefix] = false
			return nil
		}
		age := now().Sub(time.Unix(int64(binary.BigEndian.Uint64(pt)), 0))
		old[prefix] = age > PendingMaxAge
		return nil
	})
	return old, err
}

// dropOps are the ops that delete each prefix's chunks and mark.
func dropOps(prefixes []string) []Op {
	var ops []Op
	for _, p := range prefixes {
		ops = append(ops,
			Op{Bucket: BucketChunks, Key: p, Delete: true, Prefix: true},
			Op{Bucket: BucketMeta, Key: pendingPrefix + p, Delete: true})
	}
	return ops
}

// cleanPending deletes the chunks of files whose PutFile was abandoned. It
// is best effort: a failure leaves the marks for the next unlock.
func (v *Vault) cleanPending(ctx context.Context) {
	c, err := v.liveCryptor()
	if err != nil {
		return
	}
	marks, err := v.marks(ctx, c)
	if err != nil {
		return
	}
	var drop []string
	for p, old := range marks {
		if old {
			drop = append(drop, p)
		}
	}
	if len(drop) > 0 {
		v.writeMu.Lock()
		defer v.writeMu.Unlock()
		v.store.Write(ctx, dropOps(drop))
	}
}

// Reclaim deletes the file chunks nothing needs and returns how many files
// it removed: those of an abandoned PutFile or Stage (a pending mark older
// than PendingMaxAge), and those no record describes and no mark claims (a
// restore cut short by an older version, a profile deletion cut short).
// A file is described by the record whose id is the file's id; chunks
// with a fresh mark, or a mark the vault cannot read, are left alone, and
// so is every unmarked file while any record fails to decrypt (its id is
// unknown, it may describe one).
//
// It runs as the store's only writer (see Exclusive), so it must not be
// called inside Exclusive, and it judges unmarked files only when this
// vault's headers are those of the store's revision: when another tab
// wrote since, they wait for a later Reclaim (reading the headers here
// would hide the change from the next Exclusive's caller). The chunks are
// listed before the marks and the revision, so a file written with its
// record between the listings is never taken for an orphan.
func (v *Vault) Reclaim(ctx context.Context) (int, error) {
	removed := 0
	err := v.onlyWriter(ctx, func() error {
		chunked := map[string]bool{}
		err := eachKey(ctx, v.store, BucketChunks, func(key string) error {
			if i := strings.LastIndexByte(key, '.'); i > 0 {
				chunked[key[:i]] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		c, err := v.liveCryptor()
		if err != nil {
			return err
		}
		marks, err := v.marks(ctx, c)
		if err != nil {
			return err
		}
		// Unmarked chunks are judged against the records only when the
		// store holds no record written after the header cache was read.
		rev, err := readRev(ctx, v.store)
		if err != nil {
			return err
		}
		v.mu.RLock()
		if v.k == nil {
			v.mu.RUnlock()
			return ErrLocked
		}
		sweep := rev == v.rev && len(v.corrupt) == 0
		described := make(map[string]bool, len(v.headers))
		if sweep {
			for id := range v.headers {
				described[v.k.storageKey(kindFile, id)] = true
			}
		}
		v.mu.RUnlock()
		var drop []string
		for p, old := range marks {
			if old {
				drop = append(drop, p)
			}
		}
		for p := range chunked {
			if _, marked := marks[p]; !marked && sweep && !described[p] {
				drop = append(drop, p)
			}
		}
		if len(drop) == 0 {
			return nil
		}
		v.writeMu.Lock()
		defer v.writeMu.Unlock()
		if err := v.store.Write(ctx, dropOps(drop)); err != nil {
			return err
		}
		removed = len(drop)
		return nil
	})
	return removed, err
}
