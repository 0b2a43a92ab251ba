// Package vault is Backpack's encrypted record store.
//
// A random 256-bit data key encrypts everything with AES-256-GCM. Keyslots in
// the store's meta bucket wrap that key: one under an Argon2id key derived
// from the passphrase, one under the recovery key. Records have a small
// header, decrypted into memory at unlock, and a body, decrypted on demand;
// a large Put stores its records in packs of about 256 KiB (browsers pay per
// stored value, not per byte). Files are streamed in 1 MiB chunks, eight per
// transaction, sealed with WebCrypto in the browser; an abandoned PutFile or
// Stage (a restore cut short) is cleaned up at a later unlock, and Reclaim
// removes chunks no record describes. Put and Bodies (many bodies at once, for an
// export) seal and open bodies of 1 KiB or more in batches with WebCrypto
// too; smaller values are faster in Go. Storage keys are HMACs of the caller's ids,
// and every ciphertext's AAD binds its schema version, bucket and key, so
// nothing in storage tells types, dates, names or sizes beyond ciphertext
// length (and, for packs, which records were written by one large Put), and
// values moved between keys fail to decrypt.
//
// Known limits: deleting a whole record, or rolling one back to an older
// version of itself, is not detected (there is no global MAC over the set).
// The AES key schedule inside crypto/cipher cannot be wiped; Lock zeroes
// every key byte the package holds and drops the rest.
package vault

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Record is one vault entry. Header is meant to be small (kind, date, title:
// whatever a list needs); Body holds the rest and is read with Vault.Body.
type Record struct {
	ID     string
	Header []byte
	Body   []byte
}

// MaxIDLen bounds record and file ids.
const MaxIDLen = 512

// Vault is an unlocked vault. All methods are safe for concurrent use. After
// Lock every method returns ErrLocked; unlock again to get a new Vault.
// Methods that wait on the store must not be called from inside a js.FuncOf
// callback (the browser could not deliver the store's events).
type Vault struct {
	store Store

	mu      sync.RWMutex // guards k and headers; held only for CPU work
	k       *keys        // nil once locked
	headers map[string]*entry
	packs   map[string]int // entries left in each pack (see pack.go)
	pcache  packCache      // packs read by Body
	corrupt []string

	writeMu sync.Mutex // orders writes, so the header cache follows the store

	rev  string       // the store's revision the header cache reflects (see shared.go)
	excl atomic.Int32 // Exclusive calls running
	// edits changes whenever the cached headers do (a write, a delete, a
	// reload after another tab's write): see Edits.
	edits atomic.Uint64

	schema int // the AAD format version: sealVersion except in tests

	tracked atomic.Bool // writes leave change marks (sync.go)
}

type entry struct {
	header []byte
	buf    []byte // the whole plaintext the header aliases, wiped on Lock
	flags  byte   // flagHasBody, flagInline
	pack   string // the pack holding the record, "" when stored alone
	rkey   string // the record's storage key (saves an HMAC per Body)
}

func (e *entry) wipe() { wipe(e.buf); wipe(e.header) }

// NewID returns a random 128-bit id in lowercase hex.
func NewID() string { return hex.EncodeToString(randomBytes(16)) }

// Exists reports whether store holds a vault.
func Exists(ctx context.Context, store Store) (bool, error) {
	_, err := store.Get(ctx, BucketMeta, slotPassphrase)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, err
}

// Create makes a new vault in an empty store, unlocked, and returns it with
// its recovery key, which the user must write down: it is shown only now.
func Create(ctx context.Context, store Store, passphrase string) (*Vault, string, error) {
	return create(ctx, store, passphrase, DefaultKDF)
}

func create(ctx context.Context, store Store, passphrase string, p KDFParams) (*Vault, string, error) {
	if passphrase == "" {
		return nil, "", ErrEmptyPassphrase
	}
	if ok, err := Exists(ctx, store); err != nil {
		return nil, "", err
	} else if ok {
		return nil, "", ErrExists
	}
	data := randomBytes(keySize)
	pass := normPassphrase(passphrase)
	defer wipe(pass)
	ps, err := newSlot(ctx, slotPassphrase, kdfArgon2id, p, pass, data)
	if err != nil {
		return nil, "", err
	}
	rsecret := randomBytes(recoverySecretSize)
	defer wipe(rsecret)
	rs, err := newSlot(ctx, slotRecovery, kdfHKDF, KDFParams{}, rsecret, data)
	if err != nil {
		return nil, "", err
	}
	err = store.Write(ctx, []Op{
		{Bucket: BucketMeta, Key: metaSchema, Value: []byte(strconv.Itoa(SchemaVersion))},
		{Bucket: BucketMeta, Key: slotPassphrase, Value: ps},
		{Bucket: BucketMeta, Key: slotRecovery, Value: rs},
	})
	if err != nil {
		return nil, "", err
	}
	k, err := deriveKeys(data)
	if err != nil {
		return nil, "", err
	}
	v := &Vault{store: store, k: k, headers: map[string]*entry{}, packs: map[string]int{}, schema: sealVersion}
	return v, formatRecoveryKey(rsecret), nil
}

// Unlock opens the vault with its passphrase. A wrong passphrase returns
// ErrWrongPassphrase and changes nothing. A vault in an older format is
// migrated first.
func Unlock(ctx context.Context, store Store, passphrase string) (*Vault, error) {
	pass := normPassphrase(passphrase)
	defer wipe(pass)
	return unlock(ctx, store, slotPassphrase, pass, ErrWrongPassphrase)
}

// UnlockWithRecoveryKey opens the vault with its recovery key. A malformed
// key returns ErrRecoveryKeyTypo; a well-formed wrong one ErrWrongRecoveryKey.
func UnlockWithRecoveryKey(ctx context.Context, store Store, recoveryKey string) (*Vault, error) {
	secret, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		return nil, err
	}
	defer wipe(secret)
	return unlock(ctx, store, slotRecovery, secret, ErrWrongRecoveryKey)
}

