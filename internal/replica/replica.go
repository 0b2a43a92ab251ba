// Package replica keeps this device's copy of a vault in step with the
// vault's log on the person's own Backpack server (internal/syncproto), end
// to end encrypted: the server holds envelopes it cannot open, named by the
// vault's keyed hashes of record ids, and file chunks exactly as the vault
// sealed them.
//
// A Sync pulls the log since this device's cursor, verifying the chain and
// the vault's signature on every head (a server that alters, drops,
// reorders or rolls back entries is detected), applies what came (merging
// where this device changed the same record offline, see merge), then
// pushes this device's changes (the vault's change marks) on the verified
// head; when another device pushed first the server refuses the push and
// Sync pulls again. Files are pushed chunk by chunk before the record that
// describes them, and pulled before it is stored; both resume where they
// stopped.
//
// Nothing here blocks an edit for long: the network is used outside the
// vault's write lock, which is held only while pulled records are stored.
// Pure Go over internal/fetch: on the host tests run it against the server
// through httptest; in the browser it is the page's fetch.
package replica

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/record"
	"backpack/internal/syncproto"
	"backpack/internal/vault"
)

// Local is the unlocked vault this device syncs, and what shows it.
type Local interface {
	Vault() *vault.Vault
	// Apply runs fn as the vault's only writer (no other tab writes
	// meanwhile); fn returns the ids of the records it wrote or deleted,
	// which what the app shows then follows.
	Apply(ctx context.Context, fn func() (changed []string, err error)) error
}

// Options say how to reach the server.
type Options struct {
	Origin string     // scheme://host[:port] of the Backpack server
	HTTP   fetch.Doer // nil: fetch.Default
	Now    func() time.Time
}

