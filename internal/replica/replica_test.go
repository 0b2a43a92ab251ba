//go:build !wasm

package replica

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/syncproto"
	"backpack/internal/syncserver"
	"backpack/internal/syncstore"
	"backpack/internal/vault"
)

const pass = "correct horse battery staple"

var ctx = context.Background()

type device struct {
	s     *session.Session
	store *vault.MemStore
	e     *Engine
}

// bothServers runs a test against the small fake of this package and
// against the real sync server (internal/syncserver over SQLite).
func bothServers(t *testing.T, test func(*testing.T, *httptest.Server)) {
	t.Run("fake", func(t *testing.T) {
		_, srv := newFake(t)
		test(t, srv)
	})
	t.Run("server", func(t *testing.T) { test(t, realServer(t)) })
}

func realServer(t testing.TB) *httptest.Server {
	st, err := syncstore.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	api, err := syncserver.New(syncserver.Config{Store: st, RequestsPerMinute: -1, CreatesPerHour: 1000})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(syncproto.Path+"/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func opts(srv *httptest.Server) Options {
	return Options{Origin: srv.URL, HTTP: fetch.HTTP(srv.Client())}
}

// first makes a vault with one person and one entry, and turns sync on.
func first(t *testing.T, srv *httptest.Server) (*device, string, string) {
	t.Helper()
	store := vault.NewMemStore()
	s, _, err := session.Create(ctx, store, pass)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Example", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	en, err := s.SaveEntry(ctx, allergy(t, p.ID, "Penicillin"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Enable(ctx, s, opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	return &device{s: s, store: store, e: e}, p.ID, en.ID
}

// second adds a device with a pairing code from d.
func second(t *testing.T, srv *httptest.Server, d *device) *device {
	t.Helper()
	inv, err := d.e.Invite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j, err := StartJoin(ctx, inv.Code, opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	store := vault.NewMemStore()
	if _, err := j.Unlock(ctx, store, "not it"); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	v, err := j.Unlock(ctx, store, pass)
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.Open(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(ctx, s, opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	syncNow(t, &device{s: s, e: e})
	return &device{s: s, store: store, e: e}
}

func syncNow(t *testing.T, d *device) Result {
	t.Helper()
	r, err := d.e.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func allergy(t *testing.T, profile, what string) record.Entry {
	t.Helper()
	r, err := fhir.Parse([]byte(`{"resourceType":"AllergyIntolerance","id":"a1","code":{"text":"` + what + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	return record.Entry{Profile: profile, Resource: r}
}

func edit(t *testing.T, d *device, id, what string) {
	t.Helper()
	e, err := d.s.Full(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.Resource, err = fhir.Parse([]byte(`{"resourceType":"AllergyIntolerance","id":"a1","code":{"text":"` + what + `"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.s.SaveEntry(ctx, e); err != nil {
		t.Fatal(err)
	}
}

func title(t *testing.T, d *device, id string) string {
	t.Helper()
	e, ok := d.s.Book().Get(id)
	if !ok {
		t.Fatalf("entry %s missing", id)
	}
	return e.Title
}

func TestAddDeviceAndSync(t *testing.T) { bothServers(t, addDeviceAndSync) }

func addDeviceAndSync(t *testing.T, srv *httptest.Server) {
	a, pid, eid := first(t, srv)
	data := bytes.Repeat([]byte("x-ray bytes "), vault.ChunkSize/4) // 3 chunks
	f, err := a.s.AddFile(ctx, record.FileInfo{Profile: pid, Name: "scan.png", Type: "image/png"}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.s.AttachFiles(ctx, eid, []string{f.ID}); err != nil {
		t.Fatal(err)
	}
	if st, _ := a.e.Status(ctx); st.Waiting != 3 || !st.Synced.IsZero() {
		t.Fatalf("before the first sync: %+v", st)
	}
	if r := syncNow(t, a); r.Pushed != 3 || r.Files != 1 {
		t.Fatalf("first push: %+v", r)
	}
	if st, _ := a.e.Status(ctx); st.Waiting != 0 || st.Synced.IsZero() {
		t.Fatalf("after the first sync: %+v", st)
	}

	b := second(t, srv, a)
	if got := title(t, b, eid); got != "Penicillin" {
		t.Fatalf("second device shows %q", got)
	}
	if p, ok := b.s.Book().Profile(pid); !ok || p.Name != "Ana Example" {
		t.Fatalf("profile on the second device: %+v", p)
	}
	rc, err := b.s.OpenFile(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, data) {
		t.Fatal("the file differs on the second device")
	}

	// An edit on one device shows on the other.
	if _, err := b.s.AddNote(ctx, eid, "ask about amoxicillin"); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.e.Status(ctx); st.Waiting != 1 {
		t.Fatalf("waiting on b: %+v", st)
	}
	syncNow(t, b)
	if r := syncNow(t, a); r.Pulled != 1 {
		t.Fatalf("a pulled %+v", r)
	}
	if e, _ := a.s.Book().Get(eid); len(e.Notes) != 1 || e.Notes[0].Text != "ask about amoxicillin" {
		t.Fatalf("note on a: %+v", e.Notes)
	}
	// Deletions travel too.
	q, err := a.s.SaveQuestion(ctx, record.Question{Profile: pid, Provider: "Dr. Osei", Text: "Is it safe?"})
	if err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	syncNow(t, b)
	if len(b.s.Book().Questions(pid)) != 1 {
		t.Fatal("question did not reach b")
	}
	if err := a.s.DeleteQuestion(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	syncNow(t, b)
	if len(b.s.Book().Questions(pid)) != 0 {
		t.Fatal("deleted question still on b")
	}
	// Nothing is pushed twice.
	if r := syncNow(t, a); r.Pushed != 0 || r.Pulled != 0 {
		t.Fatalf("idle sync did %+v", r)
	}
}

func TestServerSeesNoPlaintext(t *testing.T) {
	fake, srv := newFake(t)
	a, _, eid := first(t, srv)
	if _, err := a.s.AddNote(ctx, eid, "my secret takeaway"); err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	for _, fv := range fake.vaults {
		for _, en := range fv.log {
			for _, s := range []string{"Penicillin", "Ana", "takeaway", eid, "AllergyIntolerance"} {
				if bytes.Contains(en.Ciphertext, []byte(s)) || bytes.Contains(en.ID, []byte(s)) {
					t.Fatalf("the server's log shows %q", s)
				}
			}
		}
	}
}

func TestConflictKeepsBoth(t *testing.T) { bothServers(t, conflictKeepsBoth) }

func conflictKeepsBoth(t *testing.T, srv *httptest.Server) {
	a, _, eid := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)
	// Both change the entry while apart; b also adds a note, a a flag.
	edit(t, a, eid, "Penicillin V")
	if err := a.s.SetFlag(ctx, eid, &record.ErrorFlag{Note: "not me"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	edit(t, b, eid, "Amoxicillin")
	if _, err := b.s.AddNote(ctx, eid, "from b"); err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	if r := syncNow(t, b); r.Conflicts != 1 {
		t.Fatalf("b found %+v", r)
	}
	syncNow(t, a)
	for _, d := range []*device{a, b} {
		e, _ := d.s.Book().Get(eid)
		cs := d.s.Conflicts(eid)
		if e.Title != "Amoxicillin" || len(cs) != 1 || cs[0].Entry.Title != "Penicillin V" {
			t.Fatalf("entry %q, copies %+v", e.Title, cs)
		}
		if len(e.Notes) != 1 || e.Flag == nil {
			t.Fatalf("notes %+v flag %+v not merged", e.Notes, e.Flag)
		}
		if _, ok := d.s.Book().Get(cs[0].ID); ok {
			t.Fatal("the conflict copy shows as an entry of its own")
		}
	}
	// Keep that one (a's version) on b: both devices settle on it.
	if err := b.s.KeepVersion(ctx, eid, b.s.Conflicts(eid)[0].ID, true); err != nil {
		t.Fatal(err)
	}
	syncNow(t, b)
	syncNow(t, a)
	for _, d := range []*device{a, b} {
		e, _ := d.s.Book().Get(eid)
		if e.Title != "Penicillin V" || len(d.s.Conflicts(eid)) != 0 || len(e.Notes) != 1 || e.Flag == nil {
			t.Fatalf("after keeping: %q copies %d notes %d", e.Title, len(d.s.Conflicts(eid)), len(e.Notes))
		}
	}
}

func TestMergeNotesFlagsFilesWithoutConflict(t *testing.T) { bothServers(t, mergeWithoutConflict) }

func mergeWithoutConflict(t *testing.T, srv *httptest.Server) {
	a, pid, eid := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)
	if _, err := a.s.AddNote(ctx, eid, "from a"); err != nil {
		t.Fatal(err)
	}
	f, err := b.s.AddFile(ctx, record.FileInfo{Profile: pid, Name: "letter.pdf", Type: "application/pdf"}, strings.NewReader("%PDF-1.4 letter"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.s.AttachFiles(ctx, eid, []string{f.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.AddNote(ctx, eid, "from b"); err != nil {
		t.Fatal(err)
	}
	if err := b.s.SetFlag(ctx, eid, &record.ErrorFlag{Note: "wrong date"}); err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	if r := syncNow(t, b); r.Conflicts != 0 {
		t.Fatalf("a note on each side is no conflict: %+v", r)
	}
	syncNow(t, a)
	for _, d := range []*device{a, b} {
		e, _ := d.s.Book().Get(eid)
		var texts []string
		for _, n := range e.Notes {
			texts = append(texts, n.Text)
		}
		slices.Sort(texts)
		if !slices.Equal(texts, []string{"from a", "from b"}) || e.Flag == nil || !slices.Equal(e.Files, []string{f.ID}) {
			t.Fatalf("merged entry: notes %v flag %v files %v", texts, e.Flag, e.Files)
		}
		if len(d.s.Conflicts(eid)) != 0 {
			t.Fatal("conflict copy made for a merge")
		}
	}
	rc, err := a.s.OpenFile(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(rc); string(got) != "%PDF-1.4 letter" {
		t.Fatalf("file on a: %q", got)
	}
}

func TestDeleteWinsOnlyAfterEdit(t *testing.T) { bothServers(t, deleteWinsOnlyAfterEdit) }

func deleteWinsOnlyAfterEdit(t *testing.T, srv *httptest.Server) {
	clock := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) func() time.Time { return func() time.Time { return clock.Add(d) } }
	a, _, eid := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)

	// a moves it to the trash at 9:01, b edits it at 9:02: the edit wins.
	a.s.SetClock(at(time.Minute))
	if err := a.s.DeleteEntry(ctx, eid); err != nil {
		t.Fatal(err)
	}
	b.s.SetClock(at(2 * time.Minute))
	edit(t, b, eid, "Penicillin G")
	syncNow(t, a)
	syncNow(t, b)
	syncNow(t, a)
	for _, d := range []*device{a, b} {
		if e, _ := d.s.Book().Get(eid); !e.Deleted.IsZero() || e.Title != "Penicillin G" {
			t.Fatalf("edit after delete: deleted %v title %q", e.Deleted, e.Title)
		}
	}
	// b edits at 9:03, a deletes at 9:04: the deletion wins.
	b.s.SetClock(at(3 * time.Minute))
	edit(t, b, eid, "Penicillin H")
	a.s.SetClock(at(4 * time.Minute))
	if err := a.s.DeleteEntry(ctx, eid); err != nil {
		t.Fatal(err)
	}
	syncNow(t, b)
	syncNow(t, a)
	syncNow(t, b)
	for _, d := range []*device{a, b} {
		if e, _ := d.s.Book().Get(eid); e.Deleted.IsZero() {
			t.Fatal("delete after edit lost")
		}
	}
}

func TestTamperedOrRolledBackLogDetected(t *testing.T) {
	fake, srv := newFake(t)
	a, _, eid := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)
	if _, err := a.s.AddNote(ctx, eid, "one"); err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	fake.tamper = func(p *syncproto.Pull) {
		if len(p.Entries) > 0 {
			p.Entries[0].Ciphertext = bytes.Clone(p.Entries[0].Ciphertext)
			p.Entries[0].Ciphertext[30] ^= 1
		}
	}
	if _, err := b.e.Sync(ctx); !errors.Is(err, syncproto.ErrTampered) {
		t.Fatalf("altered entry: %v", err)
	}
	if e, _ := b.s.Book().Get(eid); len(e.Notes) != 0 {
		t.Fatal("an altered entry was applied")
	}
	fake.tamper = nil
	syncNow(t, b)
	// Roll back: the server serves the log as it was before the last push.
	fake.tamper = func(p *syncproto.Pull) {
		fv := fake.vaults[b.e.seal.vault]
		p.Entries = nil
		p.Head = fv.heads[0]
	}
	if _, err := b.e.Sync(ctx); !errors.Is(err, syncproto.ErrRollback) {
		t.Fatalf("rolled back log: %v", err)
	}
}

func TestOfflineNeverBlocksEdits(t *testing.T) { bothServers(t, offlineNeverBlocksEdits) }

func offlineNeverBlocksEdits(t *testing.T, srv *httptest.Server) {
	a, _, eid := first(t, srv)
	syncNow(t, a)
	srv.Close()
	if _, err := a.s.AddNote(ctx, eid, "written offline"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.e.Sync(ctx); !errors.Is(err, ErrOffline) {
		t.Fatalf("sync with the server down: %v", err)
	}
	if st, _ := a.e.Status(ctx); st.Waiting != 1 {
		t.Fatalf("waiting %d", st.Waiting)
	}
}

func TestRemovedDeviceLosesAccess(t *testing.T) { bothServers(t, removedDeviceLosesAccess) }

func removedDeviceLosesAccess(t *testing.T, srv *httptest.Server) {
	a, _, _ := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)
	ds, err := a.e.Devices(ctx)
	if err != nil || len(ds) != 2 {
		t.Fatalf("devices %v %v", ds, err)
	}
	for _, d := range ds {
		if !d.This {
			if err := a.e.RemoveDevice(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := b.e.Sync(ctx); code(err) != syncproto.CodeUnauthorized {
		t.Fatalf("removed device synced: %v", err)
	}
}

func TestPairingCode(t *testing.T) { bothServers(t, pairingCode) }

func pairingCode(t *testing.T, srv *httptest.Server) {
	a, _, _ := first(t, srv)
	syncNow(t, a)
	inv, err := a.e.Invite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Code) != 19 {
		t.Fatalf("code %q is not four groups of four", inv.Code)
	}
	if _, err := parseCode(inv.Code[:18]); err == nil {
		t.Fatal("a code missing a character was read")
	}
	// Other changes pushed after the code (the hand-off is no longer near
	// the log's end): it still works.
	for i := range 70 {
		if _, err := a.s.SaveQuestion(ctx, record.Question{Profile: "p", Text: fmt.Sprint("question ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	syncNow(t, a)
	// Typed in lower case with spaces and an O for a 0, it still works.
	typed := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(inv.Code, "-", " "), "0", "O"))
	if _, err := StartJoin(ctx, typed, opts(srv)); err != nil {
		t.Fatal(err)
	}
	// Used once only.
	if _, err := StartJoin(ctx, inv.Code, opts(srv)); !errors.Is(err, ErrBadCode) {
		t.Fatalf("second use: %v", err)
	}
	// A wrong secret is refused.
	bad := inv.Code[:len(inv.Code)-1] + "0"
	if bad == inv.Code {
		bad = inv.Code[:len(inv.Code)-1] + "1"
	}
	if _, err := StartJoin(ctx, bad, opts(srv)); !errors.Is(err, ErrBadCode) {
		t.Fatalf("wrong code: %v", err)
	}
}

func TestFilesResume(t *testing.T) {
	fake, srv := newFake(t)
	a, pid, _ := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)
	data := bytes.Repeat([]byte("0123456789abcdef"), vault.ChunkSize/16*3+100) // 4 chunks
	f, err := a.s.AddFile(ctx, record.FileInfo{Profile: pid, Name: "ct.dcm", Type: "application/dicom"}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// The upload breaks at chunk 2: the record is not pushed without its file.
	fake.failChunk = func(m string, i int) bool { return m == "PUT" && i == 2 }
	if _, err := a.e.Sync(ctx); err == nil {
		t.Fatal("sync with a broken upload succeeded")
	}
	if fake.puts != 3 { // chunks are sent side by side: 0, 1 and 3 arrived
		t.Fatalf("%d chunks sent before the break", fake.puts)
	}
	fake.failChunk = nil
	syncNow(t, a)
	if fake.puts != 4 {
		t.Fatalf("resumed upload sent %d chunks in all, want 4 (each once)", fake.puts)
	}
	// The download breaks at chunk 3, then resumes with chunk 3 only.
	fake.failChunk = func(m string, i int) bool { return m == "GET" && i == 3 }
	if _, err := b.e.Sync(ctx); err == nil {
		t.Fatal("sync with a broken download succeeded")
	}
	if _, ok := b.s.Book().File(f.ID); ok {
		t.Fatal("the file's record landed before its bytes")
	}
	fake.failChunk = nil
	gets := fake.gets
	syncNow(t, b)
	if fake.gets-gets != 1 {
		t.Fatalf("resumed download fetched %d chunks, want 1", fake.gets-gets)
	}
	rc, err := b.s.OpenFile(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(rc); !bytes.Equal(got, data) {
		t.Fatal("resumed file differs")
	}
}

// editFirst is a device whose person edits just as a pull is stored.
type editFirst struct {
	*session.Session
	edit func()
}

func (l *editFirst) Apply(ctx context.Context, fn func() ([]string, error)) error {
	if f := l.edit; f != nil {
		l.edit = nil
		f()
	}
	return l.Session.Apply(ctx, fn)
}

func TestEditDuringSyncIsKept(t *testing.T) {
	_, srv := newFake(t)
	a, _, eid := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)
	edit(t, b, eid, "Amoxicillin")
	syncNow(t, b)
	// a's engine read its changes (none) before this edit lands.
	l := &editFirst{Session: a.s, edit: func() { edit(t, a, eid, "Penicillin V") }}
	e, err := Open(ctx, l, opts(srv))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := e.Sync(ctx); err != nil || r.Conflicts != 1 {
		t.Fatalf("sync %+v %v", r, err)
	}
	titles := []string{title(t, a, eid)}
	for _, c := range a.s.Conflicts(eid) {
		titles = append(titles, c.Entry.Title)
	}
	slices.Sort(titles)
	if !slices.Equal(titles, []string{"Amoxicillin", "Penicillin V"}) {
		t.Fatalf("versions kept: %v", titles)
	}
}

// A new passphrase or recovery key made on one device opens the others.
func TestNewPassphraseReachesOtherDevices(t *testing.T) {
	_, srv := newFake(t)
	a, _, _ := first(t, srv)
	syncNow(t, a)
	b := second(t, srv, a)
	const next = "a brand new passphrase for every device"
	if err := a.s.ChangePassphrase(ctx, next); err != nil {
		t.Fatal(err)
	}
	if st, _ := a.e.Status(ctx); st.Waiting != 1 {
		t.Fatalf("waiting after a new passphrase: %d", st.Waiting)
	}
	syncNow(t, a)
	syncNow(t, b)
	if _, err := session.Unlock(ctx, b.store, pass); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("old passphrase on b: %v", err)
	}
	s, err := session.Unlock(ctx, b.store, next)
	if err != nil {
		t.Fatal(err)
	}
	s.Lock()
}
