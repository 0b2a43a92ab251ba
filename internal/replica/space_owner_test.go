//go:build !wasm

package replica

import (
	"bytes"
	"errors"
	"testing"

	"backpack/internal/syncproto"
	"backpack/internal/vault"
)

// spaceOf is the shared profile of person on d, which must be there.
func spaceOf(t *testing.T, d *device, srv *spaceServer, person string) *Space {
	t.Helper()
	sp, err := SpaceOf(ctx, d.s, opts(srv.Server), person)
	if err != nil || sp == nil {
		t.Fatalf("no shared profile of the person here: %v %v", sp, err)
	}
	return sp
}

// lastEpoch is the epoch the space log's newest envelope is sealed with.
func lastEpoch(t *testing.T, sp *Space) uint32 {
	t.Helper()
	var p syncproto.Pull
	if err := sp.c.json(ctx, "GET", syncproto.PullPath(sp.ID(), 0, 0), nil, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) == 0 {
		t.Fatal("the space's log is empty")
	}
	n, _ := epochOf(p.Entries[len(p.Entries)-1].Ciphertext)
	return n
}

// TestShareFromEveryOwnerDevice: a profile shared on one of the owner's
// devices is the same shared profile on the owner's other devices (its
// keys come with the owner's own vault sync): invited to, listed, revoked
// and stopped from either.
func TestShareFromEveryOwnerDevice(t *testing.T) {
	srv := newSpaceServer(t)
	a := newSharer(t, srv.Server)
	spaceSync(t, a.sp)
	syncNow(t, a.device)
	b := second(t, srv.Server, a.device)

	bsp := spaceOf(t, b, srv, a.sam)
	if bsp.ID() != a.sp.ID() {
		t.Fatal("the owner's other device has another space")
	}
	if i, err := bsp.Info(ctx); err != nil || !i.Owner {
		t.Fatalf("the other device's info %+v %v", i, err)
	}
	if sp, err := ShareProfile(ctx, b.s, opts(srv.Server), a.sam); !errors.Is(err, ErrAlreadyShared) || sp == nil || sp.ID() != a.sp.ID() {
		t.Fatalf("sharing again on the other device: %v %v", sp, err)
	}
	if all, _ := Spaces(ctx, b.s, opts(srv.Server)); len(all) != 1 {
		t.Fatalf("the other device lists %d spaces", len(all))
	}

	// A changes the child after B's vault sync: the space has it, B's
	// vault not yet. B's first Sync takes the space's version and pushes
	// nothing back: no conflict, no second copy of every record.
	edit(t, a.device, a.samEntry, "Mustard")
	spaceSync(t, a.sp)
	syncNow(t, a.device)
	if r := spaceSync(t, bsp); r.Pushed != 0 || r.Conflicts != 0 || r.Rejected != 0 {
		t.Fatalf("the other owner device's first sync: %+v", r)
	}
	if got := title(t, b, a.samEntry); got != "Mustard" {
		t.Fatalf("the other owner device shows %q", got)
	}
	if len(b.s.Conflicts(a.samEntry)) != 0 {
		t.Fatal("a conflict copy on the other owner device")
	}
	if i, _ := bsp.Info(ctx); i.Waiting != 0 {
		t.Fatalf("the other owner device has %d changes waiting", i.Waiting)
	}
	// Nor does its vault sync send the person's records again: only the
	// one that came changed from the space is marked.
	if st, err := b.e.Status(ctx); err != nil || st.Waiting != 1 {
		t.Fatalf("the other owner device's vault sync has %d waiting (%v)", st.Waiting, err)
	}

	// B invites; the members join and sync; B's edit reaches them.
	bs := &sharer{device: b, sam: a.sam, samEntry: a.samEntry, ana: a.ana, sp: bsp}
	stay := newJoiner(t, srv.Server, bs, RoleRead, "Bea Stays")
	gone := newJoiner(t, srv.Server, bs, RoleCoManage, "Carl Gone")
	if r := spaceSync(t, stay.sp); r.Pulled != 3 || r.Rejected != 0 {
		t.Fatalf("member's first sync %+v", r)
	}
	spaceSync(t, gone.sp)
	edit(t, b, a.samEntry, "Tree nuts")
	if r := spaceSync(t, bsp); r.Pushed != 1 {
		t.Fatalf("the other owner device's edit %+v", r)
	}
	spaceSync(t, stay.sp)
	spaceSync(t, gone.sp)
	for _, m := range []*joiner{stay, gone} {
		if got := title(t, m.device, a.samEntry); got != "Tree nuts" {
			t.Fatalf("member shows %q", got)
		}
	}
	// A lists the members B invited.
	ms, err := a.sp.Members(ctx)
	if err != nil || len(ms) != 2 {
		t.Fatalf("members on the first device %+v %v", ms, err)
	}
	var goneID string
	for _, m := range ms {
		if m.Name == "Carl Gone" {
			goneID = m.Device
		}
	}
	if goneID == "" {
		t.Fatalf("members %+v", ms)
	}

	// B removes a member. A changes the child before its vault sync
	// brings the new epoch: sealed with the old one, the members skip it;
	// after the vault sync A sends it again, sealed with the new one.
	spaceSync(t, a.sp) // A has B's change
	if err := bsp.Revoke(ctx, goneID); err != nil {
		t.Fatal(err)
	}
	if _, err := gone.sp.Sync(ctx); !errors.Is(err, ErrRemoved) {
		t.Fatalf("removed member's sync: %v", err)
	}
	edit(t, a.device, a.samEntry, "Kiwi")
	if r := spaceSync(t, a.sp); r.Pushed != 1 || lastEpoch(t, a.sp) != 1 {
		t.Fatalf("first device's push before its vault sync %+v", r)
	}
	if r := spaceSync(t, stay.sp); r.Rejected != 1 {
		t.Fatalf("remaining member took a change sealed with the old epoch: %+v", r)
	}
	syncNow(t, b)
	syncNow(t, a.device)
	if r := spaceSync(t, a.sp); r.Pushed != 1 || lastEpoch(t, a.sp) != 2 {
		t.Fatalf("the first device's sync after the vault's %+v", r)
	}
	if r := spaceSync(t, stay.sp); r.Pulled != 1 || r.Rejected != 0 {
		t.Fatalf("remaining member %+v", r)
	}
	if got := title(t, stay.device, a.samEntry); got != "Kiwi" {
		t.Fatalf("remaining member shows %q", got)
	}
	edit(t, a.device, a.samEntry, "Soy")
	if r := spaceSync(t, a.sp); r.Pushed != 1 {
		t.Fatalf("first device's push %+v", r)
	}
	if n := lastEpoch(t, a.sp); n != 2 {
		t.Fatalf("the first device sealed with epoch %d after the other's revoke", n)
	}
	if r := spaceSync(t, stay.sp); r.Pulled != 1 || r.Rejected != 0 {
		t.Fatalf("remaining member %+v", r)
	}
	if got := title(t, stay.device, a.samEntry); got != "Soy" {
		t.Fatalf("remaining member shows %q", got)
	}
	if got := title(t, gone.device, a.samEntry); got != "Tree nuts" {
		t.Fatalf("removed member shows %q", got)
	}
	// B skips A's change sealed with the old epoch, as the members do.
	if r := spaceSync(t, bsp); r.Pulled != 1 || r.Rejected != 1 || r.Pushed != 0 {
		t.Fatalf("the other owner device after the first's change %+v", r)
	}

	// The keys record: never in the book nor an export, never counted
	// damaged, never in a space.
	kid := keysID(a.sp.ID())
	for _, d := range []*device{a.device, b} {
		if _, err := d.s.Vault().Header(kid); err != nil {
			t.Fatalf("no keys record: %v", err)
		}
		if n := d.s.Corrupt(); n != 0 {
			t.Fatalf("%d records read as damaged", n)
		}
		if _, ok := d.s.Book().Get(kid); ok {
			t.Fatal("the keys record is an entry")
		}
		data, err := d.s.Data(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(data.Profiles) != 2 {
			t.Fatalf("the export holds %d profiles", len(data.Profiles))
		}
		for _, e := range data.Entries {
			if e.ID == kid {
				t.Fatal("the keys record is in an export")
			}
		}
		for _, f := range data.Files {
			if f.ID == kid {
				t.Fatal("the keys record is in an export")
			}
		}
		for _, q := range data.Questions {
			if q.ID == kid {
				t.Fatal("the keys record is in an export")
			}
		}
	}
	for _, m := range []*joiner{stay, gone} {
		if _, err := m.s.Vault().Header(kid); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("the owner's keys reached a member: %v", err)
		}
	}

	// B stops sharing: after the vault sync A forgets the space too.
	if err := bsp.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	syncNow(t, b)
	syncNow(t, a.device)
	if sp, err := SpaceOf(ctx, a.s, opts(srv.Server), a.sam); sp != nil || err != nil {
		t.Fatalf("the first device still has the space: %v", err)
	}
	if _, err := a.sp.Sync(ctx); !errors.Is(err, ErrRemoved) {
		t.Fatalf("the first device's sync of a stopped space: %v", err)
	}
	if _, err := stay.sp.Sync(ctx); !errors.Is(err, ErrRemoved) {
		t.Fatalf("member of a stopped space: %v", err)
	}
	if _, ok := a.s.Book().Get(a.samEntry); !ok {
		t.Fatal("the owner's records went with the space")
	}
}