func (o Options) client(device ed25519.PrivateKey) *client {
	c := &client{http: o.HTTP, origin: o.Origin, device: device, now: o.Now}
	if c.http == nil {
		c.http = fetch.Default
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Engine syncs one unlocked vault. Its methods are safe for concurrent use;
// Syncs run one at a time.
type Engine struct {
	local Local
	opt   Options

	mu   sync.Mutex // one Sync (or device change) at a time
	c    *client
	keys *vault.SyncKeys
	seal *sealer
	info *syncproto.Info // the server's limits, read once

	cache recsCache // the per-record state, as last read or written
}

// ErrOff is returned by Open when this vault does not sync.
var ErrOff = errNoState

// Open returns the engine of a vault whose sync was turned on (Enable, or a
// Join on this device), or ErrOff.
func Open(ctx context.Context, local Local, opt Options) (*Engine, error) {
	st, err := loadState(ctx, local.Vault())
	if err != nil {
		return nil, err
	}
	return newEngine(local, opt, st)
}

func newEngine(local Local, opt Options, st *state) (*Engine, error) {
	keys, err := local.Vault().SyncKeys()
	if err != nil {
		return nil, err
	}
	s, err := newSealer(keys.Seal, st.Vault)
	if err != nil {
		return nil, err
	}
	return &Engine{local: local, opt: opt, c: opt.client(st.deviceKey()), keys: keys, seal: s}, nil
}

// Enable registers the vault and this device at the server, turns the
// vault's change marks on, and returns the engine; the first Sync pushes
// every record. A vault the server already holds is an error with code
// syncproto.CodeExists (it is added to a device with Join instead).
func Enable(ctx context.Context, local Local, opt Options) (*Engine, error) {
	v := local.Vault()
	keys, err := v.SyncKeys()
	if err != nil {
		return nil, err
	}
	defer keys.Wipe()
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	dev := ed25519.NewKeyFromSeed(seed)
	var info syncproto.Info
	if err := opt.client(nil).json(ctx, "POST", syncproto.VaultsPath(), syncproto.NewCreate(keys.Sign, dev), &info); err != nil {
		return nil, err
	}
	vid := syncproto.VaultID(keys.Sign.Public().(ed25519.PublicKey))
	if info.Vault != vid {
		return nil, syncproto.ErrTampered
	}
	st := &state{Device: seed, Vault: vid, Hash: syncproto.Genesis(vid), recs: map[string]recState{}}
	if err := st.save(ctx, v); err != nil {
		return nil, err
	}
	if err := v.Track(ctx); err != nil {
		return nil, err
	}
	return newEngine(local, opt, st)
}

// Status is what the app says about sync.
type Status struct {
	Synced  time.Time // last sync that completed; zero: never
	Waiting int       // changes on this device the server does not have yet
	Device  string    // this device's id at the server
}

// Status reads the sync state without the network.
func (e *Engine) Status(ctx context.Context) (Status, error) {
	v := e.local.Vault()
	st, err := loadState(ctx, v)
	if err != nil {
		return Status{}, err
	}
	ch, _, err := v.Changes(ctx)
	if err != nil {
		return Status{}, err
	}
	n := 0
	skip := memberSkip(ctx, v)
	for _, c := range ch {
		if h, err := v.Header(c.ID); skip != nil && skip(c.ID, h) && (err == nil || errors.Is(err, vault.ErrNotFound)) {
			continue
		}
		if !localOnly(v, c.ID) {
			n++
		}
	}
	return Status{Synced: st.Synced, Waiting: n, Device: syncproto.DeviceID(st.deviceKey().Public().(ed25519.PublicKey))}, nil
}

// localOnly reports whether record id stays on this device: drafts (what a
// form held when left) and health-system sign-ins (their tokens are this
// device's). Deleted records are pushed: the server cannot tell.
func localOnly(v *vault.Vault, id string) bool {
	h, err := v.Header(id)
	if err != nil || len(h) < 2 || h[0] != 1 {
		return false
	}
	t := record.RecordType(h[1])
	return t == record.RecordDraft || t == record.RecordConnection
}

func isLocalHeader(h []byte) bool {
	if len(h) < 2 || h[0] != 1 {
		return false
	}
	t := record.RecordType(h[1])
	return t == record.RecordDraft || t == record.RecordConnection
}

// Result counts what a Sync did, and where its time went.
type Result struct {
	Pulled, Pushed int // envelopes
	Conflicts      int // entries now showing two versions
	Files          int // files moved (either way)
	Rejected       int // envelopes skipped: sealed with a revoked key, or not of the shared person (spaces)

	Net   time.Duration // pull and push requests of the log
	Store time.Duration // storing what came, and the sync state
	Read  time.Duration // reading and sealing what goes
	Chunk time.Duration // moving file chunks
}

func since(d *time.Duration, t0 time.Time) { *d += time.Since(t0) }

// maxAttempts bounds the pull-then-push rounds of one Sync when other
// devices keep pushing first.
const maxAttempts = 5

// Sync pulls, merges and pushes until this device and the server agree, or
// returns why not (ErrOffline when the server cannot be reached; the
// changes then stay marked for the next Sync).
func (e *Engine) Sync(ctx context.Context) (res Result, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer func() {
		if err != nil {
			e.cache = recsCache{} // it may hold changes that were not stored
		}
	}()
	v := e.local.Vault()
	for range maxAttempts {
		st, err := loadStateCached(ctx, v, &e.cache, true)
		if err != nil {
			return res, err
		}
		chain := &syncproto.Chain{Vault: st.Vault, Key: e.keys.Sign.Public().(ed25519.PublicKey), Seq: st.Seq, Hash: st.Hash}
		changes, marks, err := v.Changes(ctx)
		if err != nil {
			return res, err
		}
		dirty := make(map[string]time.Time, len(changes))
		for _, c := range changes {
			dirty[c.ID] = c.Time
		}
		out := copyTimes(dirty)
		if err := e.pull(ctx, st, chain, dirty, out, &res); err != nil {
			return res, err
		}
		err = e.push(ctx, st, chain, out, &res)
		if code(err) == syncproto.CodeConflict {
			continue // another device pushed first: pull it, then push again
		}
		if err != nil {
			return res, err
		}
		if err := v.ClearChanges(ctx, marks); err != nil {
			return res, err
		}
		st.Synced = e.c.now()
		return res, st.save(ctx, v, true)
	}
	return res, fmt.Errorf("%w: other devices keep pushing", ErrOffline)
}

func copyTimes(m map[string]time.Time) map[string]time.Time {
	out := make(map[string]time.Time, len(m))
	for k, t := range m {
		out[k] = t
	}
	return out
}

// envID is an envelope's id: the record's storage key, raw.
func envID(rkey string) []byte {
	b, _ := hex.DecodeString(rkey)
	return b
}

// pull applies the log after chain's cursor, page by page. dirty holds the
// records this device changed (and when); out, the records to push, loses
// those the log's version replaced and gains merged ones and conflict copies.
func (e *Engine) pull(ctx context.Context, st *state, chain *syncproto.Chain, dirty, out map[string]time.Time, res *Result) error {
	v := e.local.Vault()
	type page struct {
		p   syncproto.Pull
		err error
	}
	// The next page is fetched while this one is stored.
	fetch := func(since uint64) <-chan page {
		c := make(chan page, 1)
		go func() {
			var p syncproto.Pull
			err := e.c.json(ctx, "GET", syncproto.PullPath(st.Vault, since, 0), nil, &p)
			c <- page{p, err}
		}()
		return c
	}
	next := fetch(chain.Seq)
	for {
		t0 := time.Now()
		pg := <-next
		if pg.err != nil {
			return pg.err
		}
		if err := chain.Verify(pg.p); err != nil {
			return err
		}
		more := pg.p.More && len(pg.p.Entries) > 0
		if more {
			next = fetch(chain.Seq)
		}
		since(&res.Net, t0)
		if len(pg.p.Entries) > 0 {
			if err := e.apply(ctx, st, pg.p.Entries, dirty, out, res); err != nil {
				return err
			}
		}
		t0 = time.Now()
		st.Seq, st.Hash = chain.Seq, chain.Hash
		if err := st.save(ctx, v, true); err != nil {
			return err
		}
		since(&res.Store, t0)
		if !more {
			return nil
		}
	}
}

// apply stores one page of the log.
func (e *Engine) apply(ctx context.Context, st *state, entries []syncproto.Entry, dirty, out map[string]time.Time, res *Result) error {
	v := e.local.Vault()
	// Open everything and fetch files before taking the write lock.
	type pulled struct {
		it   item
		env  syncproto.Entry
		rkey string
	}
	latest := map[string]int{} // a record changed twice in the page: its last change
	var items []pulled
	for _, en := range entries {
		if len(en.ID) != 16 {
			continue // not a record (a device hand-off, see pair.go)
		}
		it, err := e.seal.open(en.ID, en.Deleted, en.Ciphertext)
		if err != nil {
			return err
		}
		rkey, err := v.RecordKey(it.ID)
		if err != nil {
			return err
		}
		if rkey != hex.EncodeToString(en.ID) {
			return syncproto.ErrTampered
		}
		if i, ok := latest[it.ID]; ok {
			items[i] = pulled{it, en, rkey}
			continue
		}
		latest[it.ID] = len(items)
		items = append(items, pulled{it, en, rkey})
	}
	t0 := time.Now()
	for _, p := range items {
		if f, ok := fileOf(p.it); ok {
			if err := e.fetchFile(ctx, st, f, res); err != nil {
				return err
			}
		}
	}
	since(&res.Chunk, t0)
	defer since(&res.Store, time.Now())
	var known map[string][2][8]byte // ownerSeen, read at the first merge
	knew := false
	return e.local.Apply(ctx, func() ([]string, error) {
		// Changes made here since Sync began (the person kept editing) are
		// this device's too: merged, never overwritten.
		if ch, _, err := v.Changes(ctx); err == nil {
			for _, c := range ch {
				if _, ok := dirty[c.ID]; !ok {
					dirty[c.ID], out[c.ID] = c.Time, c.Time
				}
			}
		}
		var w writes
		store := func(it item) { w.add(v, it) }
		for _, p := range items {
			res.Pulled++
			prev := st.recs[p.rkey]
			st.setRec(p.rkey, recState{Version: p.env.Version, Base: bodyHash(p.it.Body)})
			at, mine := dirty[p.it.ID]
			if p.it.ID == vault.KeyslotsID { // a new passphrase or recovery key: the later one holds
				if mine && at.After(p.it.Time) {
					continue
				}
				delete(out, p.it.ID)
				if !p.it.Deleted {
					if err := v.SetKeyslots(ctx, p.it.Header); err != nil {
						return nil, err
					}
				}
				continue
			}
			if !mine {
				store(p.it)
				continue
			}
			local := item{ID: p.it.ID, Time: at, Deleted: true}
			if h, err := v.Header(p.it.ID); err == nil {
				b, err := v.Body(ctx, p.it.ID)
				if err != nil {
					return nil, err
				}
				local = item{ID: p.it.ID, Header: h, Body: b, Time: at}
			}
			base, hasBase := prev.Base, prev.Version > 0
			if !knew {
				known, knew = ownerSeen(ctx, v), true
			}
			if b, k := bodyHash(p.it.Body), known[p.it.ID]; !p.it.Deleted && (k[0] == b || k[1] == b) {
				// This device had that version already, from the shared
				// profile's log (another owner device pushed it there
				// too): what it holds now came after it.
				base, hasBase = b, true
			}
			o := merge(local, p.it, base, hasBase)
			store(o.keep)
			delete(out, p.it.ID)
			if o.push {
				out[p.it.ID] = o.keep.Time
			}
			for _, c := range o.copies {
				store(c)
				out[c.ID] = c.Time
				res.Conflicts++
			}
		}
		return w.write(vault.Untracked(ctx), v)
	})
}

// fileOf returns the file an item describes.
// writes gathers what a pull writes: the records to put, those to delete
// and the files of the deleted ones.
type writes struct {
	puts        []vault.Record
	dels, files []string
}

func (w *writes) add(v *vault.Vault, it item) {
	if it.Deleted {
		w.dels = append(w.dels, it.ID)
		if h, err := v.Header(it.ID); err == nil {
			if f, ok := fileOf(item{Header: h}); ok {
				w.files = append(w.files, f.ID)
			}
		}
		return
	}
	w.puts = append(w.puts, vault.Record{ID: it.ID, Header: it.Header, Body: it.Body})
}

// write stores what w gathered and returns the ids it wrote or deleted.
func (w *writes) write(ctx context.Context, v *vault.Vault) ([]string, error) {
	changed := slices.Clone(w.dels)
	if len(w.puts) > 0 {
		var settled []string // files whose chunks came before their records
		for _, r := range w.puts {
			if f, ok := fileOf(item{Header: r.Header}); ok {
				settled = append(settled, f.ID)
			}
			changed = append(changed, r.ID)
		}
		if err := v.PutSettled(ctx, settled, w.puts...); err != nil {
			return nil, err
		}
	}
	if len(w.dels) > 0 {
		if err := v.Delete(ctx, w.dels...); err != nil {
			return changed, err
		}
	}
	for _, f := range w.files {
		v.DeleteFile(ctx, f) // chunks nothing points to; best effort
	}
	return changed, nil
}

func fileOf(it item) (record.FileInfo, bool) {
	if it.Deleted || len(it.Header) < 2 || it.Header[0] != 1 || record.RecordType(it.Header[1]) != record.RecordFile {
		return record.FileInfo{}, false
	}
	h, err := record.DecodeHeader(it.Header)
	if err != nil || h.File == nil {
		return record.FileInfo{}, false
	}
	return *h.File, true
}

// fetchFile downloads the chunks of f this device lacks.
func (e *Engine) fetchFile(ctx context.Context, st *state, f record.FileInfo, res *Result) error {
	v := e.local.Vault()
	key, n, err := v.FileKey(f.ID, f.Size)
	if err != nil {
		return err
	}
	has, err := v.HasRawChunks(ctx, f.ID, n)
	if err != nil {
		return err
	}
	if !slices.Contains(has, false) {
		return nil
	}
	res.Files++
	// Runs of missing chunks, BatchChunks at a time, fetched side by side
	// and stored in order: a break keeps every run stored before it.
	var run []int
	store := func() error {
		if len(run) == 0 {
			return nil
		}
		got := make([][]byte, len(run))
		errs := make([]error, len(run))
		inParallel(len(run), func(j int) {
			got[j], errs[j] = e.c.do(ctx, "GET", syncproto.ChunkPath(st.Vault, key, run[j], 0), nil, "", nil)
		})
		k := 0 // the chunks that arrived, from the run's start
		for k < len(run) && errs[k] == nil {
			k++
		}
		if k > 0 {
			if err := v.PutRawChunks(ctx, f.ID, run[0], n, got[:k]); err != nil {
				return err
			}
		}
		run = nil
		if k < len(errs) {
			return errs[k]
		}
		return nil
	}
	for i := range n {
		if !has[i] {
			run = append(run, i)
		}
		if has[i] || len(run) == vault.BatchChunks || i == n-1 {
			err := store()
			if code(err) == syncproto.CodeNotFound {
				return nil // not (yet) on the server: the record comes anyway, the file reads as missing
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// chunksInFlight is how many chunk requests run side by side: the wait
// for one (the network, the server's write) overlaps the work of another.
const chunksInFlight = 4

// inParallel calls fn(0) … fn(n-1), chunksInFlight at a time.
func inParallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, chunksInFlight)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// limits returns the server's limits (read once).
func (e *Engine) limits(ctx context.Context, vaultID string) (*syncproto.Info, error) {
	if e.info != nil {
		return e.info, nil
	}
	var info syncproto.Info
	if err := e.c.json(ctx, "GET", syncproto.VaultPath(vaultID), nil, &info); err != nil {
		return nil, err
	}
	if info.MaxPush <= 0 {
		info.MaxPush = 500
	}
	if info.MaxEnvelope <= 0 {
		info.MaxEnvelope = 4 << 20
	}
	e.info = &info
	return e.info, nil
}

// pushBytes bounds the ciphertext of one push.
const pushBytes = 8 << 20

// push sends the records in out, files first, in pushes on chain's head.
func (e *Engine) push(ctx context.Context, st *state, chain *syncproto.Chain, out map[string]time.Time, res *Result) error {
	if len(out) == 0 {
		return nil
	}
	v := e.local.Vault()
	info, err := e.limits(ctx, st.Vault)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(out))
	for id := range out {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var envs []syncproto.Envelope
	var bases [][8]byte
	size := 0
	send := func() error {
		if len(envs) == 0 {
			return nil
		}
		t0 := time.Now()
		p := chain.Push(e.keys.Sign, envs)
		var r syncproto.PushResult
		if err := e.c.json(ctx, "POST", syncproto.LogPath(st.Vault), p, &r); err != nil {
			return err
		}
		if err := chain.Accept(p, r); err != nil {
			return err
		}
		since(&res.Net, t0)
		defer since(&res.Store, time.Now())
		for i, en := range envs {
			st.setRec(hex.EncodeToString(en.ID), recState{Version: en.Version, Base: bases[i]})
		}
		res.Pushed += len(envs)
		st.Seq, st.Hash = chain.Seq, chain.Hash
		envs, bases, size = nil, nil, 0
		return st.save(ctx, v, true)
	}
	for len(ids) > 0 {
		n := min(len(ids), bodiesBatch)
		t0 := time.Now()
		items, err := e.read(ctx, ids[:n], out)
		if err != nil {
			return err
		}
		since(&res.Read, t0)
		ids = ids[n:]
		for _, it := range items {
			if f, ok := fileOf(it); ok {
				t0 := time.Now()
				if err := e.sendFile(ctx, st, f, res); err != nil {
					return err
				}
				since(&res.Chunk, t0)
			}
			rkey, err := v.RecordKey(it.ID)
			if err != nil {
				return err
			}
			eid := envID(rkey)
			ct := e.seal.seal(eid, it)
			if int64(len(ct)) > info.MaxEnvelope {
				return fmt.Errorf("replica: a record is larger than the server takes (%d bytes)", len(ct))
			}
			if len(envs) == info.MaxPush || size+len(ct) > pushBytes {
				if err := send(); err != nil {
					return err
				}
			}
			envs = append(envs, syncproto.Envelope{ID: eid, Version: st.recs[rkey].Version + 1, Deleted: it.Deleted, Ciphertext: ct})
			bases = append(bases, bodyHash(it.Body))
			size += len(ct)
		}
	}
	return send()
}

// bodiesBatch is how many records push reads from the vault at once.
const bodiesBatch = 512

// read returns the records ids as they stand (a deleted one as a
// deletion), leaving out those that stay on this device; times says when
// each changed.
func (e *Engine) read(ctx context.Context, ids []string, times map[string]time.Time) ([]item, error) {
	v := e.local.Vault()
	skip := memberSkip(ctx, v) // a shared person's records are their owner's
	var live []string
	var items []item
	for _, id := range ids {
		if id == vault.KeyslotsID {
			slots, err := v.Keyslots(ctx)
			if err != nil {
				return nil, err
			}
			items = append(items, item{ID: id, Header: slots, Time: times[id]})
			continue
		}
		h, err := v.Header(id)
		switch {
		case skip != nil && skip(id, h):
		case errors.Is(err, vault.ErrNotFound):
			items = append(items, item{ID: id, Time: times[id], Deleted: true})
		case err != nil:
			return nil, err
		case !isLocalHeader(h):
			live = append(live, id)
		}
	}
	bodies, err := v.Bodies(ctx, live)
	if errors.Is(err, vault.ErrNotFound) { // deleted meanwhile: one by one
		bodies = make([][]byte, len(live))
		for i, id := range live {
			if bodies[i], err = v.Body(ctx, id); err != nil && !errors.Is(err, vault.ErrNotFound) {
				return nil, err
			}
		}
	} else if err != nil {
		return nil, err
	}
	for i, id := range live {
		h, err := v.Header(id)
		if err != nil {
			items = append(items, item{ID: id, Time: times[id], Deleted: true})
			continue
		}
		items = append(items, item{ID: id, Header: h, Body: bodies[i], Time: times[id]})
	}
	return items, nil
}

// sendFile uploads the chunks of f the server lacks.
func (e *Engine) sendFile(ctx context.Context, st *state, f record.FileInfo, res *Result) error {
	v := e.local.Vault()
	key, n, err := v.FileKey(f.ID, f.Size)
	if err != nil {
		return err
	}
	var fs syncproto.FileStatus
	err = e.c.json(ctx, "GET", syncproto.FilePath(st.Vault, key), nil, &fs)
	if err != nil && code(err) != syncproto.CodeNotFound {
		return err
	}
	if fs.Complete {
		return nil
	}
	missing := fs.Missing(n)
	if len(missing) == 0 {
		return nil
	}
	res.Files++
	errs := make([]error, len(missing))
	inParallel(len(missing), func(j int) {
		i := missing[j]
		b, err := v.RawChunk(ctx, f.ID, i)
		if errors.Is(err, vault.ErrNotFound) {
			return // this device lacks it too (a transfer it never finished)
		}
		if err == nil {
			_, err = e.c.do(ctx, "PUT", syncproto.ChunkPath(st.Vault, key, i, n), b, "application/octet-stream", nil)
		}
		if err != nil && code(err) != syncproto.CodeExists {
			errs[j] = err
		}
	})
	return errors.Join(errs...)
}

// Device is one device of the vault at the server.
type Device struct {
	ID    string
	Added time.Time
	This  bool // the device asking
}

// Devices lists the vault's devices, oldest first.
func (e *Engine) Devices(ctx context.Context) ([]Device, error) {
	st, err := loadState(ctx, e.local.Vault())
	if err != nil {
		return nil, err
	}
	var d syncproto.Devices
	if err := e.c.json(ctx, "GET", syncproto.DevicesPath(st.Vault), nil, &d); err != nil {
		return nil, err
	}
	me := syncproto.DeviceID(st.deviceKey().Public().(ed25519.PublicKey))
	out := make([]Device, 0, len(d.Devices))
	for _, x := range d.Devices {
		out = append(out, Device{ID: x.ID, Added: time.Unix(x.Added, 0), This: x.ID == me})
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(a, b Device) int { return a.Added.Compare(b.Added) }
	sort.SliceStable(out, func(i, j int) bool { return order(out[i], out[j]) < 0 })
	return out, nil
}

// RemoveDevice ends a device's access at the server. Removing this device
// also turns sync off here (the records stay).
func (e *Engine) RemoveDevice(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	v := e.local.Vault()
	st, err := loadState(ctx, v)
	if err != nil {
		return err
	}
	if err := e.c.json(ctx, "DELETE", syncproto.DevicePath(st.Vault, id), nil, nil); err != nil {
		return err
	}
	if id == syncproto.DeviceID(st.deviceKey().Public().(ed25519.PublicKey)) {
		return v.PutMeta(ctx, stateName, nil)
	}
	return nil
}
