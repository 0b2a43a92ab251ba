package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backpack/internal/export"
	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// xpFailStore makes record writes fail on demand.
type xpFailStore struct {
	vault.Store
	failRecords atomic.Bool
}

func (f *xpFailStore) Write(ctx context.Context, ops []vault.Op) error {
	if f.failRecords.Load() {
		for _, op := range ops {
			if op.Bucket == vault.BucketRecords && !op.Delete {
				return errors.New("disk full")
			}
		}
	}
	return f.Store.Write(ctx, ops)
}

func xpNewSession(t *testing.T, store vault.Store) *session.Session {
	t.Helper()
	s, _, err := session.Create(context.Background(), store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func xpResource(t *testing.T, js string) fhir.Resource {
	t.Helper()
	r, err := fhir.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// xpFill gives s two profiles with entries, notes, a flag, files and
// questions, and returns the bytes of the files by name.
func xpFill(t *testing.T, s *session.Session) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	ana, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Test", BirthDate: "1980-02-03", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	kid, err := s.SaveProfile(ctx, record.Profile{Name: "Leo Test", BirthDate: "2015", Relationship: "child", Created: time.Now().Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"scan.pdf":  []byte("%PDF-1.4 fake pdf bytes\x00\x01\x02"),
		"photo.jpg": bytes.Repeat([]byte{0xff, 0xd8, 0x00, 0x42}, 5000),
	}
	pdf, err := s.AddFile(ctx, record.FileInfo{Profile: ana.ID, Name: "scan.pdf", Type: "application/pdf"}, bytes.NewReader(files["scan.pdf"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFile(ctx, record.FileInfo{Profile: kid.ID, Name: "photo.jpg", Type: "image/jpeg"}, bytes.NewReader(files["photo.jpg"])); err != nil {
		t.Fatal(err)
	}
	cond, err := s.SaveEntry(ctx, record.Entry{Profile: ana.ID, Resource: xpResource(t, `{"resourceType":"Condition","id":"c1","code":{"text":"Asthma"},"clinicalStatus":{"coding":[{"code":"active"}]},"onsetDateTime":"2010-05-01"}`)})
	if err != nil {
		t.Fatal(err)
	}
	lab, err := s.SaveEntry(ctx, record.Entry{Profile: ana.ID, Resource: xpResource(t, `{"resourceType":"Observation","id":"o1","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c"}]},"effectiveDateTime":"2024-01-02","valueQuantity":{"value":5.9,"unit":"%"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveEntry(ctx, record.Entry{Profile: kid.ID, Resource: xpResource(t, `{"resourceType":"Immunization","id":"i1","status":"completed","vaccineCode":{"text":"MMR"},"occurrenceDateTime":"2016-03-01"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddNote(ctx, cond.ID, "Worse in winter"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlag(ctx, lab.ID, &record.ErrorFlag{Note: "Wrong date"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AttachFiles(ctx, cond.ID, []string{pdf.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveQuestion(ctx, record.Question{Profile: ana.ID, Text: "Should I change inhalers?"}); err != nil {
		t.Fatal(err)
	}
	return files
}

func xpExportAll(t *testing.T, s *session.Session, pass string) []byte {
	t.Helper()
	ctx := context.Background()
	d, err := s.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	to, err := export.Passphrase(pass)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := export.Write(ctx, &buf, d, export.Selection{IncludeSummary: true}, s, to, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xpSnapshot describes a session's content without ids or times.
func xpSnapshot(t *testing.T, s *session.Session) []string {
	t.Helper()
	ctx := context.Background()
	d, err := s.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	var out []string
	for _, p := range d.Profiles {
		names[p.ID] = p.Name
		out = append(out, "profile "+p.Name+" "+p.BirthDate+" "+p.Relationship)
	}
	fileNames := map[string]string{}
	for _, f := range d.Files {
		fileNames[f.ID] = f.Name
		rc, err := s.OpenFile(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, "file "+names[f.Profile]+" "+f.Name+" "+f.Type+" "+f.SHA256+" "+string(b))
	}
	for _, e := range d.Entries {
		line := "entry " + names[e.Profile] + " " + string(e.Kind) + " " + e.Title + " " + string(e.Resource.JSON) + " " + e.Identity
		for _, n := range e.Notes {
			line += " note:" + n.Text
		}
		if e.Flag != nil {
			line += " flag:" + e.Flag.Note + "/" + e.Flag.Status
		}
		for _, f := range e.Files {
			line += " file:" + fileNames[f]
		}
		out = append(out, line)
	}
	for _, q := range d.Questions {
		out = append(out, "question "+names[q.Profile]+" "+q.Text)
	}
	sort.Strings(out)
	return out
}

func TestRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	file := xpExportAll(t, src, "maple-orbit-cactus")
	want := xpSnapshot(t, src)
	if len(want) != 8 {
		t.Fatalf("fixture: %q", want)
	}

	dst := xpNewSession(t, vault.NewMemStore())
	res, err := restoreArchive(ctx, dst, bytes.NewReader(file), export.PassphraseIdentity("maple orbit cactus"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res != (restoreResult{Profiles: 2, Entries: 3, Notes: 1, Flags: 1, Files: 2, Questions: 1}) {
		t.Errorf("first restore: %+v", res)
	}
	if got := xpSnapshot(t, dst); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("restored vault differs:\n got %q\nwant %q", got, want)
	}

	// Twice: nothing new.
	res, err = restoreArchive(ctx, dst, bytes.NewReader(file), export.PassphraseIdentity("maple-orbit-cactus"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Nothing() || res.Skipped != 3 || res.FilesSkipped != 2 {
		t.Errorf("second restore: %+v", res)
	}
	if got := xpSnapshot(t, dst); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("second restore changed the vault:\n got %q", got)
	}

	// What was restored survives a lock and unlock (it is in the vault, not
	// only in the book).
	st := vault.NewMemStore()
	s3, _, err := session.Create(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restoreArchive(ctx, s3, bytes.NewReader(file), export.PassphraseIdentity("maple-orbit-cactus"), nil); err != nil {
		t.Fatal(err)
	}
	s3.Lock()
	s4, err := session.Unlock(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	if got := xpSnapshot(t, s4); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after unlock:\n got %q\nwant %q", got, want)
	}
}

func TestRestoreFillsEmptyOwnerProfile(t *testing.T) {
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	file := xpExportAll(t, src, "p")

	dst := xpNewSession(t, vault.NewMemStore())
	me, err := dst.SaveProfile(ctx, record.Profile{Name: "Me", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restoreArchive(ctx, dst, bytes.NewReader(file), export.PassphraseIdentity("p"), nil); err != nil {
		t.Fatal(err)
	}
	ps := dst.Book().Profiles()
	if len(ps) != 2 {
		t.Fatalf("profiles: %d", len(ps))
	}
	p, ok := dst.Book().Profile(me.ID)
	if !ok || p.Name != "Ana Test" || dst.Book().Len(me.ID) != 2 {
		t.Errorf("owner profile not filled in: %+v %d", p, dst.Book().Len(me.ID))
	}
}

func TestRestoreMergesIntoSameNamedProfile(t *testing.T) {
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	file := xpExportAll(t, src, "p")

	dst := xpNewSession(t, vault.NewMemStore())
	ana, _ := dst.SaveProfile(ctx, record.Profile{Name: " ana  test", BirthDate: "1980-02-03", Relationship: "self"})
	if _, err := dst.SaveEntry(ctx, record.Entry{Profile: ana.ID, Resource: xpResource(t, `{"resourceType":"Condition","id":"c1","code":{"text":"Asthma"}}`)}); err != nil {
		t.Fatal(err)
	}
	res, err := restoreArchive(ctx, dst, bytes.NewReader(file), export.PassphraseIdentity("p"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Profiles != 1 || res.Entries != 2 || res.Skipped != 1 {
		t.Errorf("result %+v", res)
	}
	if n := dst.Book().Len(ana.ID); n != 2 {
		t.Errorf("Ana has %d entries, want 2", n)
	}
}

func TestRestoreFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	file := xpExportAll(t, src, "right")

	check := func(t *testing.T, store vault.Store, s *session.Session) {
		t.Helper()
		ids, _ := s.Vault().IDs()
		if len(ids) != 0 || len(s.Book().Profiles()) != 0 {
			t.Errorf("records left: %d, profiles %d", len(ids), len(s.Book().Profiles()))
		}
		n := 0
		store.Each(ctx, vault.BucketChunks, func(string, []byte) error { n++; return nil })
		if n != 0 {
			t.Errorf("%d file chunks left", n)
		}
	}

	t.Run("wrong passphrase", func(t *testing.T) {
		st := vault.NewMemStore()
		s := xpNewSession(t, st)
		_, err := restoreArchive(ctx, s, bytes.NewReader(file), export.PassphraseIdentity("wrong"), nil)
		if !errors.Is(err, export.ErrWrongPassphrase) {
			t.Fatalf("err = %v", err)
		}
		check(t, st, s)
	})
	t.Run("truncated", func(t *testing.T) {
		st := vault.NewMemStore()
		s := xpNewSession(t, st)
		_, err := restoreArchive(ctx, s, bytes.NewReader(file[:len(file)-40]), export.PassphraseIdentity("right"), nil)
		if err == nil {
			t.Fatal("truncated file restored")
		}
		check(t, st, s)
	})
	t.Run("store fails", func(t *testing.T) {
		st := &xpFailStore{Store: vault.NewMemStore()}
		s := xpNewSession(t, st)
		st.failRecords.Store(true)
		var last int64
		_, err := restoreArchive(ctx, s, bytes.NewReader(file), export.PassphraseIdentity("right"), func(n int64) { last = n })
		if err == nil {
			t.Fatal("restore into a failing store succeeded")
		}
		if last == 0 {
			t.Error("no progress reported")
		}
		st.failRecords.Store(false)
		check(t, st.Store, s)
	})
}

func TestRestorePrivateKey(t *testing.T) {
	// Exports to a public key are covered by internal/export; here only the
	// error for a file that needs a key.
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	file := xpExportAll(t, src, "pw")
	dst := xpNewSession(t, vault.NewMemStore())
	if _, err := restoreArchive(ctx, dst, bytes.NewReader([]byte("not an export at all")), export.PassphraseIdentity("pw"), nil); export.ErrorKey(err) != "export.err.notexport" {
		t.Errorf("garbage: %v (%s)", err, export.ErrorKey(err))
	}
	if _, err := restoreArchive(ctx, dst, bytes.NewReader(file), export.PassphraseIdentity("pw"), nil); err != nil {
		t.Fatal(err)
	}
}

// Notes, a flag and attached files added on the other device reach entries
// the vault already holds; their own data stays; it lasts past a lock.
func TestRestoreAddsNotesToHeldEntries(t *testing.T) {
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	st := vault.NewMemStore()
	dst, _, err := session.Create(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restoreArchive(ctx, dst, bytes.NewReader(xpExportAll(t, src, "p1")), export.PassphraseIdentity("p1"), nil); err != nil {
		t.Fatal(err)
	}
	// On the first device: a note on the lab result, a flag on the
	// condition, the kid's photo attached to the immunization.
	var lab, cond, imm record.Entry
	var photo string
	for _, p := range src.Book().Profiles() {
		page, _ := src.Book().Timeline(record.Filter{Profile: p.ID}, 0, -1)
		for _, e := range page {
			switch e.Kind {
			case record.KindLab:
				lab = e
			case record.KindCondition:
				cond = e
			case record.KindImmunization:
				imm = e
			}
		}
		for _, f := range src.Book().Files(p.ID) {
			if f.Name == "photo.jpg" {
				photo = f.ID
			}
		}
	}
	if _, err := src.AddNote(ctx, lab.ID, "Ask about diet"); err != nil {
		t.Fatal(err)
	}
	if err := src.SetFlag(ctx, cond.ID, &record.ErrorFlag{Note: "Never had it"}); err != nil {
		t.Fatal(err)
	}
	if err := src.AttachFiles(ctx, imm.ID, []string{photo}); err != nil {
		t.Fatal(err)
	}
	res, err := restoreArchive(ctx, dst, bytes.NewReader(xpExportAll(t, src, "p2")), export.PassphraseIdentity("p2"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res != (restoreResult{Notes: 1, Flags: 1, Updated: 3, Skipped: 3, FilesSkipped: 2}) {
		t.Errorf("result %+v", res)
	}
	want := strings.Join(xpSnapshot(t, src), "\n")
	if got := strings.Join(xpSnapshot(t, dst), "\n"); got != want {
		t.Errorf("merged vault differs:\n got %q\nwant %q", got, want)
	}
	dst.Lock()
	again, err := session.Unlock(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(xpSnapshot(t, again), "\n"); got != want {
		t.Errorf("after unlock:\n got %q\nwant %q", got, want)
	}
	// And once more: nothing new.
	res, err = restoreArchive(ctx, again, bytes.NewReader(xpExportAll(t, src, "p3")), export.PassphraseIdentity("p3"), nil)
	if err != nil || !res.Nothing() {
		t.Errorf("third restore: %+v, %v", res, err)
	}
}

// TestRestorePausesWhileMerging checks that a large restore's merge hands
// the page back (vault.WithPause) between small parts of its entries, not
// only while the vault prepares its write, and restores the same as an
// unpaced restore.
func TestRestorePausesWhileMerging(t *testing.T) {
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	self := src.Book().Profiles()[0].ID
	const n = 400
	var es []record.Entry
	for i := range n {
		es = append(es, record.Entry{Profile: self, Resource: xpResource(t, fmt.Sprintf(
			`{"resourceType":"Observation","id":"w%d","status":"final","code":{"text":"Weight"},"effectiveDateTime":"2020-01-%02d","valueQuantity":{"value":%d,"unit":"kg"}}`, i, 1+i%28, 60+i))})
	}
	if _, _, err := src.Import(ctx, nil, es); err != nil {
		t.Fatal(err)
	}
	file := xpExportAll(t, src, "maple-orbit-cactus")
	pass := export.PassphraseIdentity("maple-orbit-cactus")

	plain := xpNewSession(t, vault.NewMemStore())
	want, err := restoreArchive(ctx, plain, bytes.NewReader(file), pass, nil)
	if err != nil {
		t.Fatal(err)
	}

	var merging, pauses int
	dst := xpNewSession(t, vault.NewMemStore())
	before := dst.Book().Len("")
	pctx := vault.WithPause(ctx, 0, func() { // every step pauses
		pauses++
		if l := dst.Book().Len(""); l > before && l < before+n+3 {
			merging++ // some entries are in the book, not all: the merge paused
		}
	})
	got, err := restoreArchive(pctx, dst, bytes.NewReader(file), pass, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || got.Entries != n+3 {
		t.Fatalf("paced restore %+v, unpaced %+v", got, want)
	}
	if a, b := xpSnapshot(t, dst), xpSnapshot(t, plain); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("paced restore differs:\n got %q\nwant %q", a, b)
	}
	// Merged in parts (restoreMergePart, 64): a pause between each two.
	if merging < 4 {
		t.Fatalf("%d pauses, %d of them while merging the %d entries", pauses, merging, n)
	}
}
