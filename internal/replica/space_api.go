package replica

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"time"

	"backpack/internal/record"
	"backpack/internal/syncproto"
	"backpack/internal/vault"
)

// ShareProfile makes person profileID of this vault a shared profile: it
// registers a new space at the server (its own random keys, see the
// package's "Shared profiles") and returns it; the first Sync pushes the
// person's records (that person's only). ErrNoProfile; ErrAlreadyShared
// with the person's space when it is shared already (by this device or
// another of the owner's: never a second space).
func ShareProfile(ctx context.Context, local Local, opt Options, profileID string) (*Space, error) {
	v := local.Vault()
	h, err := v.Header(profileID)
	if errors.Is(err, vault.ErrNotFound) || (err == nil && (len(h) < 2 || record.RecordType(h[1]) != record.RecordProfile)) {
		return nil, ErrNoProfile
	}
	if err != nil {
		return nil, err
	}
	if sp, err := SpaceOf(ctx, local, opt, profileID); err != nil {
		return nil, err
	} else if sp != nil {
		return sp, ErrAlreadyShared
	}
	wk, dev := randomSeed(), randomSeed()
	wpriv, dpriv := ed25519.NewKeyFromSeed(wk), ed25519.NewKeyFromSeed(dev)
	var info syncproto.Info
	if err := opt.client(nil).json(ctx, "POST", syncproto.VaultsPath(), syncproto.NewCreate(wpriv, dpriv), &info); err != nil {
		return nil, err
	}
	id := syncproto.VaultID(wpriv.Public().(ed25519.PublicKey))
	if info.Vault != id {
		return nil, syncproto.ErrTampered
	}
	box := newBoxKey()
	st := &spaceState{
		ID: id, Profile: profileID, Owner: true, Device: dev,
		Key: wpriv.Public().(ed25519.PublicKey), Sign: wk, Names: randomBytes(32), Admin: randomSeed(),
		Box: box, OwnerBox: boxPublic(box), Epochs: []epochKey{newEpochKey(1, 0)},
		Hash: syncproto.Genesis(id), Recs: map[string]*spaceRec{},
	}
	if err := addSpace(ctx, v, st); err != nil {
		return nil, err
	}
	// The keys go to the owner's other devices with the vault's sync.
	if err := keepKeys(ctx, local, st); err != nil {
		return nil, err
	}
	st.Kept = true
	if err := st.save(ctx, v); err != nil {
		return nil, err
	}
	return newSpace(local, opt, st), nil
}

