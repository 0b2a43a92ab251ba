package replica

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"backpack/internal/syncproto"
	"backpack/internal/vault"
)

// Shared profiles ("spaces", issue #14 item 5). The owner of a person's
// record (a child, a parent) shares it with another Backpack user, read-only
// or to co-manage, by a code or QR link. The shared person travels in a log
// of their own at the owner's server (a space: the same /sync/v1 machinery
// as a vault, see syncproto's "Shared profiles"), holding that one person's
// records only: the profile, its entries, questions and files.
//
// # Keys
//
// The owner's vault key never leaves the owner's devices; a space has keys
// of its own, made at random when it is shared:
//
//   - the write key WK (Ed25519): the space's "vault key" at the server, it
//     signs the log's heads. Co-managers hold it, read-only members do not
//     (they cannot sign a head, and the server refuses their pushes besides);
//   - the name key NK: envelope ids and file ids at the server are keyed
//     hashes of the record and file ids under it;
//   - the profile key PK of each epoch (AES-256-GCM): seals envelopes and
//     file chunks; each ciphertext starts with its epoch's number;
//   - the owner's admin key (Ed25519): signs every wrapped epoch key, so a
//     server cannot hand a member a key of its own making; and the owner's
//     box key (X25519), to which members seal the names they give.
//
// # Inviting and joining
//
// Invite opens an enrollment with the member's role and a blob: the keys
// (WK only for a co-manager), the owner's name and the person's id, sealed
// under a key from an 80-bit secret stretched with Argon2id (the code, in
// the link's #fragment; the server never sees it). JoinSpace registers a
// new device key and an X25519 public key, opens the blob and pulls.
//
// # Revoking
//
// Revoke removes the member's device at the server (its requests are
// refused from then on), pulls the log to its head S, makes epoch n+1 (a new
// random PK, sealing from seq S+1 on) and wraps it with HPKE (crypto/hpke,
// X25519, AES-256-GCM) for each remaining member device, signed by the admin
// key; each member fetches its wraps at the start of every Sync. Everything
// sealed later uses the new epoch, which the removed member never gets.
// Clients reject (skip, Result.Rejected) an envelope at a seq where a newer
// epoch applies but sealed with an older one: a removed co-manager still
// holds WK and, with a colluding server, could append entries the server
// accepts, but no client applies them. Why WK itself is not rotated: the
// heads it signs protect the log's order and completeness, which a
// colluding server can deny anyway (it can withhold everything); the
// content's integrity and secrecy rest on the epoch keys, which the removed
// member lacks. (A co-manager that pushes with the old epoch in the moment
// between the owner's pull and its next key fetch has that push skipped;
// its change then stays on its device only — documented limit.)
//
// # Engine
//
// A space is synced by its own engine (Space.Sync): pull, verify, merge
// (the vault engine's merge: a conflict keeps both versions), push, like
// Engine, but over the space's keys, its own state (vault meta
// "space.<id>"), only the shared person's records, and its own change
// tracking: it compares each record's header with the one it last
// exchanged, so the vault's change marks (the person's own sync) and the
// space never clear each other's. Files travel re-sealed: chunks are opened
// with this vault's key and sealed with the epoch's PK (a member's vault key
// differs from the owner's).
//
// On a member's device the shared person's records live in the member's
// own vault (sealed with the member's vault key), stored without change
// marks and left out of the member's own vault sync (Engine.read skips every
// record of a joined space's person). On the owner's device they are the
// owner's records: a co-manager's change pulled into the owner's vault is
// marked, so the owner's own sync carries it to the owner's other devices.
//
// # Every owner device
//
// A family shares from a phone and manages from a laptop: every device of
// the owner's vault runs the space. The device-independent part of the
// owner's space (its id, the person's id, WK, NK, the admin key, the
// owner's box key, the owner's device key at the space, the epochs) is a
// vault record (record.SpaceKeys, id "space.<space id>"), sealed with the
// vault key like every record and carried by the owner's own sync; it is
// never in the book, never exported, never sent into a space (it belongs
// to no person). ShareProfile and Revoke write it. What a device exchanged
// with the space (cursor, Recs, Synced, Removed, Wrapped) stays in that
// device's vault meta, as before.
//
// Spaces on an owner device takes in the spaces of those records it does
// not run yet: a new state at the log's start, with the same device key
// at the space as the owner's other devices (the chain's conflict and
// retry handle two of them pushing at once). Its first Sync (Fresh) takes
// the log's version of each record this device has not changed since its
// vault sync, so it pushes only its own changes, not every record again.
// A record reaches an owner device both ways, by the space and by the
// vault's log: the vault's sync does not take a version this device had
// from the space for a conflict with what it changed since
// (spaceRec.Pulled). ShareProfile on a device whose vault has the
// person's space returns that space with ErrAlreadyShared, never a second
// one. Leave on any owner device deletes the space at the server and the
// record; the others forget the space after their vault sync brings the
// deletion.
//
// Limits. After a Revoke, the owner's other devices seal with the new
// epoch from their next vault sync on (each Sync and change first takes
// the record's epochs, see reconcile). One that pushes before it has the
// new epoch has those envelopes skipped by the members, as a co-manager's
// in the same moment; once its vault sync brings the epoch it pushes those
// records again, sealed with it (spaceRec.Resend) — unless it changed
// them meanwhile, then the newer version goes. Until then the members do
// not see that change. An owner device lacking the newest epoch skips
// what is sealed with it; those changes reach it by the vault's sync (the
// device that could open them keeps them in the owner's vault). Two owner devices
// that revoke at once (each before the other's record reached it) make
// two epochs of the same number: the vault's sync keeps the later
// record, the other device takes its key and wraps it for every member
// again, but a member that already took the other key keeps it and skips
// what is sealed with the kept one (those changes stay in the owner's
// vault; a later revoke mends it, as it makes a new epoch for everyone).