func unlock(ctx context.Context, store Store, slot string, secret []byte, wrong error) (*Vault, error) {
	schema, err := readSchema(ctx, store)
	if err != nil {
		return nil, err
	}
	raw, err := store.Get(ctx, BucketMeta, slot)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoVault
	} else if err != nil {
		return nil, err
	}
	data, ok, err := openSlot(ctx, slot, raw, secret)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wrong
	}
	k, err := deriveKeys(data)
	if err != nil {
		return nil, err
	}
	v := &Vault{store: store, k: k, schema: sealVersion}
	if schema < SchemaVersion {
		if err := v.migrate(ctx, schema); err != nil {
			v.Lock()
			return nil, err
		}
	}
	// The revision is read before the headers: a write landing in between
	// makes the first Exclusive reload, never miss it.
	if v.rev, err = readRev(ctx, store); err != nil {
		v.Lock()
		return nil, err
	}
	if err := v.readTracked(ctx); err != nil {
		v.Lock()
		return nil, err
	}
	if err := v.loadHeaders(ctx); err != nil {
		v.Lock()
		return nil, err
	}
	v.cleanPending(ctx)
	return v, nil
}

func readSchema(ctx context.Context, store Store) (int, error) {
	raw, err := store.Get(ctx, BucketMeta, metaSchema)
	if errors.Is(err, ErrNotFound) {
		return 0, ErrNoVault
	} else if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: schema record unreadable", ErrCorrupt)
	}
	if n > SchemaVersion {
		return 0, ErrNewerSchema
	}
	return n, nil
}

// loadHeaders decrypts every record header into memory. Headers that fail
// authentication are listed by Corrupt instead of failing the unlock, so one
// damaged record does not lock the user out of the rest.
func (v *Vault) loadHeaders(ctx context.Context) error {
	headers := map[string]*entry{}
	packs := map[string]int{}
	var corrupt []string
	v.mu.RLock()
	k := v.k
	v.mu.RUnlock()
	// Plaintexts are cut from shared slabs rather than allocated one by
	// one: unlock is mostly this loop, and in wasm every allocation counts.
	var slab, ad []byte
	step := Paced(ctx) // between records: the store's reads are done by then
	load := func(key string, val []byte, pack string) {
		step()
		sh, _, err := splitRecord(val)
		if err != nil || len(sh) < overhead {
			corrupt = append(corrupt, key)
			return
		}
		n := len(sh) - overhead
		if cap(slab)-len(slab) < n {
			slab = make([]byte, 0, max(64<<10, n))
		}
		dst := slab[len(slab) : len(slab) : len(slab)+n]
		if v.schema < 2 {
			ad = appendAAD(ad[:0], v.schema, BucketRecords, key, nil)
		} else {
			ad = appendAAD(ad[:0], v.schema, BucketRecords, key, headerExtra)
		}
		pt, err := open(k.aead, dst, ad, sh)
		if err != nil {
			corrupt = append(corrupt, key)
			return
		}
		slab = slab[:len(slab)+n]
		id, e, err := decodeEnvelope(pt)
		if err != nil || k.storageKey(kindRecord, id) != key || headers[id] != nil {
			corrupt = append(corrupt, key)
			return
		}
		e.pack, e.rkey = pack, key
		headers[id] = e
	}
	err := v.store.Each(ctx, BucketRecords, func(key string, val []byte) error {
		if !isPack(key) {
			load(key, val, "")
			return nil
		}
		n := 0
		err := eachPackEntry(val, func(rkey string, rval []byte) error {
			n++
			load(rkey, rval, key)
			return nil
		})
		if err != nil {
			corrupt = append(corrupt, key)
			n++ // never deleted as empty: its entries are not all known
		}
		packs[key] = n
		return nil
	})
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.k == nil {
		return ErrLocked
	}
	v.headers, v.packs, v.corrupt = headers, packs, corrupt
	v.edits.Add(1)
	return nil
}