// Invite opens an invitation of role for ttl (0: InviteTTL, at most a day).
// ownerName is how the member's app will name whose profile it is (sealed:
// the server never reads it). Owner only (ErrNotOwner).
func (s *Space) Invite(ctx context.Context, role Role, ownerName string, ttl time.Duration) (SpaceInvite, error) {
	if !syncproto.ValidRole(string(role)) {
		return SpaceInvite{}, errors.New("replica: no such role")
	}
	if ttl <= 0 {
		ttl = InviteTTL
	}
	ttl = min(ttl, syncproto.MaxEnrollSeconds*time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.load(ctx)
	if err != nil {
		return SpaceInvite{}, err
	}
	if !st.Owner {
		return SpaceInvite{}, ErrNotOwner
	}
	secret := make([]byte, secretBytes)
	rand.Read(secret)
	stretched := stretch(secret)
	b := spaceBlob{Space: st.ID, Profile: st.Profile, OwnerName: ownerName, Key: st.Key, Names: st.Names,
		Admin: ed25519.NewKeyFromSeed(st.Admin).Public().(ed25519.PublicKey), OwnerBox: st.OwnerBox, Epochs: st.Epochs}
	if role == RoleCoManage {
		b.Sign = st.Sign
	}
	blob, err := sealBlob(stretched, b)
	if err != nil {
		return SpaceInvite{}, err
	}
	ek := syncproto.EnrollKey(stretched)
	enroll := syncproto.Enroll{EnrollKey: ek.Public().(ed25519.PublicKey), Seconds: int(ttl / time.Second), Role: string(role), Blob: blob}
	if err := s.c.json(ctx, "POST", syncproto.EnrollPath(st.ID), enroll, nil); err != nil {
		return SpaceInvite{}, err
	}
	return SpaceInvite{Code: formatCode(secret), Role: role, Expires: s.c.now().Add(ttl)}, nil
}

// SpaceJoining is an invitation read (StartJoinSpace) but not used yet:
// the app shows whose it is before the person gives the name the owner
// will see.
type SpaceJoining struct {
	opt       Options
	stretched []byte
	vault     string
	role      Role
	blob      *spaceBlob
}

// StartJoinSpace reads an invitation (a code or the whole link) without
// using it up. ErrBadCode: mistyped, used or expired.
func StartJoinSpace(ctx context.Context, invitation string, opt Options) (*SpaceJoining, error) {
	secret, err := parseCode(invitation)
	if err != nil {
		return nil, err
	}
	stretched := stretch(secret)
	var inv syncproto.Invitation
	err = opt.client(nil).json(ctx, "POST", syncproto.PeekPath(), syncproto.NewPeek(syncproto.EnrollKey(stretched)), &inv)
	if err != nil {
		return nil, codeErr(err)
	}
	if !syncproto.ValidRole(inv.Role) {
		return nil, ErrBadCode
	}
	b, err := openBlob(stretched, inv.Vault, inv.Blob)
	if err != nil {
		return nil, err
	}
	// The role the server names must be the one the owner sealed: a
	// co-manager's invitation carries the write key, a reader's not.
	if (inv.Role == syncproto.RoleCoManage) != (b.Sign != nil) {
		return nil, ErrBadCode
	}
	return &SpaceJoining{opt: opt, stretched: stretched, vault: inv.Vault, role: Role(inv.Role), blob: b}, nil
}

// OwnerName is the name the owner gave when inviting.
func (j *SpaceJoining) OwnerName() string { return j.blob.OwnerName }

// Role is what the invitation lets this person do.
func (j *SpaceJoining) Role() Role { return j.role }

// Join uses the invitation: registers this device in the space and keeps
// its keys in this vault; memberName is how the owner will see this member
// (sealed to the owner). The caller then Syncs. ErrAlreadyShared: this
// vault has that person already. ErrBadCode: the invitation was used or
// expired meanwhile.
func (j *SpaceJoining) Join(ctx context.Context, local Local, memberName string) (*Space, error) {
	v := local.Vault()
	if _, err := v.Header(j.blob.Profile); err == nil {
		return nil, ErrAlreadyShared
	} else if !errors.Is(err, vault.ErrNotFound) {
		return nil, err
	}
	if sp, err := SpaceOf(ctx, local, j.opt, j.blob.Profile); err != nil {
		return nil, err
	} else if sp != nil {
		return nil, ErrAlreadyShared
	}
	seed, box := randomSeed(), newBoxKey()
	label, err := boxSeal(j.blob.OwnerBox, labelInfo(j.vault), []byte(memberName))
	if err != nil {
		return nil, ErrBadCode
	}
	join := syncproto.NewJoin(j.vault, j.stretched, ed25519.NewKeyFromSeed(seed))
	join.BoxKey, join.Label = boxPublic(box), label
	var info syncproto.Info
	err = j.opt.client(nil).json(ctx, "POST", syncproto.DevicesPath(j.vault), join, &info)
	if err != nil {
		return nil, codeErr(err)
	}
	if info.Vault != j.vault {
		return nil, syncproto.ErrTampered
	}
	b := j.blob
	st := &spaceState{
		ID: j.vault, Profile: b.Profile, Role: string(j.role), OwnerName: b.OwnerName, Device: seed,
		Key: b.Key, Sign: b.Sign, Names: b.Names, Admin: b.Admin, Box: box, OwnerBox: b.OwnerBox,
		Epochs: b.Epochs, Hash: syncproto.Genesis(j.vault), Recs: map[string]*spaceRec{},
	}
	if err := addSpace(ctx, v, st); err != nil {
		return nil, err
	}
	return newSpace(local, j.opt, st), nil
}

// JoinSpace joins a shared profile with an invitation code (or the whole
// link) and returns it; memberName is how the owner will see this member
// (sealed to the owner). ErrBadCode: mistyped, used or expired. The caller
// then Syncs to bring the person's records into this vault.
func JoinSpace(ctx context.Context, local Local, opt Options, code, memberName string) (*Space, error) {
	j, err := StartJoinSpace(ctx, code, opt)
	if err != nil {
		return nil, err
	}
	return j.Join(ctx, local, memberName)
}

// Members lists the space's member devices (owner only: ErrNotOwner).
func (s *Space) Members(ctx context.Context) ([]Member, error) {
	st, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	if !st.Owner {
		return nil, ErrNotOwner
	}
	ds, err := s.devices(ctx, st)
	if err != nil {
		return nil, err
	}
	var out []Member
	for _, d := range ds {
		if d.Role == syncproto.RoleOwner {
			continue
		}
		m := Member{Device: d.ID, Role: Role(d.Role), Joined: time.Unix(d.Added, 0)}
		if name, err := boxOpen(st.Box, labelInfo(st.ID), d.Label); err == nil {
			m.Name = string(name)
		}
		out = append(out, m)
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(a, b Member) int { return a.Joined.Compare(b.Joined) }
	sort.SliceStable(out, func(i, j int) bool { return order(out[i], out[j]) < 0 })
	return out, nil
}

func (s *Space) devices(ctx context.Context, st *spaceState) ([]syncproto.Device, error) {
	var d syncproto.Devices
	if err := s.c.json(ctx, "GET", syncproto.DevicesPath(st.ID), nil, &d); err != nil {
		return nil, err
	}
	return d.Devices, nil
}

// Revoke removes member device at the server and rotates the profile key:
// what is changed from then on is sealed with a key the removed member
// never gets; the remaining members receive it wrapped. Owner only.
func (s *Space) Revoke(ctx context.Context, device string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.local.Vault()
	st, err := s.load(ctx)
	if err != nil {
		return err
	}
	if !st.Owner {
		return ErrNotOwner
	}
	if err := s.c.json(ctx, "DELETE", syncproto.DevicePath(st.ID, device), nil, nil); err != nil && code(err) != syncproto.CodeNotFound {
		return err
	}
	// The log to its head S, so the new epoch seals from S+1 on: what the
	// removed member might still push after S with the old key is skipped.
	var res Result
	if err := s.pull(ctx, st, &res); err != nil {
		return err
	}
	e := newEpochKey(st.current().N+1, st.Seq+1)
	st.Epochs = append(st.Epochs, e)
	if err := st.save(ctx, v); err != nil {
		return err
	}
	// The owner's other devices seal with it after their next vault sync.
	if err := keepKeys(ctx, s.local, st); err != nil {
		return err
	}
	return s.wrapMissing(ctx, st)
}

// wrapMissing wraps, for every member device, the epochs after the first
// it was not given yet: those made since it joined by revoking another
// (its invitation's blob may be older than them). A member device's first
// Sync after the owner's finds them.
func (s *Space) wrapMissing(ctx context.Context, st *spaceState) error {
	if len(st.Epochs) < 2 {
		return nil
	}
	ds, err := s.devices(ctx, st)
	if err != nil {
		return err
	}
	admin := ed25519.NewKeyFromSeed(st.Admin)
	cur := st.current().N
	var wraps []syncproto.KeyWrap
	done := map[string]uint32{}
	for _, d := range ds {
		if d.Role == syncproto.RoleOwner || len(d.BoxKey) == 0 {
			continue
		}
		done[d.ID] = st.Wrapped[d.ID]
		for _, e := range st.Epochs {
			if e.N <= 1 || e.N <= st.Wrapped[d.ID] {
				continue
			}
			w, err := wrapKey(admin, st.ID, d.ID, d.BoxKey, e)
			if err != nil {
				break // a box key that is no X25519 key: that device gets nothing
			}
			wraps = append(wraps, w)
		}
		done[d.ID] = cur
	}
	for len(wraps) > 0 {
		n := min(len(wraps), syncproto.MaxWraps)
		if err := s.c.json(ctx, "PUT", syncproto.KeysPath(st.ID), syncproto.KeyWraps{Keys: wraps[:n]}, nil); err != nil {
			return err
		}
		wraps = wraps[n:]
	}
	st.Wrapped = done
	return st.save(ctx, s.local.Vault())
}

// Leave ends this member device's part in the space (its records stay in
// this vault, no longer synced). For the owner, Leave stops sharing: the
// space is deleted at the server and every member becomes SpaceRemoved;
// the keys record goes too, so the owner's other devices forget the space
// after their next vault sync.
func (s *Space) Leave(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.local.Vault()
	st, err := s.load(ctx)
	if errors.Is(err, ErrRemoved) {
		return nil // another owner device stopped sharing it already
	}
	if err != nil {
		return err
	}
	if st.Owner {
		if err := s.c.json(ctx, "DELETE", syncproto.VaultPath(st.ID), nil, nil); err != nil && code(err) != syncproto.CodeNotFound {
			return err
		}
		// The record first: were the state forgotten first and this
		// failed, the record would bring the deleted space back.
		if err := dropKeys(ctx, s.local, st.ID); err != nil {
			return err
		}
		return forgetSpace(ctx, v, st.ID)
	}
	if !st.Removed {
		me := syncproto.DeviceID(st.deviceKey().Public().(ed25519.PublicKey))
		err := s.c.json(ctx, "DELETE", syncproto.DevicePath(st.ID, me), nil, nil)
		if err != nil && !removedCode(code(err)) {
			return err
		}
	}
	// The state stays (Removed): the person's records are still the
	// owner's, so this vault's own sync keeps leaving them out.
	st.Removed = true
	return st.save(ctx, v)
}

// forgetSpace removes a space's state and its place in the index.
func forgetSpace(ctx context.Context, v *vault.Vault, id string) error {
	ids, err := loadSpaceIndex(ctx, v)
	if err != nil {
		return err
	}
	ids = slices.DeleteFunc(ids, func(x string) bool { return x == id })
	raw, _ := json.Marshal(ids)
	if err := v.PutMeta(ctx, spaceIndex, raw); err != nil {
		return err
	}
	return v.PutMeta(ctx, spaceName(id), nil)
}

// removedCode reports whether the server's answer means this device is no
// longer in the space (removed, or the space deleted).
func removedCode(c syncproto.Code) bool {
	return c == syncproto.CodeUnauthorized || c == syncproto.CodeNotFound || c == syncproto.CodeForbidden
}

// skewed reports whether a refusal is for this device's clock (the
// server's time is in it, off by more than the protocol allows), not for
// its removal: the server answers both alike.
func skewed(err error, now time.Time) bool {
	var pe *syncproto.Error
	if !errors.As(err, &pe) || pe.Code != syncproto.CodeUnauthorized || pe.Now == 0 {
		return false
	}
	d := pe.Now - now.Unix()
	return d > syncproto.MaxClockSkew || d < -syncproto.MaxClockSkew
}
