package replica

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"backpack/internal/record"
	"backpack/internal/syncproto"
	"backpack/internal/vault"
)

// The owner's keys of a space travel to the owner's other devices as a
// vault record (record.SpaceKeys, id keysID(space)): see the package's
// "Every owner device". What a device exchanged with the space (its
// cursor, Recs) stays in its own vault meta.

// keysPrefix starts the vault id of a space's keys record.
const keysPrefix = "space."

func keysID(space string) string { return keysPrefix + space }

// ownerKeys is the device-independent part of an owner's space, the
// record's Keys.
type ownerKeys struct {
	Device []byte     `json:"device"` // the owner's device key at the space: one for every owner device
	Sign   []byte     `json:"sign"`   // WK seed
	Names  []byte     `json:"names"`  // NK
	Admin  []byte     `json:"admin"`  // admin seed
	Box    []byte     `json:"box"`    // the owner's X25519 private key
	Epochs []epochKey `json:"epochs"`
}

// keysHeader is st's keys record.
func keysHeader(st *spaceState) []byte {
	k, _ := json.Marshal(ownerKeys{Device: st.Device, Sign: st.Sign, Names: st.Names, Admin: st.Admin, Box: st.Box, Epochs: st.Epochs})
	return record.EncodeSpaceKeys(record.SpaceKeys{ID: st.ID, Profile: st.Profile, Keys: k})
}

// keepKeys writes st's keys record (a tracked write: the owner's own sync
// takes it to the owner's other devices).
func keepKeys(ctx context.Context, local Local, st *spaceState) error {
	v := local.Vault()
	id, h := keysID(st.ID), keysHeader(st)
	return local.Apply(ctx, func() ([]string, error) {
		if old, err := v.Header(id); err == nil && bytes.Equal(old, h) {
			return nil, nil
		}
		return []string{id}, v.Put(ctx, vault.Record{ID: id, Header: h})
	})
}

// dropKeys deletes space's keys record (the owner stopped sharing: the
// owner's other devices forget the space when their sync brings this).
func dropKeys(ctx context.Context, local Local, space string) error {
	v := local.Vault()
	id := keysID(space)
	return local.Apply(ctx, func() ([]string, error) {
		if _, err := v.Header(id); errors.Is(err, vault.ErrNotFound) {
			return nil, nil
		}
		return []string{id}, v.Delete(ctx, id)
	})
}

func isKeysHeader(h []byte) bool {
	return len(h) >= 2 && h[0] == 1 && record.RecordType(h[1]) == record.RecordSpace
}