// A record's stored header plaintext (the envelope): flags, uvarint id
// length, id, header.
const (
	flagHasBody = 1
	flagInline  = 2 // the body is sealed in the record's value, not in BucketBodies
)

// InlineBodyMax is the largest body stored in the record's own value (one
// IndexedDB put per record instead of two). Larger bodies go to BucketBodies,
// so unlock never reads them.
const InlineBodyMax = 4 << 10

// A record's stored value (schema 2): uvarint length of the sealed
// envelope, the sealed envelope, then the sealed body when it is inline.
// Schema 1 stored the sealed envelope alone and every body in BucketBodies.
func splitRecord(val []byte) (sealedHeader, sealedBody []byte, err error) {
	n, w := binary.Uvarint(val)
	if w <= 0 || n > uint64(len(val)-w) {
		return nil, nil, ErrCorrupt
	}
	return val[w : w+int(n)], val[w+int(n):], nil
}

var headerExtra = []byte("header")

func headerAAD(schema int, key string) []byte {
	if schema < 2 {
		return aad(schema, BucketRecords, key, nil)
	}
	return aad(schema, BucketRecords, key, headerExtra)
}

func inlineBodyAAD(schema int, key string) []byte {
	return aad(schema, BucketRecords, key, []byte("body"))
}

func encodeEnvelope(r *Record, inline bool) []byte {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(r.ID)+len(r.Header))
	var flags byte
	if len(r.Body) > 0 {
		flags |= flagHasBody
	}
	if inline {
		flags |= flagInline
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(r.ID)))
	b = append(b, r.ID...)
	return append(b, r.Header...)
}

func decodeEnvelope(b []byte) (string, *entry, error) {
	if len(b) < 1 {
		return "", nil, ErrCorrupt
	}
	flags := b[0]
	n, w := binary.Uvarint(b[1:])
	if w <= 0 || n > uint64(len(b)-1-w) {
		return "", nil, ErrCorrupt
	}
	id := string(b[1+w : 1+w+int(n)])
	// The header aliases the plaintext buffer, which nothing else holds.
	return id, &entry{header: b[1+w+int(n):], buf: b, flags: flags}, nil
}

// Lock wipes the data key and every cached plaintext header. It never waits
// on the store, so it is safe to call from a browser event callback.
func (v *Vault) Lock() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.k != nil {
		v.k.wipe()
		v.k = nil
	}
	for _, e := range v.headers {
		e.wipe()
	}
	v.headers, v.packs, v.corrupt = nil, nil, nil
	v.pcache.drop()
}

// Locked reports whether Lock was called.
func (v *Vault) Locked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.k == nil
}

// ChangePassphrase rewrites the passphrase keyslot (fresh salt, DefaultKDF).
// Records are untouched; the recovery key keeps working.
func (v *Vault) ChangePassphrase(ctx context.Context, passphrase string) error {
	if passphrase == "" {
		return ErrEmptyPassphrase
	}
	pass := normPassphrase(passphrase)
	defer wipe(pass)
	return v.rewriteSlot(ctx, slotPassphrase, kdfArgon2id, pass)
}

// NewRecoveryKey replaces the recovery keyslot and returns the new key; the
// old recovery key stops working.
func (v *Vault) NewRecoveryKey(ctx context.Context) (string, error) {
	secret := randomBytes(recoverySecretSize)
	defer wipe(secret)
	if err := v.rewriteSlot(ctx, slotRecovery, kdfHKDF, secret); err != nil {
		return "", err
	}
	return formatRecoveryKey(secret), nil
}

