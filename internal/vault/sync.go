package vault

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// What a sync engine (internal/replica) needs of the vault: which records
// changed since it last looked, the records' storage keys (the keyed hashes
// the server may see), a key of its own for what it seals, the raw sealed
// chunks of files (they move between devices unchanged: every device of a
// vault holds the same data key, so the same storage keys and AADs), and a
// way to store what it pulled without marking it changed again.
//
// Change marks: once Track has been called, every write of records also
// stores, in the same transaction, a mark in BucketMeta under markPrefix +
// a random id whose value is the sealed list of the ids written or
// deleted. A mark says nothing the store's keys do not already say.

const (
	metaTrack  = "sync.track" // present once the vault syncs
	markPrefix = "sync.mark." // one per write of records while tracked
	metaPrefix = "sync.meta." // the engine's own sealed values
)

type untracked struct{}

// Untracked returns a context whose writes leave no change mark: the sync
// engine stores what it pulled with it.
func Untracked(ctx context.Context) context.Context {
	return context.WithValue(ctx, untracked{}, true)
}

// Track turns change marks on for this vault (in every tab, from their next
// write) and marks every record held now, so the first sync pushes them all.
func (v *Vault) Track(ctx context.Context) error {
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	ids, err := v.IDs()
	if err != nil {
		return err
	}
	v.tracked.Store(true)
	rop, rev := revOp() // the other tabs read the mark again
	ops := append([]Op{{Bucket: BucketMeta, Key: metaTrack, Value: []byte("1")}, rop}, v.markOp(ctx, ids)...)
	if err := v.store.Write(ctx, ops); err != nil {
		v.tracked.Store(false)
		return err
	}
	v.tracked.Store(true)
	v.wrote(Unannounced(ctx), rev)
	return nil
}

// Tracked reports whether change marks are on.
func (v *Vault) Tracked() bool { return v.tracked.Load() }

func (v *Vault) readTracked(ctx context.Context) error {
	_, err := v.store.Get(ctx, BucketMeta, metaTrack)
	switch {
	case err == nil:
		v.tracked.Store(true)
	case errors.Is(err, ErrNotFound):
		v.tracked.Store(false)
	default:
		return err
	}
	return nil
}

// markOp returns the change mark for a write of ids, or no op when the
// vault is not tracked or ctx is Untracked. The caller holds writeMu.
func (v *Vault) markOp(ctx context.Context, ids []string) []Op {
	if !v.tracked.Load() || ctx.Value(untracked{}) != nil || len(ids) == 0 {
		return nil
	}
	c, err := v.liveCryptor()
	if err != nil {
		return nil
	}
	pt := binary.BigEndian.AppendUint64(nil, uint64(now().UnixNano()))
	for _, id := range ids {
		pt = binary.AppendUvarint(pt, uint64(len(id)))
		pt = append(pt, id...)
	}
	key := markPrefix + NewID()
	return []Op{{Bucket: BucketMeta, Key: key, Value: seal(c.aead, aad(v.schema, BucketMeta, key, nil), pt)}}
}

func recIDs(recs []Record) []string {
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	return ids
}

// Change is a record written or deleted while the vault was tracked, and
// when it last was.
type Change struct {
	ID   string
	Time time.Time
}