// TestShareKeysRecordForOlderSpace: a space shared before its keys were a
// vault record gets one at its next use, so the owner's other devices
// find it.
func TestShareKeysRecordForOlderSpace(t *testing.T) {
	srv := newSpaceServer(t)
	a := newSharer(t, srv.Server)
	st, err := loadSpace(ctx, a.s.Vault(), a.sp.ID())
	if err != nil {
		t.Fatal(err)
	}
	st.Kept = false
	if err := st.save(ctx, a.s.Vault()); err != nil {
		t.Fatal(err)
	}
	if err := dropKeys(ctx, a.s, a.sp.ID()); err != nil {
		t.Fatal(err)
	}
	spaceSync(t, a.sp)
	syncNow(t, a.device)
	b := second(t, srv.Server, a.device)
	if sp := spaceOf(t, b, srv, a.sam); sp.ID() != a.sp.ID() {
		t.Fatal("another space")
	}
}

// TestMergeEpochs: two owner devices that revoked at once made two epochs
// of one number; the record's (the one the vault's sync kept) wins, and
// what this device pushed since goes again, wrapped anew for everyone.
func TestMergeEpochs(t *testing.T) {
	mine, theirs := newEpochKey(2, 10), newEpochKey(2, 12)
	st := &spaceState{
		Epochs:  []epochKey{newEpochKey(1, 0), mine},
		Wrapped: map[string]uint32{"d1": 2},
		Recs:    map[string]*spaceRec{"before": {Sent: 9}, "after": {Sent: 11}, "pulled": {}},
	}
	rec := []epochKey{st.Epochs[0], theirs}
	changed, extra := mergeEpochs(st, rec)
	if !changed || extra {
		t.Fatalf("changed %v extra %v", changed, extra)
	}
	if e, _ := st.epoch(2); !bytes.Equal(e.Key, theirs.Key) || e.From != 12 {
		t.Fatal("this device's epoch 2 stayed")
	}
	if st.Wrapped != nil {
		t.Fatal("the members are not wrapped the kept key again")
	}
	if st.Recs["before"].Resend || !st.Recs["after"].Resend || st.Recs["pulled"].Resend {
		t.Fatalf("resend: %+v %+v %+v", st.Recs["before"], st.Recs["after"], st.Recs["pulled"])
	}
	// A newer epoch here that the record lacks: written again.
	st.Epochs = append(st.Epochs, newEpochKey(3, 20))
	if changed, extra := mergeEpochs(st, rec); changed || !extra {
		t.Fatalf("changed %v extra %v", changed, extra)
	}
	if changed, _ := mergeEpochs(st, rec); changed {
		t.Fatal("merging the same epochs again changes something")
	}
}