// Role is what a member may do with a shared profile.
type Role string

// Roles a member may have.
const (
	RoleRead     Role = syncproto.RoleRead     // sees the person's records
	RoleCoManage Role = syncproto.RoleCoManage // sees and changes them
)

// SpaceState says whether this device still takes part in a shared profile.
type SpaceState string

// States of a space on a member's device.
const (
	SpaceActive  SpaceState = "active"
	SpaceRemoved SpaceState = "removed" // the owner removed this device (or stopped sharing)
)

// SpaceInfo is what the app shows about a shared profile.
type SpaceInfo struct {
	ID        string     // the space's id at the server
	Profile   string     // the shared person's profile id (the same in every vault)
	Owner     bool       // this vault shared it
	OwnerName string     // the owner's name as the owner gave it when inviting ("" on the owner's side)
	Role      Role       // this device's role; "" for the owner
	State     SpaceState // SpaceActive, or SpaceRemoved once the owner removed this device
	Synced    time.Time  // the last Sync that completed; zero: never
	Waiting   int        // changes of the person here that the space does not have yet
}

// Member is one member device of a shared profile, as its owner sees it.
type Member struct {
	Device string    // its id at the server (for Revoke)
	Name   string    // the name its person gave when joining ("" if it does not open)
	Role   Role      // RoleRead or RoleCoManage
	Joined time.Time // when it joined
}

// SpaceInvite is an invitation to a shared profile: a code, typed or in a
// QR code's link (put it after '#': the fragment never reaches a server).
type SpaceInvite struct {
	Code    string // four groups of four characters
	Role    Role
	Expires time.Time
}

// Errors of shared profiles, for the app to say in its own words.
var (
	// ErrReadOnly: this device may only read this person's record, and
	// it changed it: the change is not sent and stays on this device only
	// (a later change of the owner's is merged with it, as any other).
	ErrReadOnly = errors.New("replica: this shared profile is read-only here")
	// ErrRemoved: the owner removed this device from the shared profile (or
	// stopped sharing it); the records already here stay.
	ErrRemoved = errors.New("replica: the owner no longer shares this profile with this device")
	// ErrNotOwner: only the owner may invite, list or remove members.
	ErrNotOwner = errors.New("replica: only the profile's owner may do this")
	// ErrAlreadyShared: this person is shared already (ShareProfile), or
	// this vault already has the shared person (JoinSpace).
	ErrAlreadyShared = errors.New("replica: this profile is shared already")
	// ErrNoProfile: no such person in this vault.
	ErrNoProfile = errors.New("replica: no such profile")
	// ErrStaleEpoch: an envelope was sealed with a profile key older than
	// the one in force at its place in the log (Result.Rejected counts
	// those skipped).
	ErrStaleEpoch = errors.New("replica: an envelope is sealed with a revoked key")
)

