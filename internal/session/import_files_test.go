package session

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"backpack/internal/export"
	"backpack/internal/importer"
	"backpack/internal/record"
)

// importFixture reads one of the importer's attachment fixtures and turns
// it into entries and files as the app's import does.
func importFixture(t *testing.T, name string) ([]record.Entry, []ImportFile) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "importer", "testdata", "attach", name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.ImportBytes(name, b, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries := importer.ToEntries(res, "", time.Unix(1700000000, 0))
	var files []ImportFile
	for _, f := range res.Files {
		files = append(files, ImportFile{Name: f.Name, Type: f.Type, SHA256: f.SHA256, Data: f.Data, Entries: f.Owners})
	}
	return entries, files
}

func fixtureBytes(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join("..", "importer", "testdata", "attach", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withProfile(es []record.Entry, id string) []record.Entry {
	for i := range es {
		es[i].Profile = id
	}
	return es
}

// The whole path below the app: an imported C-CDA's PDF is stored as a
// file of the profile in the import's write and attached to its entry;
// unlocking again finds both; re-importing adds nothing; a FHIR file with
// the same PDF attaches the stored file; exports carry it and a restore
// brings it back attached.
func TestImportWithFiles(t *testing.T) {
	ctx := context.Background()
	s, store := newSession(t)
	prof := &record.Profile{Name: "Ana Ejemplo"}
	entries, files := importFixture(t, "ccda-nonxml.xml")
	if len(files) != 1 {
		t.Fatalf("%d files in the fixture", len(files))
	}
	added, _, err := s.Import(ctx, prof, entries, files...)
	if err != nil || added == 0 {
		t.Fatal(added, err)
	}
	pdf := fixtureBytes(t, "tiny.pdf")
	check := func(s *Session) record.FileInfo {
		t.Helper()
		fs := s.Book().Files(prof.ID)
		if len(fs) != 1 || fs[0].Type != "application/pdf" || fs[0].Size != int64(len(pdf)) || fs[0].Name != "Discharge summary.pdf" {
			t.Fatalf("files = %+v", fs)
		}
		rc, err := s.OpenFile(ctx, fs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, pdf) {
			t.Fatal("stored bytes differ")
		}
		page, _ := s.Book().Timeline(record.Filter{Profile: prof.ID}, 0, -1)
		n := 0
		for _, e := range page {
			if len(e.Files) > 0 {
				n++
				if e.Resource.Type != "" && e.Resource.Type != "DocumentReference" || len(e.Files) != 1 || e.Files[0] != fs[0].ID {
					t.Errorf("entry %s files %v", e.Title, e.Files)
				}
				full, err := s.Full(ctx, e.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(full.Resource.JSON, []byte(record.FileURL(fs[0].SHA256))) || bytes.Contains(full.Resource.JSON, []byte(`"data"`)) {
					t.Errorf("stored resource: %s", full.Resource.JSON)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d entries with files", n)
		}
		return fs[0]
	}
	check(s)
	s2, err := Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	stored := check(s2)

	// Again: nothing new.
	entries, files = importFixture(t, "ccda-nonxml.xml")
	added, skipped, err := s2.Import(ctx, nil, withProfile(entries, prof.ID), files...)
	if err != nil || added != 0 || skipped != len(entries) {
		t.Fatal(added, skipped, err)
	}
	check(s2)

	// A FHIR file holding the same PDF (and a PNG): the PDF is not stored
	// twice; its entries point at the stored file.
	entries, files = importFixture(t, "fhir-attachments.json")
	if _, _, err := s2.Import(ctx, nil, withProfile(entries, prof.ID), files...); err != nil {
		t.Fatal(err)
	}
	fs := s2.Book().Files(prof.ID)
	if len(fs) != 2 {
		t.Fatalf("%d files, want 2 (the PDF once, the PNG)", len(fs))
	}
	page, _ := s2.Book().Timeline(record.Filter{Profile: prof.ID}, 0, -1)
	withPDF := 0
	for _, e := range page {
		for _, id := range e.Files {
			if id == stored.ID {
				withPDF++
			}
		}
	}
	if withPDF != 3 { // the C-CDA note, the FHIR DocumentReference and DiagnosticReport
		t.Errorf("%d entries with the PDF, want 3", withPDF)
	}

	// Exports carry the file: the bundle points at files/<name>, and a
	// restore finds the bytes and the attachment.
	d, err := s2.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var bundle bytes.Buffer
	if err := export.Bundle(&bundle, d, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bundle.String(), `"url":"files/Discharge summary.pdf"`) || strings.Contains(bundle.String(), "ni:///") {
		t.Errorf("bundle does not point at the archived file")
	}
	to, err := export.Passphrase("fixture-export-words")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := export.Write(ctx, &out, d, export.Selection{IncludeIPS: true}, s2, to, nil); err != nil {
		t.Fatal(err)
	}
	mem := export.MemFiles{}
	a, err := export.Read(ctx, &out, export.PassphraseIdentity("fixture-export-words"), mem.Put)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mem[stored.ID], pdf) {
		t.Errorf("restored bytes: %d", len(mem[stored.ID]))
	}
	n := 0
	for _, e := range a.Data.Entries {
		for _, id := range e.Files {
			if id == stored.ID {
				n++
			}
		}
	}
	if n != 3 {
		t.Errorf("restored entries with the PDF: %d", n)
	}
}

// An entry imported before its file came (an older import) gets the file
// when the same document is imported again.
func TestImportAttachesHeldEntry(t *testing.T) {
	ctx := context.Background()
	s, store := newSession(t)
	prof := &record.Profile{Name: "Ana"}
	entries, files := importFixture(t, "ccda-nonxml.xml")
	if _, _, err := s.Import(ctx, prof, entries); err != nil { // no files
		t.Fatal(err)
	}
	if len(s.Book().Files(prof.ID)) != 0 {
		t.Fatal("files without files")
	}
	entries, _ = importFixture(t, "ccda-nonxml.xml")
	added, _, err := s.Import(ctx, nil, withProfile(entries, prof.ID), files...)
	if err != nil || added != 0 {
		t.Fatal(added, err)
	}
	fs := s.Book().Files(prof.ID)
	page, _ := s.Book().Timeline(record.Filter{Profile: prof.ID}, 0, -1)
	found := false
	for _, e := range page {
		if len(e.Files) == 1 && len(fs) == 1 && e.Files[0] == fs[0].ID {
			found = true
			if _, err := s.Full(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !found {
		t.Errorf("held entry not attached: %d files", len(fs))
	}
	// The attachment is stored, not only in memory.
	s2, err := Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = s2.Book().Timeline(record.Filter{Profile: prof.ID}, 0, -1)
	n := 0
	for _, e := range page {
		n += len(e.Files)
	}
	if n != 1 {
		t.Errorf("after unlock: %d attachments", n)
	}
}

// A file whose stated SHA-256 is not that of its bytes is refused, and
// nothing of the import is stored.
func TestImportFileHashChecked(t *testing.T) {
	ctx := context.Background()
	s, _ := newSession(t)
	prof := &record.Profile{Name: "Ana"}
	entries, files := importFixture(t, "ccda-nonxml.xml")
	files[0].SHA256 = strings.Repeat("0", 64)
	if _, _, err := s.Import(ctx, prof, entries, files...); err == nil {
		t.Fatal("import with a wrong file hash succeeded")
	}
	if n := len(s.Book().Profiles()); n != 0 {
		t.Errorf("%d profiles after a refused import", n)
	}
}