func (v *Vault) rewriteSlot(ctx context.Context, name, kdf string, secret []byte) error {
	v.mu.RLock()
	if v.k == nil {
		v.mu.RUnlock()
		return ErrLocked
	}
	data := slices.Clone(v.k.data)
	v.mu.RUnlock()
	defer wipe(data)
	slot, err := newSlot(ctx, name, kdf, DefaultKDF, secret, data)
	if err != nil {
		return err
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	if v.Locked() {
		return ErrLocked
	}
	return v.store.Write(ctx, append([]Op{{Bucket: BucketMeta, Key: name, Value: slot}}, v.markOp(ctx, []string{KeyslotsID})...))
}

// checkID rejects ids that are empty, too long or not UTF-8.
func checkID(id string) error {
	if id == "" || len(id) > MaxIDLen || !utf8.ValidString(id) {
		return ErrBadID
	}
	return nil
}

// Put stores records atomically: all of them or none. A record with an
// existing id is replaced whole (an empty Body removes the old body).
func (v *Vault) Put(ctx context.Context, recs ...Record) error {
	seen := make(map[string]bool, len(recs))
	for i := range recs {
		if err := checkID(recs[i].ID); err != nil {
			return fmt.Errorf("%w: record %d", err, i)
		}
		if seen[recs[i].ID] {
			return fmt.Errorf("%w: record %d: duplicate id %s", ErrBadID, i, recs[i].ID)
		}
		seen[recs[i].ID] = true
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	// Encrypt everything first (IndexedDB commits a transaction as soon as
	// control returns to the event loop), then write in one batch.
	p, err := v.planPut(ctx, recs)
	if err != nil {
		return err
	}
	rop, rev := revOp()
	if err := v.store.Write(ctx, append(append(p.ops, rop), v.markOp(ctx, recIDs(recs))...)); err != nil {
		return err
	}
	v.cache(p, recs...)
	v.wrote(ctx, rev)
	return nil
}

// cache records the headers and places of records just written. The
// caller holds writeMu.
func (v *Vault) cache(p *plan, recs ...Record) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.k == nil {
		return // written, but locked meanwhile: nothing to cache
	}
	v.applyPacks(p)
	for i := range recs {
		if old := v.headers[recs[i].ID]; old != nil {
			old.wipe()
		}
		v.headers[recs[i].ID] = p.ents[i]
	}
	v.edits.Add(1)
}

// Delete removes records (header and body) atomically. Unknown ids are
// ignored, so Delete can be retried.
func (v *Vault) Delete(ctx context.Context, ids ...string) error {
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	v.mu.RLock()
	if v.k == nil {
		v.mu.RUnlock()
		return ErrLocked
	}
	p := &plan{removed: map[string][]string{}}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		key := v.k.storageKey(kindRecord, id)
		if e := v.headers[id]; e != nil && e.pack != "" {
			p.removed[e.pack] = append(p.removed[e.pack], key)
		} else {
			p.ops = append(p.ops, Op{Bucket: BucketRecords, Key: key, Delete: true})
		}
		p.ops = append(p.ops, Op{Bucket: BucketBodies, Key: v.k.storageKey(kindBody, id), Delete: true})
	}
	counts := v.packCounts(p.removed)
	v.mu.RUnlock()
	if len(seen) == 0 {
		return nil
	}
	ops, err := v.rewritePacks(ctx, p.removed, counts)
	if err != nil {
		return err
	}
	rop, rev := revOp()
	ops = append(append(ops, p.ops...), rop)
	if err := v.store.Write(ctx, append(ops, v.markOp(ctx, slices.Collect(maps.Keys(seen)))...)); err != nil {
		return err
	}
	defer v.wrote(ctx, rev)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.k == nil {
		return nil
	}
	v.applyPacks(p)
	for id := range seen {
		if e := v.headers[id]; e != nil {
			e.wipe()
			delete(v.headers, id)
		}
	}
	v.edits.Add(1)
	return nil
}

// Edits is a number that changes whenever the headers Headers returns do:
// what is worked out from every header (how many changes wait, say) can be
// kept until it moves.
func (v *Vault) Edits() uint64 { return v.edits.Load() }

// Headers returns every record's header by id. The slices are the vault's
// own cache: do not modify them; Lock zeroes them.
func (v *Vault) Headers() (map[string][]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return nil, ErrLocked
	}
	m := make(map[string][]byte, len(v.headers))
	for id, e := range v.headers {
		m[id] = e.header
	}
	return m, nil
}