// Changes returns the records written or deleted since the marks were last
// cleared (sorted by id, each once) and the marks themselves, for
// ClearChanges once the changes reached the server. A mark that fails to
// open is left alone.
func (v *Vault) Changes(ctx context.Context) (changes []Change, marks []string, err error) {
	c, err := v.liveCryptor()
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]time.Time{}
	err = v.store.Each(ctx, BucketMeta, func(key string, val []byte) error {
		if !strings.HasPrefix(key, markPrefix) {
			return nil
		}
		pt, err := open(c.aead, nil, aad(v.schema, BucketMeta, key, nil), val)
		if err != nil || len(pt) < 8 {
			return nil
		}
		at := time.Unix(0, int64(binary.BigEndian.Uint64(pt)))
		for pt = pt[8:]; len(pt) > 0; {
			n, w := binary.Uvarint(pt)
			if w <= 0 || n > uint64(len(pt)-w) {
				return nil
			}
			if id := string(pt[w : w+int(n)]); at.After(seen[id]) {
				seen[id] = at
			}
			pt = pt[w+int(n):]
		}
		marks = append(marks, key)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for id, at := range seen {
		changes = append(changes, Change{id, at})
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(a, b Change) int { return strings.Compare(a.ID, b.ID) }
	sort.Slice(changes, func(i, j int) bool { return order(changes[i], changes[j]) < 0 })
	return changes, marks, nil
}

// ClearChanges removes marks returned by Changes. Marks written since stay.
func (v *Vault) ClearChanges(ctx context.Context, marks []string) error {
	if len(marks) == 0 {
		return nil
	}
	ops := make([]Op, 0, len(marks))
	for _, m := range marks {
		if !strings.HasPrefix(m, markPrefix) {
			return fmt.Errorf("vault: %q is not a change mark", m)
		}
		ops = append(ops, Op{Bucket: BucketMeta, Key: m, Delete: true})
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	return v.store.Write(ctx, ops)
}

// RecordKey returns the storage key of record id: the keyed hash every
// device of this vault computes alike, and the only id a server sees.
func (v *Vault) RecordKey(id string) (string, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return "", ErrLocked
	}
	return v.k.storageKey(kindRecord, id), nil
}

// SyncKeys are derived from the data key, so every device of the vault
// (and no one else) holds the same ones.
type SyncKeys struct {
	Sign ed25519.PrivateKey // the vault's key at the server: signs the heads of its log
	Seal []byte             // AES-256-GCM key of the sync envelopes
}

// Wipe zeroes the keys.
func (k *SyncKeys) Wipe() { wipe(k.Sign); wipe(k.Seal) }

// SyncKeys derives the vault's sync keys.
func (v *Vault) SyncKeys() (*SyncKeys, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return nil, ErrLocked
	}
	seed, err := hkdf.Key(sha256.New, v.k.data, nil, "backpack sync v1 signing", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	defer wipe(seed)
	sk, err := hkdf.Key(sha256.New, v.k.data, nil, "backpack sync v1 envelopes", keySize)
	if err != nil {
		return nil, err
	}
	return &SyncKeys{Sign: ed25519.NewKeyFromSeed(seed), Seal: sk}, nil
}

// PutMeta stores a value of the sync engine's own (its cursor, the
// versions it saw), sealed, under name. A nil value deletes it.
func (v *Vault) PutMeta(ctx context.Context, name string, val []byte) error {
	c, err := v.liveCryptor()
	if err != nil {
		return err
	}
	key := metaPrefix + name
	op := Op{Bucket: BucketMeta, Key: key, Delete: val == nil}
	if val != nil {
		op.Value = seal(c.aead, aad(v.schema, BucketMeta, key, nil), val)
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	return v.store.Write(ctx, []Op{op})
}

// GetMeta returns a value PutMeta stored, or ErrNotFound.
func (v *Vault) GetMeta(ctx context.Context, name string) ([]byte, error) {
	key := metaPrefix + name
	val, err := v.store.Get(ctx, BucketMeta, key)
	if err != nil {
		return nil, err
	}
	c, err := v.liveCryptor()
	if err != nil {
		return nil, err
	}
	return open(c.aead, nil, aad(v.schema, BucketMeta, key, nil), val)
}

// FileKey returns the storage prefix of file fileID's chunks (the keyed
// hash a server sees) and how many chunks a file of size bytes has.
func (v *Vault) FileKey(fileID string, size int64) (string, int, error) {
	prefix, _, err := v.filePrefix(fileID)
	if err != nil {
		return "", 0, err
	}
	return prefix, ChunkCount(size), nil
}

// ChunkCount is the number of chunks of a file of size bytes.
func ChunkCount(size int64) int { return max(int((size+ChunkSize-1)/ChunkSize), 1) }

// RawChunk returns chunk i of file fileID as stored (sealed), or
// ErrNotFound.
func (v *Vault) RawChunk(ctx context.Context, fileID string, i int) ([]byte, error) {
	prefix, _, err := v.filePrefix(fileID)
	if err != nil {
		return nil, err
	}
	return v.store.Get(ctx, BucketChunks, chunkKey(prefix, uint32(i)))
}

// HasRawChunks reports, for each chunk index below n, whether it is stored.
func (v *Vault) HasRawChunks(ctx context.Context, fileID string, n int) ([]bool, error) {
	prefix, _, err := v.filePrefix(fileID)
	if err != nil {
		return nil, err
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = chunkKey(prefix, uint32(i))
	}
	vals, err := v.getMany(ctx, BucketChunks, keys)
	if err != nil {
		return nil, err
	}
	has := make([]bool, n)
	for i, b := range vals {
		has[i] = b != nil
	}
	return has, nil
}

// PutRawChunks stores sealed chunks of file fileID from index first on, as
// another device of the vault sealed them. Each is checked first: a chunk
// that does not open at its place is ErrCorrupt and nothing is written.
// The file carries a pending mark until PutSettled stores its record, so
// Reclaim leaves it alone meanwhile, and a transfer abandoned for good is
// removed at a later unlock (PendingMaxAge).
func (v *Vault) PutRawChunks(ctx context.Context, fileID string, first, total int, chunks [][]byte) error {
	prefix, _, err := v.filePrefix(fileID)
	if err != nil {
		return err
	}
	c, err := v.liveCryptor()
	if err != nil {
		return err
	}
	ops := make([]Op, 0, len(chunks)+1)
	ads := make([][]byte, len(chunks))
	for j, ch := range chunks {
		i := first + j
		if i >= total {
			return fmt.Errorf("%w: chunk %d of a file of %d", ErrCorrupt, i, total)
		}
		key := chunkKey(prefix, uint32(i))
		ads[j] = chunkAAD(v.schema, key, uint32(i), i == total-1)
		ops = append(ops, Op{Bucket: BucketChunks, Key: key, Value: ch})
	}
	pts, errs := c.openBatch(nil, ads, chunks)
	for j, err := range errs {
		wipe(pts[j])
		if err != nil {
			return fmt.Errorf("%w: chunk %d of file %s", ErrCorrupt, first+j, fileID)
		}
	}
	ops = append(ops, v.pendingOp(c, prefix))
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	return v.store.Write(ctx, ops)
}

// PutSettled is Put that also removes, in the same transaction, the
// pending marks of files fileIDs, whose chunks came by PutRawChunks and
// whose records are among recs.
func (v *Vault) PutSettled(ctx context.Context, fileIDs []string, recs ...Record) error {
	ops := make([]Op, 0, len(fileIDs))
	for _, id := range fileIDs {
		prefix, _, err := v.filePrefix(id)
		if err != nil {
			return err
		}
		ops = append(ops, Op{Bucket: BucketMeta, Key: pendingPrefix + prefix, Delete: true})
	}
	return v.writeWith(ctx, ops, recs)
}

// Keyslots returns the vault's keyslots (the data key wrapped under the
// passphrase and under the recovery key) for another device to Join: they
// open only with the passphrase or the recovery key.
func (v *Vault) Keyslots(ctx context.Context) ([]byte, error) {
	if v.Locked() {
		return nil, ErrLocked
	}
	var out []byte
	for _, name := range []string{slotPassphrase, slotRecovery} {
		raw, err := v.store.Get(ctx, BucketMeta, name)
		if err != nil {
			return nil, err
		}
		out = binary.AppendUvarint(out, uint64(len(raw)))
		out = append(out, raw...)
	}
	return out, nil
}

// Join makes an empty store a new device of the vault whose Keyslots are
// slots, and unlocks it with the passphrase. A wrong passphrase returns
// ErrWrongPassphrase and writes nothing. The new device then pulls the
// records from the vault's log.
func Join(ctx context.Context, store Store, slots []byte, passphrase string) (*Vault, error) {
	if ok, err := Exists(ctx, store); err != nil {
		return nil, err
	} else if ok {
		return nil, ErrExists
	}
	var raws [2][]byte
	for i := range raws {
		n, w := binary.Uvarint(slots)
		if w <= 0 || n > uint64(len(slots)-w) {
			return nil, fmt.Errorf("%w: keyslots unreadable", ErrCorrupt)
		}
		raws[i], slots = slots[w:w+int(n)], slots[w+int(n):]
	}
	pass := normPassphrase(passphrase)
	defer wipe(pass)
	data, ok, err := openSlot(ctx, slotPassphrase, raws[0], pass)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrWrongPassphrase
	}
	wipe(data)
	err = store.Write(ctx, []Op{
		{Bucket: BucketMeta, Key: metaSchema, Value: []byte(fmt.Sprint(SchemaVersion))},
		{Bucket: BucketMeta, Key: slotPassphrase, Value: raws[0]},
		{Bucket: BucketMeta, Key: slotRecovery, Value: raws[1]},
		{Bucket: BucketMeta, Key: metaTrack, Value: []byte("1")},
	})
	if err != nil {
		return nil, err
	}
	return unlock(ctx, store, slotPassphrase, pass, ErrWrongPassphrase)
}

// KeyslotsID is the record id under which change marks note a change of
// the keyslots (a new passphrase or recovery key), for the sync engine to
// carry them to the vault's other devices. No record has it.
const KeyslotsID = "sync.keyslots"

// SetKeyslots replaces the keyslots with slots (from Keyslots on another
// device of this vault: they wrap the same data key), leaving no change
// mark. The passphrase and recovery key of that device open this one from
// the next unlock on.
func (v *Vault) SetKeyslots(ctx context.Context, slots []byte) error {
	var raws [2][]byte
	for i := range raws {
		n, w := binary.Uvarint(slots)
		if w <= 0 || n > uint64(len(slots)-w) {
			return fmt.Errorf("%w: keyslots unreadable", ErrCorrupt)
		}
		raws[i], slots = slots[w:w+int(n)], slots[w+int(n):]
		var s keyslot
		if err := json.Unmarshal(raws[i], &s); err != nil || s.V != 1 || len(s.Wrapped) == 0 {
			return fmt.Errorf("%w: keyslots unreadable", ErrCorrupt)
		}
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	if v.Locked() {
		return ErrLocked
	}
	return v.store.Write(ctx, []Op{
		{Bucket: BucketMeta, Key: slotPassphrase, Value: raws[0]},
		{Bucket: BucketMeta, Key: slotRecovery, Value: raws[1]},
	})
}