// Space is one shared profile on this device: its owner's or a member's.
// Methods are safe for concurrent use; Syncs run one at a time.
type Space struct {
	local Local
	opt   Options

	mu *sync.Mutex // the space's in this vault: shared by every Space of it (Spaces makes new ones)
	id string
	c  *client

	// read is the state Spaces made this Space from and readAt spaceSaves
	// before it was read: Info uses it while no state has been saved since,
	// instead of reading it again (the app lists the spaces, then asks each
	// its Info).
	read   *spaceState
	readAt uint64
}

// spaceIndex is the vault meta value listing the spaces of this vault.
const spaceIndex = "spaces"

func spaceName(id string) string { return "space." + id }

// epochKey is one epoch's profile key: it seals from log seq From on.
type epochKey struct {
	N    uint32 `json:"n"`
	From uint64 `json:"from"`
	Key  []byte `json:"key"`
}

// spaceRec is what this device last exchanged of one record.
type spaceRec struct {
	Version uint64  `json:"v"`
	Head    [8]byte `json:"h"` // hash of the header: a different one is a local change
	Base    [8]byte `json:"b"` // hash of the body (merge's base)
	// Pulled is the hash of the body last pulled (another device's
	// version): on an owner device the vault's sync may bring it too.
	Pulled [8]byte `json:"p,omitzero"`
	// Sent is the log seq this device pushed this version at (0: pulled).
	Sent uint64 `json:"s,omitempty"`
	// Resend: pushed sealed with an epoch older than one another owner
	// device had made then (the members skip it): pushed again.
	Resend bool `json:"r,omitempty"`
}

// spaceRecs is what this device last exchanged of each record, by id. It
// is stored in a binary form of its own (base64 in the state's JSON): the
// app lists the spaces every few seconds on the page's one thread, and
// JSON of a long history's 9,300 records (its hashes as arrays of numbers)
// took 28 ms to decode on a laptop, several times that on a phone; this
// form takes about a millisecond.
type spaceRecs map[string]*spaceRec

const recsForm = 1 // the binary form's version byte

func (m spaceRecs) MarshalJSON() ([]byte, error) {
	ids := slices.Sorted(maps.Keys(m))
	b := make([]byte, 0, 1+len(m)*48)
	b = append(b, recsForm)
	for _, id := range ids {
		r := m[id]
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
		b = binary.AppendUvarint(b, r.Version)
		b = append(b, r.Head[:]...)
		b = append(b, r.Base[:]...)
		b = append(b, r.Pulled[:]...)
		b = binary.AppendUvarint(b, r.Sent)
		if r.Resend {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	return json.Marshal(b)
}

func (m *spaceRecs) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '{' { // the JSON object of earlier builds
		var old map[string]*spaceRec
		if err := json.Unmarshal(data, &old); err != nil {
			return err
		}
		*m = old
		return nil
	}
	// Standard base64 in a JSON string, as encoding/json writes []byte: no
	// escapes to undo, so it is decoded here without a second pass of the
	// JSON scanner over it.
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errUnreadable
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(data)-2))
	n, err := base64.StdEncoding.Decode(b, data[1:len(data)-1])
	if err != nil {
		return errUnreadable
	}
	b = b[:n]
	if len(b) == 0 || b[0] != recsForm {
		return errUnreadable
	}
	b = b[1:]
	out := spaceRecs{}
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	for len(b) > 0 {
		n, ok := uvarint()
		if !ok || n > uint64(len(b)) {
			return errUnreadable
		}
		id := string(b[:n])
		b = b[n:]
		r := &spaceRec{}
		if r.Version, ok = uvarint(); !ok || len(b) < 24 {
			return errUnreadable
		}
		copy(r.Head[:], b[0:8])
		copy(r.Base[:], b[8:16])
		copy(r.Pulled[:], b[16:24])
		b = b[24:]
		if r.Sent, ok = uvarint(); !ok || len(b) < 1 {
			return errUnreadable
		}
		r.Resend, b = b[0] == 1, b[1:]
		out[id] = r
	}
	*m = out
	return nil
}