// IDs returns the ids of every record, sorted.
func (v *Vault) IDs() ([]string, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return nil, ErrLocked
	}
	return slices.Sorted(maps.Keys(v.headers)), nil
}

// Header returns one record's header (the cache's slice, as for Headers), or
// ErrNotFound.
func (v *Vault) Header(id string) ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return nil, ErrLocked
	}
	e := v.headers[id]
	if e == nil {
		return nil, ErrNotFound
	}
	return e.header, nil
}

// Corrupt lists the storage keys of records whose header failed
// authentication at unlock. They are left in storage untouched.
func (v *Vault) Corrupt() ([]string, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return nil, ErrLocked
	}
	return slices.Clone(v.corrupt), nil
}

// Body decrypts a record's body: nil for a record without one, ErrNotFound
// for an unknown id, ErrCorrupt when the stored body fails authentication.
func (v *Vault) Body(ctx context.Context, id string) ([]byte, error) {
	// A record's pack can be rewritten by a Put or Delete running meanwhile
	// (Body does not take writeMu); look again when it moved.
	for range 4 {
		b, moved, err := v.body(ctx, id)
		if !moved {
			return b, err
		}
	}
	return nil, fmt.Errorf("vault: record %s moved while its body was read", id)
}

func (v *Vault) body(ctx context.Context, id string) (_ []byte, moved bool, _ error) {
	v.mu.RLock()
	if v.k == nil {
		v.mu.RUnlock()
		return nil, false, ErrLocked
	}
	e := v.headers[id]
	if e == nil {
		v.mu.RUnlock()
		return nil, false, ErrNotFound
	}
	flags, pack, rkey := e.flags, e.pack, e.rkey
	if flags&flagHasBody == 0 {
		v.mu.RUnlock()
		return nil, false, nil
	}
	if rkey == "" {
		rkey = v.k.storageKey(kindRecord, id)
	}
	inline := flags&flagInline != 0
	var bkey string
	if !inline {
		bkey = v.k.storageKey(kindBody, id)
	}
	v.mu.RUnlock()
	bucket, key := BucketBodies, bkey
	if inline {
		bucket, key = BucketRecords, rkey
		if pack != "" {
			key = pack
		}
	}
	var sealed []byte
	var err error
	if inline && pack != "" {
		gen := v.pcache.generation()
		if sealed = v.pcache.get(pack); sealed == nil {
			if sealed, err = v.store.Get(ctx, bucket, key); err == nil {
				v.pcache.put(pack, sealed, gen)
			}
		}
	} else {
		sealed, err = v.store.Get(ctx, bucket, key)
	}
	if errors.Is(err, ErrNotFound) {
		if pack != "" && v.moved(id, pack) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("%w: body of record %s missing", ErrCorrupt, id)
	} else if err != nil {
		return nil, false, err
	}
	if inline && pack != "" {
		if sealed, err = findInPack(sealed, rkey); err != nil || sealed == nil {
			if v.moved(id, pack) {
				return nil, true, nil
			}
			return nil, false, fmt.Errorf("%w: record %s missing from its pack", ErrCorrupt, id)
		}
	}
	ad := aad(v.schema, BucketBodies, bkey, nil)
	if inline {
		if _, sealed, err = splitRecord(sealed); err != nil {
			return nil, false, fmt.Errorf("%w: record %s", ErrCorrupt, id)
		}
		ad = inlineBodyAAD(v.schema, rkey)
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.k == nil {
		return nil, false, ErrLocked
	}
	pt, err := open(v.k.aead, nil, ad, sealed)
	if err != nil {
		return nil, false, fmt.Errorf("%w: body of record %s", ErrCorrupt, id)
	}
	return pt, false, nil
}

// moved reports whether record id is no longer in pack.
func (v *Vault) moved(id, pack string) bool {
	is := func() bool {
		v.mu.RLock()
		defer v.mu.RUnlock()
		e := v.headers[id]
		return e != nil && e.pack != pack
	}
	if is() {
		return true
	}
	v.settle() // a write may have stored its packs but not yet its headers
	return is()
}

// settle waits for a write in flight to finish. Writes store their values
// before they update the header cache, so a reader that found a value
// missing or different looks again after settle. Never call it holding
// writeMu.
func (v *Vault) settle() {
	v.writeMu.Lock()
	v.writeMu.Unlock()
}
