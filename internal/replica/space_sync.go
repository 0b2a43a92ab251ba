package replica

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"backpack/internal/record"
	"backpack/internal/syncproto"
	"backpack/internal/vault"
)

// Sync pulls the space's log into this vault and, for the owner and
// co-managers, pushes this vault's changes of the person. ErrReadOnly: a
// read-only member changed the person (nothing is sent; the pull is done). ErrRemoved: the owner removed this device (Info then says
// SpaceRemoved). ErrOffline as Engine.Sync.
func (s *Space) Sync(ctx context.Context) (res Result, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.local.Vault()
	st, err := s.load(ctx)
	if err != nil {
		return res, err
	}
	if st.Removed {
		return res, ErrRemoved
	}
	defer func() {
		if err != nil && removedCode(code(err)) && !skewed(err, s.c.now()) {
			st.Removed = true
			if serr := st.save(ctx, v); serr != nil {
				err = serr
				return
			}
			err = ErrRemoved
		}
	}()
	for range maxAttempts {
		if !st.Owner {
			if err := s.fetchKeys(ctx, st); err != nil {
				return res, err
			}
		}
		if err := s.pull(ctx, st, &res); errors.Is(err, errWaitKey) {
			return res, nil // the rest when the owner's app wrapped the key
		} else if err != nil {
			return res, err
		}
		if st.Fresh { // the whole log is here: from now on only real changes go
			st.Fresh = false
			if err := st.save(ctx, v); err != nil {
				return res, err
			}
		}
		err := s.push(ctx, st, &res)
		if code(err) == syncproto.CodeConflict {
			continue // another device pushed first: pull it, then push again
		}
		if err != nil && !errors.Is(err, ErrReadOnly) {
			return res, err
		}
		if st.Owner {
			if err := s.wrapMissing(ctx, st); err != nil {
				return res, err
			}
		}
		st.Synced = s.c.now()
		if serr := st.save(ctx, v); serr != nil {
			return res, serr
		}
		return res, err
	}
	return res, fmt.Errorf("%w: other devices keep pushing", ErrOffline)
}