// spaceState is a space's state, sealed in the vault's meta.
type spaceState struct {
	ID        string     `json:"id"`
	Profile   string     `json:"profile"`
	Owner     bool       `json:"owner,omitempty"`
	Role      string     `json:"role,omitempty"`
	OwnerName string     `json:"owner_name,omitempty"`
	Device    []byte     `json:"device"`         // Ed25519 seed of this device's key at the space
	Key       []byte     `json:"key"`            // WK's public half (the space's vault key)
	Sign      []byte     `json:"sign,omitempty"` // WK seed (owner, co-manager)
	Names     []byte     `json:"names"`          // NK
	Admin     []byte     `json:"admin"`          // owner: seed; member: public key
	Box       []byte     `json:"box"`            // this device's X25519 private key
	OwnerBox  []byte     `json:"owner_box"`      // the owner's X25519 public key
	Epochs    []epochKey `json:"epochs"`
	Seq       uint64     `json:"seq"`
	Hash      []byte     `json:"hash"`
	Synced    time.Time  `json:"synced,omitzero"`
	Removed   bool       `json:"removed,omitempty"`
	Recs      spaceRecs  `json:"recs"` // by record id
	// Wrapped is, on the owner's side, the newest epoch wrapped for each
	// member device (see Space.wrapMissing).
	Wrapped map[string]uint32 `json:"wrapped,omitempty"`
	// Kept: the owner's keys are in the vault's keys record (space_owner.go);
	// once it is gone, another owner device stopped sharing.
	Kept bool `json:"kept,omitempty"`
	// Fresh: an owner device that took the space from the keys record and
	// has not pulled the whole log yet (see Space.apply).
	Fresh bool `json:"fresh,omitempty"`
}

func (s *spaceState) deviceKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(s.Device) }

func (s *spaceState) signKey() ed25519.PrivateKey {
	if len(s.Sign) != ed25519.SeedSize {
		return nil
	}
	return ed25519.NewKeyFromSeed(s.Sign)
}

func (s *spaceState) vaultKey() ed25519.PublicKey { return ed25519.PublicKey(s.Key) }

// current is the newest epoch this device holds.
func (s *spaceState) current() epochKey { return s.Epochs[len(s.Epochs)-1] }

func (s *spaceState) epoch(n uint32) (epochKey, bool) {
	for _, e := range s.Epochs {
		if e.N == n {
			return e, true
		}
	}
	return epochKey{}, false
}

// inForce is the epoch that applies at log seq: the newest whose From is at
// or before it.
func (s *spaceState) inForce(seq uint64) uint32 {
	var n uint32
	for _, e := range s.Epochs {
		if e.From <= seq && e.N > n {
			n = e.N
		}
	}
	return n
}

func loadSpaceIndex(ctx context.Context, v *vault.Vault) ([]string, error) {
	raw, err := v.GetMeta(ctx, spaceIndex)
	if errors.Is(err, vault.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, errUnreadable
	}
	return ids, nil
}

func loadSpace(ctx context.Context, v *vault.Vault, id string) (*spaceState, error) {
	raw, err := v.GetMeta(ctx, spaceName(id))
	if err != nil {
		return nil, err
	}
	var s spaceState
	if err := json.Unmarshal(raw, &s); err != nil || len(s.Device) != ed25519.SeedSize || len(s.Epochs) == 0 {
		return nil, errUnreadable
	}
	if s.Recs == nil {
		s.Recs = map[string]*spaceRec{}
	}
	return &s, nil
}

func (s *spaceState) save(ctx context.Context, v *vault.Vault) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	defer spaceSaves.Add(1)
	return v.PutMeta(ctx, spaceName(s.ID), raw)
}

// addSpace saves a new space's state and lists it in the index.
func addSpace(ctx context.Context, v *vault.Vault, st *spaceState) error {
	ids, err := loadSpaceIndex(ctx, v)
	if err != nil {
		return err
	}
	if err := st.save(ctx, v); err != nil {
		return err
	}
	if slices.Contains(ids, st.ID) {
		return nil
	}
	raw, _ := json.Marshal(append(ids, st.ID))
	return v.PutMeta(ctx, spaceIndex, raw)
}