// keysState reads a keys record as a space's state on a device that has
// not used it yet (Fresh, cursor at the start), or false.
func keysState(h []byte) (*spaceState, bool) {
	if !isKeysHeader(h) {
		return nil, false
	}
	d, err := record.DecodeHeader(h)
	if err != nil || d.Space == nil {
		return nil, false
	}
	var k ownerKeys
	if json.Unmarshal(d.Space.Keys, &k) != nil || len(k.Device) != ed25519.SeedSize || len(k.Sign) != ed25519.SeedSize ||
		len(k.Admin) != ed25519.SeedSize || len(k.Names) == 0 || len(k.Epochs) == 0 || boxPublic(k.Box) == nil {
		return nil, false
	}
	wk := ed25519.NewKeyFromSeed(k.Sign).Public().(ed25519.PublicKey)
	if syncproto.VaultID(wk) != d.Space.ID || d.Space.Profile == "" {
		return nil, false
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(a, b epochKey) int { return int(a.N) - int(b.N) }
	sort.Slice(k.Epochs, func(i, j int) bool { return order(k.Epochs[i], k.Epochs[j]) < 0 })
	return &spaceState{
		ID: d.Space.ID, Profile: d.Space.Profile, Owner: true, Device: k.Device, Key: wk, Sign: k.Sign,
		Names: k.Names, Admin: k.Admin, Box: k.Box, OwnerBox: boxPublic(k.Box), Epochs: k.Epochs,
		Hash: syncproto.Genesis(d.Space.ID), Recs: map[string]*spaceRec{}, Kept: true, Fresh: true,
	}, true
}

// keysRecords returns the spaces this vault has keys records of. It is
// kept until the vault's headers change: the app lists the spaces every
// few seconds, and finding them looks at every header. (Ids only: the
// keys stay in the vault, which wipes them at Lock.)
func keysRecords(v *vault.Vault) ([]string, error) {
	edits := v.Edits()
	keysCache.Lock()
	defer keysCache.Unlock()
	if keysCache.vault == v && keysCache.edits == edits && time.Since(keysCache.at) < infoFresh {
		return keysCache.ids, nil
	}
	hs, err := v.Headers()
	if err != nil {
		return nil, err
	}
	var ids []string
	for id, h := range hs {
		if strings.HasPrefix(id, keysPrefix) && isKeysHeader(h) {
			ids = append(ids, strings.TrimPrefix(id, keysPrefix))
		}
	}
	slices.Sort(ids)
	keysCache.vault, keysCache.edits, keysCache.at, keysCache.ids = v, edits, time.Now(), ids
	return ids, nil
}

var keysCache struct {
	sync.Mutex
	vault *vault.Vault
	edits uint64
	at    time.Time
	ids   []string
}

// adoptKeys brings the spaces this vault's keys records name, that this
// device does not run yet, into its index: made on another of the owner's
// devices (the first Sync then pulls the whole log, see apply's Fresh).
func adoptKeys(ctx context.Context, v *vault.Vault, ids []string) ([]string, error) {
	recs, err := keysRecords(v)
	if err != nil {
		return ids, err
	}
	for _, id := range recs {
		if slices.Contains(ids, id) {
			continue
		}
		h, err := v.Header(keysID(id))
		if err != nil {
			continue // deleted meanwhile
		}
		st, ok := keysState(h)
		if !ok || st.ID != id {
			continue
		}
		if err := addSpace(ctx, v, st); err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// reconcile brings an owner's state in line with the space's keys record:
// the epochs another owner device made (Revoke) are taken, and a record
// gone (another owner device stopped sharing) forgets the space here
// (false). A space shared before its keys were a record gets its record.
// It reports whether the space is still this device's.
func reconcile(ctx context.Context, local Local, st *spaceState) (bool, error) {
	if !st.Owner {
		return true, nil
	}
	v := local.Vault()
	h, err := v.Header(keysID(st.ID))
	if errors.Is(err, vault.ErrNotFound) {
		if st.Kept {
			return false, forgetSpace(ctx, v, st.ID)
		}
		if err := keepKeys(ctx, local, st); err != nil {
			return true, err
		}
		st.Kept = true
		return true, st.save(ctx, v)
	}
	if err != nil {
		return true, err
	}
	rec, ok := keysState(h)
	if !ok || rec.ID != st.ID {
		return true, nil // unreadable: what this device holds stays
	}
	changed, extra := mergeEpochs(st, rec.Epochs)
	if !st.Kept {
		st.Kept, changed = true, true
	}
	if extra { // this device's newer epoch lost in a merge of the record: write it again
		if err := keepKeys(ctx, local, st); err != nil {
			return true, err
		}
	}
	if changed {
		return true, st.save(ctx, v)
	}
	return true, nil
}

// mergeEpochs adds to st the epochs of the record it lacks. An epoch of the
// same number but another key (two owner devices revoked at once, and the
// owner's sync kept the other's record) becomes the record's, and every
// epoch is wrapped for the members again. What this device pushed since a
// new epoch's start was sealed with an older one, which the members skip:
// it goes again (Resend). extra: st holds epochs the record lacks.
func mergeEpochs(st *spaceState, rec []epochKey) (changed, extra bool) {
	resend := func(from uint64) {
		for _, r := range st.Recs {
			if r.Sent != 0 && r.Sent >= from {
				r.Resend = true
			}
		}
	}
	for _, e := range rec {
		i := slices.IndexFunc(st.Epochs, func(x epochKey) bool { return x.N == e.N })
		switch {
		case i < 0:
			st.Epochs = append(st.Epochs, e)
			resend(e.From)
			changed = true
		case st.Epochs[i].From != e.From || !bytes.Equal(st.Epochs[i].Key, e.Key):
			resend(min(e.From, st.Epochs[i].From))
			st.Epochs[i] = e
			st.Wrapped = nil
			changed = true
		}
	}
	for _, e := range st.Epochs {
		if !slices.ContainsFunc(rec, func(x epochKey) bool { return x.N == e.N }) {
			extra = true
		}
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(a, b epochKey) int { return int(a.N) - int(b.N) }
	sort.Slice(st.Epochs, func(i, j int) bool { return order(st.Epochs[i], st.Epochs[j]) < 0 })
	return changed, extra
}

// load reads the space's state for a change or a Sync, in line with its
// keys record (reconcile); ErrRemoved when another owner device stopped
// sharing (or this one did: the state is gone).
func (s *Space) load(ctx context.Context) (*spaceState, error) {
	st, err := loadSpace(ctx, s.local.Vault(), s.id)
	if errors.Is(err, vault.ErrNotFound) {
		return nil, ErrRemoved
	}
	if err != nil {
		return nil, err
	}
	ok, err := reconcile(ctx, s.local, st)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrRemoved
	}
	return st, nil
}

// ownerSeen returns, for the vault's own sync, the bodies of each record
// of a person this vault shares that this device had from the space (by
// id: what it last exchanged, what it last pulled; nil when it shares
// none). A record comes to an owner device both ways, by the space and by
// the vault's log: a version the device had from the space is no
// conflict with what it changed since.
func ownerSeen(ctx context.Context, v *vault.Vault) map[string][2][8]byte {
	ids, err := loadSpaceIndex(ctx, v)
	if err != nil || len(ids) == 0 {
		return nil
	}
	var out map[string][2][8]byte
	for _, id := range ids {
		st, err := loadSpace(ctx, v, id)
		if err != nil || !st.Owner {
			continue
		}
		for r, rec := range st.Recs {
			if out == nil {
				out = map[string][2][8]byte{}
			}
			out[r] = [2][8]byte{rec.Base, rec.Pulled}
		}
	}
	return out
}