// fetchKeys adds the epochs wrapped for this device that it lacks. A wrap
// the admin key did not sign, or that does not open, is left out.
func (s *Space) fetchKeys(ctx context.Context, st *spaceState) error {
	var kw syncproto.KeyWraps
	if err := s.c.json(ctx, "GET", syncproto.KeysPath(st.ID), nil, &kw); err != nil {
		return err
	}
	me := syncproto.DeviceID(st.deviceKey().Public().(ed25519.PublicKey))
	added := false
	for _, w := range kw.Keys {
		if _, ok := st.epoch(w.Epoch); ok {
			continue
		}
		e, err := unwrapKey(ed25519.PublicKey(st.Admin), st.Box, st.ID, me, w)
		if err != nil {
			continue
		}
		st.Epochs = append(st.Epochs, e)
		added = true
	}
	if !added {
		return nil
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(a, b epochKey) int { return int(a.N) - int(b.N) }
	sort.Slice(st.Epochs, func(i, j int) bool { return order(st.Epochs[i], st.Epochs[j]) < 0 })
	return st.save(ctx, s.local.Vault())
}

// pull applies the space's log after this device's cursor.
func (s *Space) pull(ctx context.Context, st *spaceState, res *Result) error {
	v := s.local.Vault()
	chain := &syncproto.Chain{Vault: st.ID, Key: st.vaultKey(), Seq: st.Seq, Hash: st.Hash}
	for {
		t0 := time.Now()
		var p syncproto.Pull
		if err := s.c.json(ctx, "GET", syncproto.PullPath(st.ID, chain.Seq, 0), nil, &p); err != nil {
			return err
		}
		seq0, hash0 := chain.Seq, chain.Hash
		if err := chain.Verify(p); err != nil {
			return err
		}
		since(&res.Net, t0)
		stop := len(p.Entries)
		if stop > 0 {
			var err error
			if stop, err = s.apply(ctx, st, p.Entries, res); err != nil {
				return err
			}
		}
		if stop < len(p.Entries) {
			// An entry sealed with an epoch this device lacks: the cursor
			// stays before it (the page's head verified the entries
			// before it; their chain hash is the cursor's).
			hash := hash0
			for _, en := range p.Entries[:stop] {
				hash = syncproto.ChainHash(hash, en.Seq, en.Envelope)
			}
			st.Seq, st.Hash = seq0+uint64(stop), hash
			if err := st.save(ctx, v); err != nil {
				return err
			}
			return errWaitKey
		}
		st.Seq, st.Hash = chain.Seq, chain.Hash
		if err := st.save(ctx, v); err != nil {
			return err
		}
		if !p.More || len(p.Entries) == 0 {
			return nil
		}
	}
}

// headHash is what spaceRec.Head holds of a header (zero: deleted).
func headHash(h []byte, deleted bool) [8]byte {
	if deleted {
		return [8]byte{}
	}
	s := sha256.Sum256(h)
	return [8]byte(s[:8])
}

// localChanged reports whether this vault's version of a record (h, or
// gone) differs from what the space last exchanged of it (rec).
func localChanged(rec *spaceRec, h []byte, exists bool) bool {
	switch {
	case rec == nil:
		return exists
	case rec.Resend:
		return true
	case !exists:
		return rec.Head != [8]byte{}
	}
	return headHash(h, false) != rec.Head
}

// ofPerson reports whether a pulled item may be stored here: a record of
// the shared person, named by its own id (or a conflict copy of it), never
// one of this vault's other records.
func ofPerson(v *vault.Vault, st *spaceState, it item) bool {
	if it.ID == vault.KeyslotsID || strings.HasPrefix(it.ID, "sync.") {
		return false
	}
	if lh, err := v.Header(it.ID); err == nil && personOf(lh) != st.Profile {
		return false
	}
	if it.Deleted {
		return true
	}
	if personOf(it.Header) != st.Profile {
		return false
	}
	d, err := record.DecodeHeader(it.Header)
	if err != nil {
		return false
	}
	var id string
	switch {
	case d.Profile != nil:
		id = d.Profile.ID
	case d.Entry != nil:
		id = d.Entry.ID
	case d.File != nil:
		id = d.File.ID
	case d.Question != nil:
		id = d.Question.ID
	}
	return it.ID == id || strings.HasPrefix(it.ID, record.ConflictPrefix+id+".")
}

// errWaitKey: the log holds an entry sealed with an epoch newer than this
// device holds (the owner's app has not wrapped it for this device yet).
var errWaitKey = errors.New("replica: waiting for the shared profile's new key")

// open opens one entry of the space's log, or says why it is skipped
// (false), or errWaitKey.
func (s *Space) open(ctx context.Context, st *spaceState, en syncproto.Entry, refetched *bool) (item, bool, error) {
	n, ok := epochOf(en.Ciphertext)
	if !ok {
		return item{}, false, nil
	}
	ek, ok := st.epoch(n)
	if !ok && !st.Owner && n > st.current().N {
		if !*refetched { // wrapped after this Sync's key fetch
			*refetched = true
			if err := s.fetchKeys(ctx, st); err != nil {
				return item{}, false, err
			}
			ek, ok = st.epoch(n)
		}
		if !ok {
			return item{}, false, errWaitKey
		}
	}
	// Sealed with an older key than applies here: a removed member's.
	if !ok || n < st.inForce(en.Seq) {
		return item{}, false, nil
	}
	pt, err := openEpoch(ek, spaceEnvAD(st.ID, en.ID, en.Deleted), en.Ciphertext)
	if err != nil {
		return item{}, false, nil
	}
	it, err := decodeItem(pt, en.Deleted)
	if err != nil || !bytes.Equal(spaceEnvID(st.Names, it.ID), en.ID) || !ofPerson(s.local.Vault(), st, it) {
		return item{}, false, nil
	}
	return it, true, nil
}

// changeTimes is when each record marked changed was (the vault's change
// marks, when it tracks them).
func changeTimes(ctx context.Context, v *vault.Vault) map[string]time.Time {
	out := map[string]time.Time{}
	if ch, _, err := v.Changes(ctx); err == nil {
		for _, c := range ch {
			out[c.ID] = c.Time
		}
	}
	return out
}

// apply stores one page of the space's log, merging with this vault's own
// changes of the person. On a member's device nothing is marked changed
// (its own vault sync must never carry the person); on the owner's the
// pulled changes are marked, so the owner's sync takes them to the
// owner's other devices. What this vault holds already, as it is, is not
// written again (nor marked).
//
// On an owner device that took the space from its keys record (Fresh),
// the records the vault holds came with the owner's own sync, not from
// the space: one this device has not changed since its last vault sync
// (no change mark) takes the log's version, as if exchanged already; so
// its first Sync pushes only what this device changed, or the space
// lacks.
//
// It returns how many entries it took: fewer than all when one waits for
// a key (errWaitKey), the rest then left for a later Sync.
func (s *Space) apply(ctx context.Context, st *spaceState, entries []syncproto.Entry, res *Result) (int, error) {
	v := s.local.Vault()
	type pulled struct {
		it  item
		env syncproto.Entry
	}
	latest := map[string]int{}
	var items []pulled
	refetched := false
	taken := len(entries)
	for k, en := range entries {
		it, ok, err := s.open(ctx, st, en, &refetched)
		if errors.Is(err, errWaitKey) {
			taken = k
			break
		}
		if err != nil {
			return 0, err
		}
		if !ok {
			res.Rejected++
			continue
		}
		if i, ok := latest[it.ID]; ok {
			items[i] = pulled{it, en}
			continue
		}
		latest[it.ID] = len(items)
		items = append(items, pulled{it, en})
	}
	t0 := time.Now()
	for _, p := range items {
		if f, ok := fileOf(p.it); ok {
			if err := s.fetchFile(ctx, st, f, res); err != nil {
				return 0, err
			}
		}
	}
	since(&res.Chunk, t0)
	defer since(&res.Store, time.Now())
	wctx := ctx
	if !st.Owner {
		wctx = vault.Untracked(ctx)
	}
	times := changeTimes(ctx, v)
	return taken, s.local.Apply(ctx, func() ([]string, error) {
		var w writes
		store := func(it item) { w.add(v, it) }
		for _, p := range items {
			res.Pulled++
			id := p.it.ID
			prev := st.Recs[id]
			lh, err := v.Header(id)
			exists := err == nil
			st.Recs[id] = &spaceRec{Version: p.env.Version, Head: headHash(p.it.Header, p.it.Deleted), Base: bodyHash(p.it.Body), Pulled: bodyHash(p.it.Body)}
			if same, err := holds(ctx, v, p.it, lh, exists); err != nil {
				return nil, err
			} else if same {
				continue
			}
			at, marked := times[id]
			if !localChanged(prev, lh, exists) || (st.Fresh && prev == nil && !marked) {
				store(p.it)
				continue
			}
			if !marked {
				at = s.c.now()
			}
			local := item{ID: id, Time: at, Deleted: true}
			if exists {
				b, err := v.Body(ctx, id)
				if err != nil {
					return nil, err
				}
				local = item{ID: id, Header: lh, Body: b, Time: at}
			}
			var base [8]byte
			if prev != nil {
				base = prev.Base
			}
			// What merge keeps, when it is not the log's version, differs
			// from the header just noted: the push finds it changed.
			o := merge(local, p.it, base, prev != nil)
			store(o.keep)
			for _, c := range o.copies {
				store(c)
				res.Conflicts++
			}
		}
		return w.write(wctx, v)
	})
}

// holds reports whether this vault has record it as it is (lh: its
// header here, if exists).
func holds(ctx context.Context, v *vault.Vault, it item, lh []byte, exists bool) (bool, error) {
	if it.Deleted || !exists {
		return it.Deleted && !exists, nil
	}
	if !bytes.Equal(lh, it.Header) {
		return false, nil
	}
	b, err := v.Body(ctx, it.ID)
	if errors.Is(err, vault.ErrCorrupt) {
		return false, nil // the log's version replaces it, as it would without this look
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(b, it.Body), nil
}

// spaceChunks reads a file from the space, chunk by chunk, opening each
// with its epoch's key.
type spaceChunks struct {
	ctx     context.Context
	s       *Space
	st      *spaceState
	file    string
	i, n    int
	buf     []byte
	missing bool // the server lacks a chunk
}

func (r *spaceChunks) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.i == r.n {
			return 0, io.EOF
		}
		ct, err := r.s.c.do(r.ctx, "GET", syncproto.ChunkPath(r.st.ID, r.file, r.i, 0), nil, "", nil)
		if code(err) == syncproto.CodeNotFound {
			r.missing = true
		}
		if err != nil {
			return 0, err
		}
		n, _ := epochOf(ct)
		ek, ok := r.st.epoch(n)
		if !ok {
			return 0, errSpaceSeal
		}
		pt, err := openEpoch(ek, spaceChunkAD(r.st.ID, r.file, r.i, r.n), ct)
		if err != nil {
			return 0, err
		}
		r.buf = pt
		r.i++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// fetchFile brings file f from the space into this vault, sealed anew
// with this vault's key, unless it is here already.
func (s *Space) fetchFile(ctx context.Context, st *spaceState, f record.FileInfo, res *Result) error {
	v := s.local.Vault()
	n := vault.ChunkCount(f.Size)
	has, err := v.HasRawChunks(ctx, f.ID, n)
	if err != nil {
		return err
	}
	if !slices.Contains(has, false) {
		return nil
	}
	if slices.Contains(has, true) { // an earlier transfer broke off: start over
		if err := v.DeleteFile(ctx, f.ID); err != nil {
			return err
		}
	}
	r := &spaceChunks{ctx: ctx, s: s, st: st, file: spaceFileID(st.Names, f.ID), n: n}
	sum := sha256.New()
	_, err = v.PutFile(ctx, f.ID, io.TeeReader(r, sum))
	if r.missing {
		return nil // not (yet) at the server: the record comes anyway, the file reads as missing
	}
	if err != nil {
		return err
	}
	// Chunks are sealed with an epoch key, which a removed member may still
	// hold: the bytes must be the ones the (checked) record describes.
	if f.SHA256 != "" && hex.EncodeToString(sum.Sum(nil)) != f.SHA256 {
		v.DeleteFile(ctx, f.ID)
		res.Rejected++
		return nil
	}
	res.Files++
	return nil
}

// sendFile uploads file f to the space, its chunks opened with this
// vault's key and sealed with the current epoch's.
func (s *Space) sendFile(ctx context.Context, st *spaceState, f record.FileInfo, res *Result) error {
	v := s.local.Vault()
	fk := spaceFileID(st.Names, f.ID)
	n := vault.ChunkCount(f.Size)
	var fs syncproto.FileStatus
	err := s.c.json(ctx, "GET", syncproto.FilePath(st.ID, fk), nil, &fs)
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
	rc, err := v.OpenFile(ctx, f.ID)
	if errors.Is(err, vault.ErrNotFound) {
		return nil // this device lacks it too
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	buf := make([]byte, vault.ChunkSize)
	cur := st.current()
	for i := range n {
		k, err := io.ReadFull(rc, buf)
		if err != nil && err != io.ErrUnexpectedEOF && !(err == io.EOF && k == 0 && i == n-1) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil // the file does not read whole here: the record goes without it
		}
		if !slices.Contains(missing, i) {
			continue
		}
		ct, err := sealEpoch(cur, spaceChunkAD(st.ID, fk, i, n), buf[:k])
		if err != nil {
			return err
		}
		if _, err := s.c.do(ctx, "PUT", syncproto.ChunkPath(st.ID, fk, i, n), ct, "application/octet-stream", nil); err != nil && code(err) != syncproto.CodeExists {
			return err
		}
	}
	res.Files++
	return nil
}

// changes lists the records of the person this vault changed since the
// space last exchanged them (by header), deletions included.
func (st *spaceState) changes(v *vault.Vault) ([]string, error) {
	hs, err := v.Headers()
	if err != nil {
		return nil, err
	}
	var out []string
	for id, h := range hs {
		if personOf(h) == st.Profile && localChanged(st.Recs[id], h, true) {
			out = append(out, id)
		}
	}
	for id, rec := range st.Recs {
		if _, ok := hs[id]; !ok && localChanged(rec, nil, false) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// spacePush bounds one push of a space (the server's MaxPush is larger).
const spacePush = 100

// push sends this vault's changes of the person, files first, sealed with
// the current epoch.
func (s *Space) push(ctx context.Context, st *spaceState, res *Result) error {
	v := s.local.Vault()
	ids, err := st.changes(v)
	if err != nil || len(ids) == 0 {
		return err
	}
	sign := st.signKey()
	if !syncproto.CanWrite(st.Role) || sign == nil {
		return ErrReadOnly
	}
	chain := &syncproto.Chain{Vault: st.ID, Key: st.vaultKey(), Seq: st.Seq, Hash: st.Hash}
	times := changeTimes(ctx, v)
	cur := st.current()
	var envs []syncproto.Envelope
	var recs []*spaceRec
	var keys []string
	size := 0
	send := func() error {
		if len(envs) == 0 {
			return nil
		}
		t0 := time.Now()
		p := chain.Push(sign, envs)
		var r syncproto.PushResult
		if err := s.c.json(ctx, "POST", syncproto.LogPath(st.ID), p, &r); err != nil {
			if code(err) == syncproto.CodeForbidden {
				return ErrReadOnly
			}
			return err
		}
		if err := chain.Accept(p, r); err != nil {
			return err
		}
		since(&res.Net, t0)
		for i, id := range keys {
			recs[i].Sent = p.Base.Seq + uint64(i) + 1
			st.Recs[id] = recs[i]
		}
		res.Pushed += len(envs)
		st.Seq, st.Hash = chain.Seq, chain.Hash
		envs, recs, keys, size = nil, nil, nil, 0
		return st.save(ctx, v)
	}
	for _, id := range ids {
		at, ok := times[id]
		if !ok {
			at = s.c.now()
		}
		it := item{ID: id, Time: at, Deleted: true}
		if h, err := v.Header(id); err == nil {
			b, err := v.Body(ctx, id)
			if err != nil && !errors.Is(err, vault.ErrNotFound) {
				return err
			}
			it = item{ID: id, Header: h, Body: b, Time: at}
		}
		if f, ok := fileOf(it); ok {
			t0 := time.Now()
			if err := s.sendFile(ctx, st, f, res); err != nil {
				return err
			}
			since(&res.Chunk, t0)
		}
		eid := spaceEnvID(st.Names, id)
		ct, err := sealEpoch(cur, spaceEnvAD(st.ID, eid, it.Deleted), encodeItem(it))
		if err != nil {
			return err
		}
		if len(envs) == spacePush || size+len(ct) > pushBytes {
			if err := send(); err != nil {
				return err
			}
		}
		var version uint64
		var pulled [8]byte
		if r := st.Recs[id]; r != nil {
			version, pulled = r.Version, r.Pulled
		}
		envs = append(envs, syncproto.Envelope{ID: eid, Version: version + 1, Deleted: it.Deleted, Ciphertext: ct})
		recs = append(recs, &spaceRec{Version: version + 1, Head: headHash(it.Header, it.Deleted), Base: bodyHash(it.Body), Pulled: pulled})
		keys = append(keys, id)
		size += len(ct)
	}
	return send()
}

// memberSkip returns what this vault's own sync leaves out: the records
// of every person it holds as a member of a space (their owner's, not
// this vault's), or nil when there are none.
func memberSkip(ctx context.Context, v *vault.Vault) func(id string, h []byte) bool {
	ids, err := loadSpaceIndex(ctx, v)
	if err != nil || len(ids) == 0 {
		return nil
	}
	people := map[string]bool{}
	recs := map[string]bool{}
	for _, id := range ids {
		st, err := loadSpace(ctx, v, id)
		if err != nil || st.Owner {
			continue
		}
		people[st.Profile] = true
		for r := range st.Recs {
			recs[r] = true
		}
	}
	if len(people) == 0 {
		return nil
	}
	return func(id string, h []byte) bool {
		if h == nil {
			return recs[id]
		}
		return people[personOf(h)]
	}
}
