package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// shlAna is xpFill's Ana.
func shlAna(t *testing.T, s *session.Session) record.Profile {
	t.Helper()
	for _, p := range s.Book().Profiles() {
		if p.Name == "Ana Test" {
			return p
		}
	}
	t.Fatal("no Ana")
	return record.Profile{}
}

// shlImportReport imports into Ana's record a discharge report whose PDF
// came inside it, as the import page does: stored as a file, the resource
// pointing at it (attachment.url = ni:///sha-256;…).
func shlImportReport(t *testing.T, s *session.Session, ana record.Profile, pdf []byte) {
	t.Helper()
	js := `{"resourceType":"DiagnosticReport","id":"dr1","status":"final","code":{"text":"Discharge summary"},"effectiveDateTime":"2024-02-01",` +
		`"presentedForm":[{"contentType":"application/pdf","title":"discharge.pdf","data":"` + base64.StdEncoding.EncodeToString(pdf) + `"}]}`
	res, err := importer.ImportBytes("report.json", []byte(js), importer.Options{})
	if err != nil || len(res.Files) != 1 {
		t.Fatalf("import: %v, %d files", err, len(res.Files))
	}
	entries := importer.ToEntries(res, ana.ID, time.Now())
	if _, _, err := s.Import(context.Background(), nil, entries, importFiles(res, len(entries))...); err != nil {
		t.Fatal(err)
	}
}

// A manifest link of one person's whole record carries that person's
// files inside the Bundle: the imported discharge PDF inline in its
// report, the uploaded scan as a DocumentReference; the other person's
// photo stays out. Imported back (as any viewer, and Backpack's, reads
// it), the bundle gives the same bytes, attached to their entries.
func TestManifestLinkCarriesFiles(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	files := xpFill(t, s)
	ana := shlAna(t, s)
	discharge := []byte("%PDF-1.7 discharge summary\x00\x9f")
	shlImportReport(t, s, ana, discharge)

	c := newExportChoice(s)
	c.scope = xpScopeAll
	for _, p := range c.hdr.Profiles {
		c.profiles[p.ID] = p.ID == ana.ID
	}
	plain, _, err := shlPayload(ctx, s, record.SharedLink{Kind: record.LinkManifest, Choice: shlChoiceOf(&c)}, time.Now())
	if err != nil || len(plain) != 1 {
		t.Fatalf("%d bundles, %v", len(plain), err)
	}
	b := string(plain[0])
	for name, want := range map[string][]byte{"discharge.pdf": discharge, "scan.pdf": files["scan.pdf"]} {
		if n := strings.Count(b, base64.StdEncoding.EncodeToString(want)); n != 1 {
			t.Errorf("%s is in the bundle %d times, want once", name, n)
		}
	}
	if strings.Contains(b, base64.StdEncoding.EncodeToString(files["photo.jpg"])) {
		t.Error("Leo's photo is in Ana's link")
	}

	res, err := importer.ImportBytes("shared.json", plain[0], importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, f := range res.Files {
		got[f.Name] = f.Data
	}
	if !bytes.Equal(got["discharge.pdf"], discharge) || !bytes.Equal(got["scan.pdf"], files["scan.pdf"]) || len(got) != 2 {
		t.Fatalf("imported back: %d files %v", len(got), func() (n []string) {
			for k := range got {
				n = append(n, k)
			}
			return
		}())
	}

	// Backpack's viewer lists them, attached to their entries, with the bytes to download.
	a, mem, _, err := shlArchive(ctx, nil, shlFiles(plain), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]record.FileInfo{}
	for _, f := range a.Data.Files {
		byName[f.Name] = f
	}
	pdf, ok := byName["discharge.pdf"]
	if !ok || pdf.Type != "application/pdf" || pdf.Size != int64(len(discharge)) || !bytes.Equal(mem[pdf.ID], discharge) {
		t.Fatalf("viewer's files %+v", a.Data.Files)
	}
	if scan := byName["scan.pdf"]; !bytes.Equal(mem[scan.ID], files["scan.pdf"]) {
		t.Fatal("viewer lost the uploaded scan")
	}
	attached := false
	for _, e := range a.Data.Entries {
		if e.Title == "Discharge summary" {
			attached = len(e.Files) == 1 && e.Files[0] == pdf.ID
		}
	}
	if !attached {
		t.Error("the viewer does not attach the PDF to its report")
	}
}

// The wallet card's link shares the emergency information only: the scan
// attached to Ana's asthma stays out of it.
func TestWalletLinkKeepsNoFiles(t *testing.T) {
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	ana := shlAna(t, s)
	d, _ := shlSelected(s, record.SharedLink{Kind: record.LinkWallet, Profile: ana.ID})
	if len(d.Files) != 0 || len(d.Entries) == 0 {
		t.Fatalf("wallet card: %d entries, files %+v", len(d.Entries), d.Files)
	}
}

// A link kept up to date is uploaded again when a file it shares is added
// or removed: the fingerprint changes.
func TestLinkFingerprintFollowsFiles(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	ana := shlAna(t, s)
	c := newExportChoice(s)
	c.scope = xpScopeAll
	l := record.SharedLink{Kind: record.LinkManifest, Flag: "L", Choice: shlChoiceOf(&c)}
	_, before := shlSelected(s, l)
	f, err := s.AddFile(ctx, record.FileInfo{Profile: ana.ID, Name: "x-ray.jpg", Type: "image/jpeg"}, bytes.NewReader([]byte("\xff\xd8 x-ray")))
	if err != nil {
		t.Fatal(err)
	}
	_, added := shlSelected(s, l)
	if added == before {
		t.Fatal("adding a file does not change the link's fingerprint")
	}
	if err := s.DeleteFile(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if _, removed := shlSelected(s, l); removed == added {
		t.Fatal("removing a file does not change the link's fingerprint")
	}
}

// Files too large for a manifest link stop it before anything is read or
// uploaded, with a message in both languages; made without the files, the
// same link gets past that (here it then meets the missing browser).
func TestLinkFilesTooLarge(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	ana := shlAna(t, s)
	// Only the book's header: its size is what is checked first.
	if err := s.Book().PutFile(record.FileInfo{ID: record.NewID(), Profile: ana.ID, Name: "ct.dcm", Type: "application/dicom",
		Size: xpShareMax * 9 / 16, SHA256: strings.Repeat("ab", 32), Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	c := newExportChoice(s)
	c.scope = xpScopeAll
	tmpl := record.SharedLink{Kind: record.LinkManifest, Flag: "P", Choice: shlChoiceOf(&c)}
	if _, err := shlCreate(ctx, s, tmpl, "1234", time.Hour); !errors.Is(err, errSHLFilesTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	for _, lang := range []i18n.Lang{i18n.English, i18n.Spanish} {
		if msg := i18n.In(lang, xpShareErrorKey(errSHLFilesTooLarge)); msg == "" || msg == "shl.files.toobig" || !strings.Contains(msg, "link") && !strings.Contains(msg, "enlace") {
			t.Errorf("%v: %q", lang, msg)
		}
	}
	tmpl.Choice.NoFiles = true
	if _, err := shlCreate(ctx, s, tmpl, "1234", time.Hour); errors.Is(err, errSHLFilesTooLarge) || !errors.Is(err, errNoBrowser) {
		t.Fatalf("without the files: %v", err)
	}
}