func newSpace(local Local, opt Options, st *spaceState) *Space {
	l, _ := spaceLocks.LoadOrStore(spaceLockKey{local.Vault(), st.ID}, new(sync.Mutex))
	return &Space{local: local, opt: opt, id: st.ID, c: opt.client(st.deviceKey()), mu: l.(*sync.Mutex)}
}

// spaceLocks holds one mutex per space of an open vault, so that two
// Space values of it (the app asks Spaces anew) never sync at once.
var spaceLocks sync.Map

type spaceLockKey struct {
	v  *vault.Vault
	id string
}

// Spaces returns every shared profile of this vault: those it shares (on
// any of the owner's devices: see "Every owner device") and those it
// joined.
func Spaces(ctx context.Context, local Local, opt Options) ([]*Space, error) {
	v := local.Vault()
	ids, err := loadSpaceIndex(ctx, v)
	if err != nil {
		return nil, err
	}
	if ids, err = adoptKeys(ctx, v, ids); err != nil {
		return nil, err
	}
	var out []*Space
	for _, id := range ids {
		at := spaceSaves.Load() // before the read: a save meanwhile makes Info read again
		st, err := loadSpace(ctx, v, id)
		if err != nil {
			return nil, err
		}
		ok, err := reconcile(ctx, local, st)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		sp := newSpace(local, opt, st)
		sp.read, sp.readAt = st, at
		out = append(out, sp)
	}
	return out, nil
}

// SpaceOf returns the shared profile of person profileID, or nil.
func SpaceOf(ctx context.Context, local Local, opt Options, profileID string) (*Space, error) {
	all, err := Spaces(ctx, local, opt)
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if i, err := s.Info(ctx); err == nil && i.Profile == profileID {
			return s, nil
		}
	}
	return nil, nil
}

// ID is the space's id at the server.
func (s *Space) ID() string { return s.id }

// Info reads what the app shows about the space (no network).
func (s *Space) Info(ctx context.Context) (SpaceInfo, error) {
	v := s.local.Vault()
	edits, saves := v.Edits(), spaceSaves.Load()
	infoCache.Lock()
	c, ok := infoCache.m[s.id]
	infoCache.Unlock()
	if ok && c.vault == v && c.edits == edits && c.saves == saves && time.Since(c.at) < infoFresh {
		return c.info, nil
	}
	st := s.read
	if st == nil || s.readAt != saves {
		var err error
		if st, err = loadSpace(ctx, v, s.id); err != nil {
			return SpaceInfo{}, err
		}
	}
	i := st.info()
	if ids, err := st.changes(v); err == nil {
		i.Waiting = len(ids)
	}
	infoCache.Lock()
	infoCache.m[s.id] = cachedInfo{vault: v, edits: edits, saves: saves, at: time.Now(), info: i}
	infoCache.Unlock()
	return i, nil
}

// infoCache keeps each space's Info until the vault's headers or a space's
// state change (in this tab), or infoFresh passes (another tab may have
// synced): the app asks every few seconds, on the page's one thread, and
// working it out reads the space's whole state and decodes every header
// of the vault (a long history: thousands).
var infoCache = struct {
	sync.Mutex
	m map[string]cachedInfo
}{m: map[string]cachedInfo{}}

const infoFresh = time.Minute

type cachedInfo struct {
	vault        *vault.Vault
	edits, saves uint64
	at           time.Time
	info         SpaceInfo
}

// spaceSaves counts the saves of any space's state in this process.
var spaceSaves atomic.Uint64

func (st *spaceState) info() SpaceInfo {
	i := SpaceInfo{ID: st.ID, Profile: st.Profile, Owner: st.Owner, OwnerName: st.OwnerName, Role: Role(st.Role), State: SpaceActive, Synced: st.Synced}
	if st.Removed {
		i.State = SpaceRemoved
	}
	return i
}

func randomSeed() []byte { return randomBytes(32) }

func newBoxKey() []byte {
	k, _ := ecdh.X25519().GenerateKey(rand.Reader)
	return k.Bytes()
}
