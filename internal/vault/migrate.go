package vault

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Migration batches: small enough for one IndexedDB transaction each.
const (
	migrateBatchOps   = 512
	migrateBatchBytes = 8 << 20
)

// migrate brings the store from schema `from` to SchemaVersion. Each step
// must be resumable: if the browser closes halfway, the schema record still
// says `from` and the next unlock redoes the step, skipping values already
// converted.
func (v *Vault) migrate(ctx context.Context, from int) error {
	for s := from; s < SchemaVersion; s++ {
		var err error
		switch s {
		case 1:
			err = v.migrate1to2(ctx)
		case 2:
			// Packs are new; every version 2 value stays valid.
		default:
			err = fmt.Errorf("vault: no migration from schema %d", s)
		}
		if err != nil {
			return fmt.Errorf("vault: migrating schema %d to %d: %w", s, s+1, err)
		}
		err = v.store.Write(ctx, []Op{{Bucket: BucketMeta, Key: metaSchema, Value: []byte(strconv.Itoa(s + 1))}})
		if err != nil {
			return err
		}
	}
	return nil
}

// migrate1to2 re-encrypts every value with the schema version in its AAD.
// Values that open under neither format are left as they are (they show up
// as corrupt later), so a damaged value cannot stop the migration.
func (v *Vault) migrate1to2(ctx context.Context) error {
	v.mu.RLock()
	k := v.k
	v.mu.RUnlock()
	if k == nil {
		return ErrLocked
	}
	// reseal returns the value in the version 2 format, or nil when it needs
	// no change (already converted) or cannot be read.
	reseal := func(bucket, key string, val []byte) []byte {
		var ads [][2][]byte // (v1 AAD, v2 AAD) candidates
		if bucket == BucketChunks {
			i, ok := chunkIndex(key)
			if !ok {
				return nil
			}
			for _, final := range []bool{false, true} {
				ads = append(ads, [2][]byte{chunkAAD(1, key, i, final), chunkAAD(2, key, i, final)})
			}
		} else {
			ads = append(ads, [2][]byte{aad(1, bucket, key, nil), aad(2, bucket, key, nil)})
		}
		if bucket == BucketRecords {
			// Version 2 values are length-prefixed, with the envelope
			// under the header AAD; version 1 values are the sealed
			// envelope alone (bodies stayed in BucketBodies).
			if sh, _, err := splitRecord(val); err == nil {
				if _, err := open(k.aead, nil, headerAAD(2, key), sh); err == nil {
					return nil
				}
			}
			pt, err := open(k.aead, nil, headerAAD(1, key), val)
			if err != nil {
				return nil
			}
			sh := seal(k.aead, headerAAD(2, key), pt)
			wipe(pt)
			return append(binary.AppendUvarint(nil, uint64(len(sh))), sh...)
		}
		for _, ad := range ads {
			if _, err := open(k.aead, nil, ad[1], val); err == nil {
				return nil // already version 2
			}
			if pt, err := open(k.aead, nil, ad[0], val); err == nil {
				out := seal(k.aead, ad[1], pt)
				wipe(pt)
				return out
			}
		}
		return nil
	}
	for _, bucket := range []string{BucketRecords, BucketBodies, BucketChunks} {
		var ops []Op
		size := 0
		flush := func() error {
			if len(ops) == 0 {
				return nil
			}
			err := v.store.Write(ctx, ops)
			ops, size = nil, 0
			return err
		}
		err := v.store.Each(ctx, bucket, func(key string, val []byte) error {
			if out := reseal(bucket, key, val); out != nil {
				ops = append(ops, Op{Bucket: bucket, Key: key, Value: out})
				size += len(out)
				if len(ops) >= migrateBatchOps || size >= migrateBatchBytes {
					return flush()
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// chunkIndex parses the index from a chunk key "prefix.xxxxxxxx".
func chunkIndex(key string) (uint32, bool) {
	dot := strings.LastIndexByte(key, '.')
	if dot < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(key[dot+1:], 16, 32)
	return uint32(n), err == nil
}
