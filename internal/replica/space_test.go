//go:build !wasm

package replica

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/syncproto"
	"backpack/internal/syncserver"
	"backpack/internal/syncstore"
	"backpack/internal/vault"
)

// spaceServer is realServer with its store's folder (to read what it
// holds) and a clock that can be moved on (expired invitations).
type spaceServer struct {
	*httptest.Server
	dir   string
	ahead atomic.Int64 // seconds the server's clock is ahead
}

func newSpaceServer(t *testing.T) *spaceServer {
	t.Helper()
	s := &spaceServer{dir: t.TempDir()}
	st, err := syncstore.OpenSQLite(ctx, s.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := func() time.Time { return time.Now().Add(time.Duration(s.ahead.Load()) * time.Second) }
	api, err := syncserver.New(syncserver.Config{Store: st, RequestsPerMinute: -1, CreatesPerHour: 1000, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(syncproto.Path+"/", api)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// raw is everything the server's store holds, as bytes.
func (s *spaceServer) raw(t *testing.T) []byte {
	t.Helper()
	var all []byte
	filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			all = append(all, b...)
		}
		return nil
	})
	return all
}

// sharer is an owner's device: its own person (Ana), a child (Sam) with an
// entry and a question, sync on.
type sharer struct {
	*device
	sam, samEntry, ana string
	sp                 *Space
}

func newSharer(t *testing.T, srv *httptest.Server) *sharer {
	t.Helper()
	d, ana, _ := first(t, srv)
	sam, err := d.s.SaveProfile(ctx, record.Profile{Name: "Sam Example", Relationship: "child"})
	if err != nil {
		t.Fatal(err)
	}
	en, err := d.s.SaveEntry(ctx, allergy(t, sam.ID, "Peanuts"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.s.SaveQuestion(ctx, record.Question{Profile: sam.ID, Provider: "Dr. Osei", Text: "Is the rash from peanuts?"}); err != nil {
		t.Fatal(err)
	}
	syncNow(t, d)
	sp, err := ShareProfile(ctx, d.s, opts(srv), sam.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &sharer{device: d, sam: sam.ID, samEntry: en.ID, ana: ana, sp: sp}
}

// joiner is another person's vault (Bea's own record, sync on) that
// joins the shared profile.
type joiner struct {
	*device
	bea string
	sp  *Space
}

func newJoiner(t *testing.T, srv *httptest.Server, o *sharer, role Role, name string) *joiner {
	t.Helper()
	store := vault.NewMemStore()
	s, _, err := session.Create(ctx, store, pass)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.SaveProfile(ctx, record.Profile{Name: name, Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Enable(ctx, s, opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := o.sp.Invite(ctx, role, "Ana Owner", 0)
	if err != nil {
		t.Fatal(err)
	}
	j, err := StartJoinSpace(ctx, "https://backpack.example/join#"+inv.Code, opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	if j.OwnerName() != "Ana Owner" || j.Role() != role {
		t.Fatalf("invitation reads %q %q", j.OwnerName(), j.Role())
	}
	sp, err := j.Join(ctx, s, name)
	if err != nil {
		t.Fatal(err)
	}
	return &joiner{device: &device{s: s, store: store, e: e}, bea: p.ID, sp: sp}
}

func spaceSync(t *testing.T, sp *Space) Result {
	t.Helper()
	r, err := sp.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestShareJoinSyncBringsOnlyThePerson(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	if r := spaceSync(t, o.sp); r.Pushed != 3 {
		t.Fatalf("owner's first space sync: %+v", r)
	}
	if _, err := ShareProfile(ctx, o.s, opts(srv.Server), o.sam); !errors.Is(err, ErrAlreadyShared) {
		t.Fatalf("sharing twice: %v", err)
	}
	if _, err := ShareProfile(ctx, o.s, opts(srv.Server), "nobody"); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("sharing nobody: %v", err)
	}
	m := newJoiner(t, srv.Server, o, RoleRead, "Bea Member")
	if r := spaceSync(t, m.sp); r.Pulled != 3 || r.Rejected != 0 {
		t.Fatalf("member's first sync: %+v", r)
	}
	if p, ok := m.s.Book().Profile(o.sam); !ok || p.Name != "Sam Example" {
		t.Fatalf("Sam on the member's side: %+v %v", p, ok)
	}
	if got := title(t, m.device, o.samEntry); got != "Peanuts" {
		t.Fatalf("Sam's entry shows %q", got)
	}
	if len(m.s.Book().Questions(o.sam)) != 1 {
		t.Fatal("Sam's question did not come")
	}
	if _, ok := m.s.Book().Profile(o.ana); ok {
		t.Fatal("the owner's own profile reached the member")
	}
	if _, ok := m.s.Book().Get(o.samEntry); !ok {
		t.Fatal("entry missing")
	}
	if n := len(m.s.Book().Profiles()); n != 2 {
		t.Fatalf("member holds %d profiles, want Bea and Sam", n)
	}
	i, err := m.sp.Info(ctx)
	if err != nil || i.Owner || i.OwnerName != "Ana Owner" || i.Role != RoleRead || i.State != SpaceActive || i.Synced.IsZero() || i.Profile != o.sam {
		t.Fatalf("member's info %+v %v", i, err)
	}
	ms, err := o.sp.Members(ctx)
	if err != nil || len(ms) != 1 || ms[0].Name != "Bea Member" || ms[0].Role != RoleRead {
		t.Fatalf("members %+v %v", ms, err)
	}
	if _, err := m.sp.Members(ctx); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("a member listing members: %v", err)
	}
	if _, err := m.sp.Invite(ctx, RoleRead, "x", 0); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("a member inviting: %v", err)
	}
	// Nothing goes twice; the owner's edit reaches the member.
	if r := spaceSync(t, o.sp); r.Pushed != 0 || r.Pulled != 0 {
		t.Fatalf("idle owner sync %+v", r)
	}
	edit(t, o.device, o.samEntry, "Tree nuts")
	if i, _ := o.sp.Info(ctx); i.Waiting != 1 {
		t.Fatalf("owner waiting %d", i.Waiting)
	}
	spaceSync(t, o.sp)
	spaceSync(t, m.sp)
	if got := title(t, m.device, o.samEntry); got != "Tree nuts" {
		t.Fatalf("owner's edit shows %q on the member", got)
	}
	// The owner's other person changes: never the member's.
	if _, err := o.s.SaveEntry(ctx, allergy(t, o.ana, "Latex")); err != nil {
		t.Fatal(err)
	}
	if r := spaceSync(t, o.sp); r.Pushed != 0 {
		t.Fatalf("the owner's own entry went to the space: %+v", r)
	}
	// The member's own vault sync does not carry Sam, even after a second
	// device of the member's vault joins.
	syncNow(t, m.device)
	m2 := second(t, srv.Server, m.device)
	if _, ok := m2.s.Book().Profile(o.sam); ok {
		t.Fatal("Sam reached the member's own vault log")
	}
	if _, ok := m2.s.Book().Profile(m.bea); !ok {
		t.Fatal("the member's own record did not sync")
	}
}

func TestShareReadOnlyChangeRefused(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	spaceSync(t, o.sp)
	m := newJoiner(t, srv.Server, o, RoleRead, "Bea Member")
	spaceSync(t, m.sp)
	edit(t, m.device, o.samEntry, "Shellfish")
	if _, err := m.sp.Sync(ctx); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only member's change: %v", err)
	}
	if got := title(t, m.device, o.samEntry); got != "Shellfish" {
		t.Fatalf("the member's change is not kept here: %q", got)
	}
	if r := spaceSync(t, o.sp); r.Pulled != 0 {
		t.Fatalf("the server took a read-only member's push: %+v", r)
	}
	// Nor does the member's own vault sync carry it.
	syncNow(t, m.device)
	m2 := second(t, srv.Server, m.device)
	if _, ok := m2.s.Book().Get(o.samEntry); ok {
		t.Fatal("a member's change of Sam went into the member's vault log")
	}
	// A read-only member holds no write key: forcing a push with the
	// member's device fails at the server.
	if st, _ := loadSpace(ctx, m.s.Vault(), m.sp.ID()); st.Sign != nil {
		t.Fatal("a read-only member holds the write key")
	}
}

func TestShareCoManageBothWays(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	o2 := second(t, srv.Server, o.device) // the owner's other device
	spaceSync(t, o.sp)
	m := newJoiner(t, srv.Server, o, RoleCoManage, "Bea Member")
	spaceSync(t, m.sp)
	// The co-manager's edit reaches the owner, and the owner's other device.
	edit(t, m.device, o.samEntry, "Sesame")
	if r := spaceSync(t, m.sp); r.Pushed != 1 {
		t.Fatalf("co-manager's push %+v", r)
	}
	if r := spaceSync(t, o.sp); r.Pulled != 1 {
		t.Fatalf("owner pulled %+v", r)
	}
	if got := title(t, o.device, o.samEntry); got != "Sesame" {
		t.Fatalf("owner shows %q", got)
	}
	syncNow(t, o.device)
	syncNow(t, o2)
	if got := title(t, o2, o.samEntry); got != "Sesame" {
		t.Fatalf("owner's other device shows %q", got)
	}
	if r := spaceSync(t, o.sp); r.Pushed != 0 {
		t.Fatalf("the owner pushed the co-manager's change back: %+v", r)
	}
	// The owner's other device edits: through the owner's vault and the
	// space, to the co-manager.
	edit(t, o2, o.samEntry, "Mustard")
	syncNow(t, o2)
	syncNow(t, o.device)
	spaceSync(t, o.sp)
	spaceSync(t, m.sp)
	if got := title(t, m.device, o.samEntry); got != "Mustard" {
		t.Fatalf("co-manager shows %q", got)
	}
	// The co-manager adds a question; its own vault sync leaves it out.
	q, err := m.s.SaveQuestion(ctx, record.Question{Profile: o.sam, Provider: "Dr. Osei", Text: "Epinephrine at school?"})
	if err != nil {
		t.Fatal(err)
	}
	syncNow(t, m.device)
	spaceSync(t, m.sp)
	spaceSync(t, o.sp)
	if qs := o.s.Book().Questions(o.sam); len(qs) != 2 {
		t.Fatalf("owner holds %d questions", len(qs))
	}
	m2 := second(t, srv.Server, m.device)
	for _, x := range m2.s.Book().Questions("") {
		if x.ID == q.ID {
			t.Fatal("the co-manager's question of Sam went into the co-manager's vault log")
		}
	}
	if _, ok := m2.s.Book().Get(o.samEntry); ok {
		t.Fatal("Sam's entry went into the co-manager's vault log")
	}

	// Both change the entry while apart: both versions are kept, on both.
	edit(t, o.device, o.samEntry, "Kiwi")
	time.Sleep(2 * time.Millisecond)
	edit(t, m.device, o.samEntry, "Egg")
	spaceSync(t, o.sp)
	if r := spaceSync(t, m.sp); r.Conflicts != 1 {
		t.Fatalf("co-manager's merge %+v", r)
	}
	spaceSync(t, o.sp)
	for _, d := range []*device{o.device, m.device} {
		got := []string{title(t, d, o.samEntry)}
		for _, c := range d.s.Conflicts(o.samEntry) {
			got = append(got, c.Entry.Title)
		}
		if len(got) != 2 || !(got[0] == "Egg" && got[1] == "Kiwi" || got[0] == "Kiwi" && got[1] == "Egg") {
			t.Fatalf("versions kept: %v", got)
		}
	}
}

func TestShareFileResealed(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	data := bytes.Repeat([]byte("allergy test scan "), vault.ChunkSize/8) // 3 chunks
	f, err := o.s.AddFile(ctx, record.FileInfo{Profile: o.sam, Name: "scan.png", Type: "image/png"}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := o.s.AttachFiles(ctx, o.samEntry, []string{f.ID}); err != nil {
		t.Fatal(err)
	}
	if r := spaceSync(t, o.sp); r.Files != 1 {
		t.Fatalf("owner's push %+v", r)
	}
	m := newJoiner(t, srv.Server, o, RoleRead, "Bea Member")
	if r := spaceSync(t, m.sp); r.Files != 1 {
		t.Fatalf("member's pull %+v", r)
	}
	rc, err := m.s.OpenFile(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("the file differs on the member's side")
	}
	a, _ := o.s.Vault().RawChunk(ctx, f.ID, 0)
	b, _ := m.s.Vault().RawChunk(ctx, f.ID, 0)
	if a == nil || b == nil || bytes.Equal(a, b) {
		t.Fatal("the member's chunks are not sealed with the member's own key")
	}
	if bytes.Contains(srv.raw(t), a[12:60]) {
		t.Fatal("the owner's vault chunk reached the server as it is")
	}
}

func TestShareRevoke(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	spaceSync(t, o.sp)
	gone := newJoiner(t, srv.Server, o, RoleCoManage, "Carl Gone")
	stay := newJoiner(t, srv.Server, o, RoleRead, "Bea Stays")
	spaceSync(t, gone.sp)
	spaceSync(t, stay.sp)
	ms, err := o.sp.Members(ctx)
	if err != nil || len(ms) != 2 {
		t.Fatalf("members %+v %v", ms, err)
	}
	var goneID string
	for _, x := range ms {
		if x.Name == "Carl Gone" {
			goneID = x.Device
		}
	}
	late, err := o.sp.Invite(ctx, RoleRead, "Ana Owner", 0) // its blob holds epoch 1 only
	if err != nil {
		t.Fatal(err)
	}
	if err := o.sp.Revoke(ctx, goneID); err != nil {
		t.Fatal(err)
	}
	if _, err := gone.sp.Sync(ctx); !errors.Is(err, ErrRemoved) {
		t.Fatalf("removed member's sync: %v", err)
	}
	if i, _ := gone.sp.Info(ctx); i.State != SpaceRemoved {
		t.Fatalf("removed member's state %q", i.State)
	}
	if _, ok := gone.s.Book().Get(o.samEntry); !ok {
		t.Fatal("the removed member's copy went away")
	}
	// The owner's next change is sealed with the new epoch; the remaining
	// member opens it.
	edit(t, o.device, o.samEntry, "Soy")
	spaceSync(t, o.sp)
	if r := spaceSync(t, stay.sp); r.Pulled != 1 || r.Rejected != 0 {
		t.Fatalf("remaining member %+v", r)
	}
	if got := title(t, stay.device, o.samEntry); got != "Soy" {
		t.Fatalf("remaining member shows %q", got)
	}
	if got := title(t, gone.device, o.samEntry); got != "Peanuts" {
		t.Fatalf("removed member shows %q", got)
	}
	// A member who joins with an invitation older than the new epoch
	// waits for it (skips nothing), and gets it once the owner synced.
	ls, _, err := session.Create(ctx, vault.NewMemStore(), pass)
	if err != nil {
		t.Fatal(err)
	}
	lsp, err := JoinSpace(ctx, ls, opts(srv.Server), late.Code, "Lee Late")
	if err != nil {
		t.Fatal(err)
	}
	if r := spaceSync(t, lsp); r.Rejected != 0 || r.Pulled != 3 {
		t.Fatalf("late member before its key: %+v", r)
	}
	if e, _ := ls.Book().Get(o.samEntry); e.Title != "Peanuts" {
		t.Fatalf("late member shows %q", e.Title)
	}
	spaceSync(t, o.sp)
	if r := spaceSync(t, lsp); r.Rejected != 0 || r.Pulled != 1 {
		t.Fatalf("late member after its key: %+v", r)
	}
	if e, _ := ls.Book().Get(o.samEntry); e.Title != "Soy" {
		t.Fatalf("late member shows %q", e.Title)
	}
	ost, _ := loadSpace(ctx, o.s.Vault(), o.sp.ID())
	sst, _ := loadSpace(ctx, stay.s.Vault(), stay.sp.ID())
	if len(ost.Epochs) != 2 || len(sst.Epochs) != 2 {
		t.Fatalf("epochs: owner %d, member %d", len(ost.Epochs), len(sst.Epochs))
	}

	// The removed co-manager, with a colluding server (here: the owner's
	// device's access), appends an entry sealed with the old epoch and
	// signed with the write key it kept: nobody applies it.
	gst, _ := loadSpace(ctx, gone.s.Vault(), gone.sp.ID())
	h, b := editedEntry(t, gone.device, o.samEntry, "Forged")
	it := item{ID: o.samEntry, Header: h, Body: b, Time: time.Now()}
	eid := spaceEnvID(gst.Names, it.ID)
	ct, err := sealEpoch(gst.Epochs[0], spaceEnvAD(gst.ID, eid, false), encodeItem(it))
	if err != nil {
		t.Fatal(err)
	}
	chain := &syncproto.Chain{Vault: ost.ID, Key: ost.vaultKey(), Seq: ost.Seq, Hash: ost.Hash}
	p := chain.Push(gst.signKey(), []syncproto.Envelope{{ID: eid, Version: 99, Ciphertext: ct}})
	if err := o.sp.c.json(ctx, "POST", syncproto.LogPath(ost.ID), p, nil); err != nil {
		t.Fatal(err)
	}
	if r := spaceSync(t, stay.sp); r.Rejected != 1 || r.Pulled != 0 {
		t.Fatalf("remaining member took the stale envelope: %+v", r)
	}
	if r := spaceSync(t, o.sp); r.Rejected != 1 {
		t.Fatalf("owner took the stale envelope: %+v", r)
	}
	for _, d := range []*device{o.device, stay.device} {
		if got := title(t, d, o.samEntry); got != "Soy" {
			t.Fatalf("the forged change shows: %q", got)
		}
	}
}

// editedEntry is entry id of d changed to what, encoded, not stored.
func editedEntry(t *testing.T, d *device, id, what string) ([]byte, []byte) {
	t.Helper()
	e, err := d.s.Full(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.Resource = allergy(t, e.Profile, what).Resource
	e.Updated = time.Now()
	return record.EncodeEntry(e)
}

func TestShareServerSeesNoPlaintext(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	spaceSync(t, o.sp)
	m := newJoiner(t, srv.Server, o, RoleCoManage, "Bea Member")
	spaceSync(t, m.sp)
	edit(t, m.device, o.samEntry, "Sesame")
	spaceSync(t, m.sp)
	spaceSync(t, o.sp)
	raw := srv.raw(t)
	if !bytes.Contains(raw, []byte(m.sp.ID())) {
		t.Fatal("the raw store does not hold the space: the test reads the wrong place")
	}
	for _, s := range []string{"Sam Example", "Ana Owner", "Bea Member", "Peanuts", "Sesame", "Epinephrine", o.sam, o.samEntry, "AllergyIntolerance"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatalf("the server's store shows %q", s)
		}
	}
}

func TestShareBadCode(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	inv, err := o.sp.Invite(ctx, RoleRead, "Ana Owner", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bad := inv.Code[:len(inv.Code)-1] + "0"
	if bad == inv.Code {
		bad = inv.Code[:len(inv.Code)-1] + "1"
	}
	for _, c := range []string{bad, "hello", "", "https://x.example/#ABCD"} {
		if _, err := StartJoinSpace(ctx, c, opts(srv.Server)); !errors.Is(err, ErrBadCode) {
			t.Fatalf("code %q: %v", c, err)
		}
	}
	// A peek uses nothing up; a join does.
	m := newJoiner(t, srv.Server, o, RoleRead, "Bea Member") // another invitation
	j, err := StartJoinSpace(ctx, strings.ToLower(inv.Code), opts(srv.Server))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Join(ctx, m.s, "Bea again"); !errors.Is(err, ErrAlreadyShared) {
		t.Fatalf("joining a person held already: %v", err)
	}
	store := vault.NewMemStore()
	s, _, err := session.Create(ctx, store, pass)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Join(ctx, s, "Eve"); err != nil {
		t.Fatal(err)
	}
	if _, err := StartJoinSpace(ctx, inv.Code, opts(srv.Server)); !errors.Is(err, ErrBadCode) {
		t.Fatalf("used code: %v", err)
	}
	// Expired.
	inv2, err := o.sp.Invite(ctx, RoleCoManage, "Ana Owner", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	srv.ahead.Store(3600)
	if _, err := StartJoinSpace(ctx, inv2.Code, opts(srv.Server)); !errors.Is(err, ErrBadCode) {
		t.Fatalf("expired code: %v", err)
	}
}

func TestShareLeave(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	spaceSync(t, o.sp)
	m := newJoiner(t, srv.Server, o, RoleRead, "Bea Member")
	m2 := newJoiner(t, srv.Server, o, RoleRead, "Dee Member")
	spaceSync(t, m.sp)
	spaceSync(t, m2.sp)
	if err := m.sp.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if i, _ := m.sp.Info(ctx); i.State != SpaceRemoved {
		t.Fatalf("left: %+v", i)
	}
	if ms, _ := o.sp.Members(ctx); len(ms) != 1 {
		t.Fatalf("members after one left: %+v", ms)
	}
	// The owner stops sharing: the other member is removed.
	if err := o.sp.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if sp, _ := SpaceOf(ctx, o.s, opts(srv.Server), o.sam); sp != nil {
		t.Fatal("the owner still lists the space")
	}
	if _, err := m2.sp.Sync(ctx); !errors.Is(err, ErrRemoved) {
		t.Fatalf("member of a deleted space: %v", err)
	}
	if _, ok := m2.s.Book().Get(o.samEntry); !ok {
		t.Fatal("the records went with the space")
	}
	if _, ok := o.s.Book().Get(o.samEntry); !ok {
		t.Fatal("the owner's records went with the space")
	}
}

// A device whose clock is off is refused like a removed one: it is not
// marked removed for it.
func TestShareClockSkewIsNotRemoval(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	spaceSync(t, o.sp)
	m := newJoiner(t, srv.Server, o, RoleRead, "Bea Member")
	off := opts(srv.Server)
	off.Now = func() time.Time { return time.Now().Add(time.Hour) }
	sp, err := SpaceOf(ctx, m.s, off, o.sam)
	if err != nil || sp == nil {
		t.Fatal(sp, err)
	}
	if _, err := sp.Sync(ctx); err == nil || errors.Is(err, ErrRemoved) {
		t.Fatalf("skewed sync: %v", err)
	}
	if i, _ := m.sp.Info(ctx); i.State != SpaceActive {
		t.Fatalf("marked %q for a clock", i.State)
	}
	spaceSync(t, m.sp)
}

// TestShareFileMustMatchItsRecord: file chunks are sealed with an epoch key
// a removed member may still hold, so the bytes a member stores must hash
// to what the file's record says; others are refused and not kept.
func TestShareFileMustMatchItsRecord(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	data := bytes.Repeat([]byte("discharge letter "), 100)
	f, err := o.s.AddFile(ctx, record.FileInfo{Profile: o.sam, Name: "letter.pdf", Type: "application/pdf"}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := o.s.AttachFiles(ctx, o.samEntry, []string{f.ID}); err != nil {
		t.Fatal(err)
	}
	spaceSync(t, o.sp)
	m := newJoiner(t, srv.Server, o, RoleRead, "Bea Member")
	st, err := loadSpace(ctx, m.s.Vault(), m.sp.ID())
	if err != nil {
		t.Fatal(err)
	}
	forged := f
	forged.SHA256 = strings.Repeat("0", 64)
	var res Result
	if err := m.sp.fetchFile(ctx, st, forged, &res); err != nil {
		t.Fatal(err)
	}
	if res.Rejected != 1 || res.Files != 0 {
		t.Fatalf("bytes that do not match their record: %+v", res)
	}
	if has, _ := m.s.Vault().HasRawChunks(ctx, f.ID, vault.ChunkCount(f.Size)); slices.Contains(has, true) {
		t.Fatal("bytes that do not match their record were kept")
	}
	res = Result{}
	if err := m.sp.fetchFile(ctx, st, f, &res); err != nil || res.Files != 1 {
		t.Fatalf("the true file: %+v %v", res, err)
	}
}

// TestSpaceInfoFollowsEdits: Info is kept between calls (the app asks every
// few seconds) but never shows a stale count of changes waiting: an edit
// of the person, and a sync, show at once.
func TestSpaceInfoFollowsEdits(t *testing.T) {
	srv := newSpaceServer(t)
	o := newSharer(t, srv.Server)
	waiting := func(want int) {
		t.Helper()
		i, err := o.sp.Info(ctx)
		if err != nil || i.Waiting != want {
			t.Fatalf("waiting %d (%v), want %d", i.Waiting, err, want)
		}
	}
	spaceSync(t, o.sp)
	waiting(0)
	edit(t, o.device, o.samEntry, "Tree nuts")
	waiting(1)
	waiting(1)
	// A second edit of the same entry is still one change waiting.
	edit(t, o.device, o.samEntry, "Tree nuts and peanuts")
	waiting(1)
	spaceSync(t, o.sp)
	waiting(0)
}

// TestSpaceRecsForm: a space's records round-trip through their binary
// form; the JSON object of earlier builds still reads; a cut or foreign
// form is refused, never half-read.
func TestSpaceRecsForm(t *testing.T) {
	in := spaceRecs{
		"a":            {Version: 1, Head: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, Base: [8]byte{9}, Sent: 300},
		"conflict.b.c": {Version: 1 << 40, Pulled: [8]byte{0xff, 0, 0xff}, Resend: true},
	}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out spaceRecs
	if err := json.Unmarshal(raw, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %v %+v", err, out)
	}
	old := `{"a":{"v":1,"h":[1,2,3,4,5,6,7,8],"b":[9,0,0,0,0,0,0,0],"s":300},"conflict.b.c":{"v":1099511627776,"h":[0,0,0,0,0,0,0,0],"b":[0,0,0,0,0,0,0,0],"p":[255,0,255,0,0,0,0,0],"r":true}}`
	out = nil
	if err := json.Unmarshal([]byte(old), &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("earlier form: %v %+v", err, out)
	}
	var b []byte
	json.Unmarshal(raw, &b)
	for _, bad := range [][]byte{b[:len(b)-1], b[:5], append([]byte{9}, b[1:]...), nil} {
		enc, _ := json.Marshal(bad)
		if err := json.Unmarshal(enc, &out); err == nil {
			t.Errorf("%x read as %+v", bad, out)
		}
	}
}

// BenchmarkSpaceState9300: reading a space's state of a long history's
// records, which the app does every few seconds (ns/op, and x-json-form:
// its ratio to the JSON object form of earlier builds).
func BenchmarkSpaceState9300(b *testing.B) {
	st := &spaceState{Device: make([]byte, 32), Epochs: []epochKey{{N: 1}}, Recs: spaceRecs{}}
	for i := range 9300 {
		st.Recs[strings.Repeat("0", 20)+strconv.Itoa(i)] = &spaceRec{Version: 3, Head: [8]byte{1}, Base: [8]byte{2}}
	}
	raw, _ := json.Marshal(st)
	b.ReportMetric(float64(len(raw)), "state-bytes")
	// The JSON object form earlier builds wrote, timed in the same run: the
	// row's budget is a ratio to it (≤ 0.3).
	legacy, _ := json.Marshal(map[string]*spaceRec(st.Recs))
	t0 := time.Now()
	for range 5 {
		var m spaceRecs
		json.Unmarshal(legacy, &m)
	}
	old := time.Since(t0) / 5
	t0 = time.Now()
	for b.Loop() {
		var s spaceState
		if err := json.Unmarshal(raw, &s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(t0))/float64(b.N)/float64(old), "x-json-form")
}
