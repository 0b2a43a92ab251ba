//go:build e2e

package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/gopenpgp/v2/crypto"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"backpack/internal/export"
	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/server"
	"backpack/internal/session"
	shareserver "backpack/internal/share/server"
	"backpack/internal/vault"
)

// Export, restore, provider view and share links, end to end:
//
//  1. a new vault restores an export made in Go (every kind of thing a vault
//     holds), and restoring it again adds nothing;
//  2. the export page writes a passphrase-protected file, which GnuPG opens
//     (summary.html and fhir/bundle.json inside) and which holds exactly what
//     the fixture held;
//  3. a second browser (a wiped device) sets up a new vault and restores that
//     file, and its own export again holds exactly the same;
//  4. a third browser with no vault opens the file read-only in the provider
//     view, downloads a file from it, and stores nothing.
func TestExportRestore(t *testing.T) {
	s := startSite(t, "v1")
	fx := xpFixture(t)
	key := xpKey(t)
	fixture := filepath.Join(t.TempDir(), "fixture.pgp")
	if err := os.WriteFile(fixture, fx.file, 0o600); err != nil {
		t.Fatal(err)
	}

	// 1. Restore the fixture into a new vault, twice.
	ctx, cancel := browser(t)
	defer cancel()
	xpSetup(t, ctx, s)
	xpRestore(t, ctx, fixture, fx.pass)
	xpWant(t, ctx, "#rs-n-profiles", "2")
	xpWant(t, ctx, "#rs-n-entries", fmt.Sprint(len(fx.data.Entries)))
	xpWant(t, ctx, "#rs-n-notes", "2")
	xpWant(t, ctx, "#rs-n-flags", "1")
	xpWant(t, ctx, "#rs-n-files", fmt.Sprint(len(fx.data.Files)))
	xpWant(t, ctx, "#rs-n-questions", "2")
	xpShots(t, ctx, "export-restore-result")
	xpRestore(t, ctx, fixture, fx.pass)
	xpWant(t, ctx, "#rs-n-entries", "0")
	xpWant(t, ctx, "#rs-n-files", "0")
	xpWant(t, ctx, "#rs-n-skipped", fmt.Sprint(len(fx.data.Entries)+len(fx.data.Files)))

	// 2. Export everything with the generated passphrase.
	dl := xpDownloads(t, ctx)
	xpNav(t, ctx, "/export")
	xpRun(t, ctx, chromedp.WaitVisible("#xp-passphrase", chromedp.ByID))
	pass := xpText(t, ctx, "#xp-passphrase")
	if n := len(strings.Split(pass, "-")); n != export.PassphraseWords {
		t.Errorf("generated passphrase has %d words", n)
	}
	xpShots(t, ctx, "export-form")
	xpClick(t, ctx, "#export-start")
	xpRun(t, ctx, chromedp.WaitVisible("#export-done", chromedp.ByID))
	xpShots(t, ctx, "export-done")
	name := strings.TrimSuffix(export.FileName(time.Now()), ".zip") + ".pgp"
	file := xpDownloaded(t, dl, name)
	xpGPG(t, file, pass)
	got := xpOpen(t, file, pass)
	xpSame(t, "UI export of the restored fixture", got, fx)

	// A wrong key and a private key are refused with clear words.
	xpClick(t, ctx, "#xp-protect-key")
	xpSetInput(t, ctx, "#xp-key", "not a key", "change")
	xpWaitText(t, ctx, "#xp-key-err", "not an OpenPGP public key")
	xpSetInput(t, ctx, "#xp-key", key.private, "change")
	xpWaitText(t, ctx, "#xp-key-err", "private key")

	// A part, to a provider's key: Ana only, her summary, her last visit
	// and one file.
	xpSetInput(t, ctx, "#xp-key", key.public, "change")
	xpRun(t, ctx, chromedp.WaitVisible("#xp-key-ok", chromedp.ByID))
	xpClick(t, ctx, "#xp-scope-custom")
	xpClick(t, ctx, "#xp-profile-"+fx.data.Profiles[1].ID)
	xpClick(t, ctx, "#xp-file-"+fx.fileID["scan.pdf"])
	xpWaitText(t, ctx, "#xp-counts", "people: 1,")
	xpShots(t, ctx, "export-custom")
	dlKey := xpDownloads(t, ctx)
	xpClick(t, ctx, "#export-start")
	xpRun(t, ctx, chromedp.WaitVisible("#export-done", chromedp.ByID))
	keyFile := xpDownloaded(t, dlKey, name)
	part := xpOpenKey(t, keyFile, key)
	var titles []string
	for _, e := range part.data.Entries {
		titles = append(titles, fmt.Sprintf("%s %s", e.Title, xpDay(e.Date)))
	}
	sort.Strings(titles)
	if got, want := strings.Join(titles, "; "), "Asthma 2010-05-01; Check-up 2024-01-02; Hemoglobin A1c 2024-01-02; Penicillin 0001-01-01; Salbutamol inhaler 2023-03-01"; got != want {
		t.Errorf("part has entries %q, want %q", got, want)
	}
	if len(part.data.Profiles) != 1 || len(part.data.Files) != 1 || part.data.Files[0].Name != "scan.pdf" || len(part.data.Questions) != 1 {
		t.Errorf("part has %d profiles, files %v, %d questions", len(part.data.Profiles), part.data.Files, len(part.data.Questions))
	}
	keyPath := filepath.Join(t.TempDir(), "for-provider.pgp")
	os.WriteFile(keyPath, keyFile, 0o600)

	// 3. A wiped device: new browser, new vault, restore the UI's file.
	exported := filepath.Join(t.TempDir(), name)
	os.WriteFile(exported, file, 0o600)
	ctx2, cancel2 := browser(t)
	defer cancel2()
	xpSetup(t, ctx2, s)
	xpRestore(t, ctx2, exported, strings.ReplaceAll(pass, "-", " ")) // spaces work too
	xpWant(t, ctx2, "#rs-n-entries", fmt.Sprint(len(fx.data.Entries)))
	dl2 := xpDownloads(t, ctx2)
	xpNav(t, ctx2, "/export")
	xpRun(t, ctx2, chromedp.WaitVisible("#xp-passphrase", chromedp.ByID))
	pass2 := xpText(t, ctx2, "#xp-passphrase")
	xpClick(t, ctx2, "#export-start")
	xpRun(t, ctx2, chromedp.WaitVisible("#export-done", chromedp.ByID))
	xpSame(t, "export after restore on a new device", xpOpen(t, xpDownloaded(t, dl2, name), pass2), fx)

	// 4. The provider view: no vault, nothing stored.
	ctx3, cancel3 := browser(t)
	defer cancel3()
	dl3 := xpDownloads(t, ctx3)
	xpGo(t, ctx3, s.URL("/view"))
	xpRun(t, ctx3, chromedp.WaitVisible("#vw-file", chromedp.ByID))
	xpShots(t, ctx3, "export-view-form")
	xpRun(t, ctx3, chromedp.SetUploadFiles("#vw-file", []string{exported}, chromedp.ByID))
	xpSetInput(t, ctx3, "#vw-pass", "wrong words", "input")
	xpClick(t, ctx3, "#view-open")
	xpWaitText(t, ctx3, ".banner.error", "Wrong passphrase")
	xpSetInput(t, ctx3, "#vw-pass", pass, "input")
	xpClick(t, ctx3, "#view-open")
	xpRun(t, ctx3, chromedp.WaitVisible("#view-data", chromedp.ByID))
	for _, want := range []string{"Ana Fixture", "Leo Fixture", "Asthma", "Hemoglobin A1c", "Worse in winter", "Wrong date", "Ask about inhalers", "scan.pdf"} {
		xpWaitText(t, ctx3, "#view-data", want)
	}
	xpShots(t, ctx3, "export-view")
	xpClick(t, ctx3, `.view-file[aria-label="Download scan.pdf"]`)
	if b := xpDownloaded(t, dl3, "scan.pdf"); !bytes.Equal(b, fx.files["scan.pdf"]) {
		t.Error("file downloaded from the provider view differs")
	}
	// The provider opens the file made for their key, with their private key.
	xpClick(t, ctx3, "#view-close")
	xpGo(t, ctx3, s.URL("/view"))
	xpRun(t, ctx3, chromedp.SetUploadFiles("#vw-file", []string{keyPath}, chromedp.ByID))
	xpClick(t, ctx3, "#vw-with-key")
	xpSetInput(t, ctx3, "#vw-key", key.private, "input")
	xpSetInput(t, ctx3, "#vw-keypass", "wrong", "input")
	xpClick(t, ctx3, "#view-open")
	xpWaitText(t, ctx3, ".banner.error", "passphrase for this private key")
	xpSetInput(t, ctx3, "#vw-keypass", key.pass, "input")
	xpClick(t, ctx3, "#view-open")
	xpRun(t, ctx3, chromedp.WaitVisible("#view-data", chromedp.ByID))
	xpWaitText(t, ctx3, "#view-data", "Check-up")
	if xpExists(t, ctx3, `[data-kind="immunization"]`) {
		t.Error("the part shows Leo's immunization")
	}

	var dbs string
	xpRun(t, ctx3, chromedp.Evaluate(`indexedDB.databases().then(l => l.map(d => d.name).join(","))`, &dbs, awaitPromise))
	if strings.Contains(dbs, "backpack") {
		t.Errorf("the provider view created a database: %q", dbs)
	}
}

// A share link: made on one device, opened on another with no vault, then
// revoked; and a server without the share API says sharing is off.
func TestShareLink(t *testing.T) {
	s := xpStartShareSite(t, 0)
	fx := xpFixture(t)
	fixture := filepath.Join(t.TempDir(), "fixture.pgp")
	os.WriteFile(fixture, fx.file, 0o600)

	ctx, cancel := browser(t)
	defer cancel()
	xpSetup(t, ctx, s)
	xpRestore(t, ctx, fixture, fx.pass)
	xpNav(t, ctx, "/share")
	xpRun(t, ctx, chromedp.WaitVisible("#share-form", chromedp.ByID))
	xpPoll(t, ctx, "share API checked", `!document.querySelector("#share-create").disabled`)
	xpClick(t, ctx, "#sh-scope-all")
	xpSetInput(t, ctx, "#sh-label", "For Dr. Rivera", "input")
	xpClick(t, ctx, "#share-create")
	xpRun(t, ctx, chromedp.WaitVisible(".share-link", chromedp.ByQuery))
	var link string
	xpRun(t, ctx, chromedp.Value(".share-link", &link, chromedp.ByQuery))
	if !strings.HasPrefix(link, s.URL("/view#shlink:/")) {
		t.Fatalf("link %q", link)
	}
	xpPoll(t, ctx, "the QR code drawn in the worker", `!!document.querySelector(".xp-shared-qr svg[role=img]")`)
	xpWaitText(t, ctx, ".share-expires", "Expires")
	xpShots(t, ctx, "share-link")
	// A QR code the worker cannot draw says so; the link is still there.
	xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerFault = 'panic'`, nil))
	xpNav(t, ctx, "/timeline")
	xpNav(t, ctx, "/share")
	xpWaitText(t, ctx, ".xp-shared-qr .qr-error", "The QR code could not be drawn")
	var sameLink string
	xpRun(t, ctx, chromedp.Value(".share-link", &sameLink, chromedp.ByQuery))
	if sameLink != link {
		t.Errorf("link without its QR code: %q", sameLink)
	}
	xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerFault = ''`, nil))

	// Another device opens the link: no vault needed.
	ctx2, cancel2 := browser(t)
	defer cancel2()
	xpGo(t, ctx2, link)
	xpRun(t, ctx2, chromedp.WaitVisible("#view-data", chromedp.ByID))
	for _, want := range []string{"Ana Fixture", "Asthma", "Worse in winter", "scan.pdf"} {
		xpWaitText(t, ctx2, "#view-data", want)
	}
	xpWaitText(t, ctx2, ".xp-meta", "For Dr. Rivera")
	xpShots(t, ctx2, "share-view")
	// Once read, the key is gone from the address bar and the history.
	var href string
	xpRun(t, ctx2, chromedp.Evaluate(`location.href`, &href))
	if strings.Contains(href, "shlink") || href != s.URL("/view") {
		t.Errorf("address bar after opening the link: %q", href)
	}

	// The same link read in Spanish.
	xpRun(t, ctx2, chromedp.Evaluate(`localStorage.setItem("backpack.lang", "es")`, nil))
	xpRun(t, ctx2, chromedp.Navigate("about:blank")) // a new load, not a jump to a fragment
	xpGo(t, ctx2, link)
	xpPoll(t, ctx2, "mounted", `!!document.querySelector('main[data-mounted="true"]')`)
	xpRun(t, ctx2, chromedp.WaitVisible("#view-data", chromedp.ByID))
	xpWaitText(t, ctx2, "#view-data", "Alergias e intolerancias")
	xpWaitText(t, ctx2, "h1", "Historial de salud compartido")
	xpShots(t, ctx2, "share-view-es")

	// A link whose URL points elsewhere is not fetched before the person
	// agrees (TestSHLOtherServerAsks).
	xpGo(t, ctx2, strings.Replace(link, "127.0.0.1", "localhost", 1))
	xpRun(t, ctx2, chromedp.WaitVisible("#shl-elsewhere", chromedp.ByID))

	// The app is closed and opened again: the link is still listed (the
	// vault keeps it), and can still be revoked.
	xpRun(t, ctx, chromedp.Reload())
	xpRun(t, ctx, chromedp.WaitVisible("#unlock-pass", chromedp.ByID))
	xpSetInput(t, ctx, "#unlock-pass", "orbit velvet canyon maple ribbon", "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "unlocked", `location.pathname !== "/unlock"`)
	xpNav(t, ctx, "/share")
	xpRun(t, ctx, chromedp.WaitVisible(".share-link", chromedp.ByQuery))
	var again string
	xpRun(t, ctx, chromedp.Value(".share-link", &again, chromedp.ByQuery))
	if again != link {
		t.Fatalf("after reopening: link %q, want %q", again, link)
	}
	xpWaitText(t, ctx, ".xp-shared-label", "For Dr. Rivera")

	// Revoke: the link stops working.
	xpClick(t, ctx, ".share-revoke")
	xpRun(t, ctx, chromedp.WaitVisible(".share-revoke-yes", chromedp.ByQuery))
	xpClick(t, ctx, ".share-revoke-yes")
	xpWaitText(t, ctx, ".xp-shared", "Link revoked")
	ctx3, cancel3 := browser(t)
	defer cancel3()
	xpGo(t, ctx3, link)
	xpWaitText(t, ctx3, ".banner.error", "no longer available")
	xpShots(t, ctx3, "share-revoked")

	// A server that takes only small shares: a clear error.
	small := xpStartShareSite(t, 4096)
	ctx5, cancel5 := browser(t)
	defer cancel5()
	xpSetup(t, ctx5, small)
	xpRestore(t, ctx5, fixture, fx.pass)
	xpNav(t, ctx5, "/share")
	xpPoll(t, ctx5, "share API checked", `!document.querySelector("#share-create").disabled`)
	xpClick(t, ctx5, "#sh-scope-all")
	xpClick(t, ctx5, "#share-create")
	xpWaitText(t, ctx5, "#share-form .banner.error", "too large to share")
	cancel5()

	// Without the share API the page says so up front.
	plain := startSite(t, "v1")
	ctx4, cancel4 := browser(t)
	defer cancel4()
	xpSetup(t, ctx4, plain)
	xpNav(t, ctx4, "/share")
	xpRun(t, ctx4, chromedp.WaitVisible("#share-off", chromedp.ByID))
	xpWaitText(t, ctx4, "#share-off", "Sharing is turned off")
}

// --- fixture

type xpFixtureData struct {
	data   export.Data
	files  map[string][]byte // by name
	fileID map[string]string // by name
	file   []byte            // the export
	pass   string
}

// xpFixture builds a vault in Go with two people, entries of several kinds,
// notes, a flag, files (one of them 1 MB of random bytes) and questions,
// and exports it.
func xpFixture(t testing.TB) xpFixtureData {
	t.Helper()
	ctx := context.Background()
	s, _, err := session.Create(ctx, vault.NewMemStore(), "fixture vault passphrase")
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ana, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Fixture", BirthDate: "1980-02-03", Relationship: "self"})
	must(err)
	leo, err := s.SaveProfile(ctx, record.Profile{Name: "Leo Fixture", BirthDate: "2015", Relationship: "child", Created: time.Now().Add(time.Second)})
	must(err)
	big := make([]byte, 1<<20)
	rand.Read(big)
	files := map[string][]byte{
		"scan.pdf":  []byte("%PDF-1.4\n% fixture\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"),
		"photo.jpg": append([]byte{0xff, 0xd8, 0xff, 0xe0}, big...),
		"notes.txt": []byte("plain text file\n"),
	}
	add := func(p, name, typ string) record.FileInfo {
		f, err := s.AddFile(ctx, record.FileInfo{Profile: p, Name: name, Type: typ}, bytes.NewReader(files[name]))
		must(err)
		return f
	}
	pdf := add(ana.ID, "scan.pdf", "application/pdf")
	add(ana.ID, "photo.jpg", "image/jpeg")
	add(leo.ID, "notes.txt", "text/plain")
	entry := func(p, js string) record.Entry {
		r, err := fhir.Parse([]byte(js))
		must(err)
		e, err := s.SaveEntry(ctx, record.Entry{Profile: p, Resource: r})
		must(err)
		return e
	}
	cond := entry(ana.ID, `{"resourceType":"Condition","id":"c1","code":{"text":"Asthma"},"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"onsetDateTime":"2010-05-01"}`)
	lab := entry(ana.ID, `{"resourceType":"Observation","id":"o1","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c"}]},"effectiveDateTime":"2024-01-02","valueQuantity":{"value":5.9,"unit":"%"}}`)
	entry(ana.ID, `{"resourceType":"MedicationStatement","id":"m1","status":"active","medicationCodeableConcept":{"text":"Salbutamol inhaler"},"effectiveDateTime":"2023-03-01"}`)
	entry(ana.ID, `{"resourceType":"AllergyIntolerance","id":"a1","code":{"text":"Penicillin"},"reaction":[{"manifestation":[{"text":"Rash"}]}]}`)
	visit := entry(ana.ID, `{"resourceType":"Encounter","id":"v1","status":"finished","class":{"code":"AMB"},"type":[{"text":"Check-up"}],"period":{"start":"2024-01-02T09:00:00Z"}}`)
	entry(ana.ID, `{"resourceType":"Encounter","id":"v0","status":"finished","class":{"code":"AMB"},"type":[{"text":"Old visit"}],"period":{"start":"2019-06-01T09:00:00Z"}}`)
	entry(ana.ID, `{"resourceType":"Observation","id":"o0","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c"}]},"effectiveDateTime":"2019-06-01","valueQuantity":{"value":6.4,"unit":"%"}}`)
	entry(leo.ID, `{"resourceType":"Immunization","id":"i1","status":"completed","vaccineCode":{"text":"MMR"},"occurrenceDateTime":"2016-03-01"}`)
	_, err = s.AddNote(ctx, cond.ID, "Worse in winter")
	must(err)
	_, err = s.AddNote(ctx, visit.ID, "Doctor said to come back in a year")
	must(err)
	must(s.SetFlag(ctx, lab.ID, &record.ErrorFlag{Note: "Wrong date"}))
	must(s.AttachFiles(ctx, cond.ID, []string{pdf.ID}))
	_, err = s.SaveQuestion(ctx, record.Question{Profile: ana.ID, Text: "Ask about inhalers"})
	must(err)
	_, err = s.SaveQuestion(ctx, record.Question{Profile: leo.ID, Text: "Next vaccine?", Done: true})
	must(err)

	d, err := s.Data(ctx)
	must(err)
	const pass = "fixture-export-words"
	to, err := export.Passphrase(pass)
	must(err)
	var buf bytes.Buffer
	must(export.Write(ctx, &buf, d, export.Selection{IncludeSummary: true}, s, to, nil))
	ids := map[string]string{}
	for _, f := range d.Files {
		ids[f.Name] = f.ID
	}
	return xpFixtureData{data: d, files: files, fileID: ids, file: buf.Bytes(), pass: pass}
}

// xpOpen reads an export in Go.
func xpOpen(t testing.TB, file []byte, pass string) xpFixtureData {
	t.Helper()
	mem := export.MemFiles{}
	a, err := export.Read(context.Background(), bytes.NewReader(file), export.PassphraseIdentity(pass), mem.Put)
	if err != nil {
		t.Fatalf("reading the export: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range a.Data.Files {
		files[f.Name] = mem[f.ID]
	}
	return xpFixtureData{data: a.Data, files: files}
}

// xpOpenKey reads an export made for key in Go.
func xpOpenKey(t testing.TB, file []byte, key xpKeyPair) xpFixtureData {
	t.Helper()
	id, err := export.PrivateKeyIdentity(key.private, key.pass)
	if err != nil {
		t.Fatal(err)
	}
	mem := export.MemFiles{}
	a, err := export.Read(context.Background(), bytes.NewReader(file), id, mem.Put)
	if err != nil {
		t.Fatalf("reading the export with the private key: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range a.Data.Files {
		files[f.Name] = mem[f.ID]
	}
	return xpFixtureData{data: a.Data, files: files}
}

func xpDay(t time.Time) string { return t.Format("2006-01-02") }

// xpKeyPair is a provider's OpenPGP key, its private half locked.
type xpKeyPair struct{ public, private, pass string }

func xpKey(t testing.TB) xpKeyPair {
	t.Helper()
	k, err := crypto.GenerateKey("Dr. Rivera", "rivera@clinic.example", "x25519", 0)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.GetArmoredPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	const pass = "clinic key pass"
	locked, err := k.Lock([]byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := locked.Armor()
	if err != nil {
		t.Fatal(err)
	}
	return xpKeyPair{public: pub, private: priv, pass: pass}
}

// xpDescribe lists everything an export holds, ids and times included:
// a restore into an empty vault keeps them.
func xpDescribe(d xpFixtureData) []string {
	var out []string
	for _, p := range d.data.Profiles {
		out = append(out, fmt.Sprintf("profile %s %s %s %s %s", p.ID, p.Name, p.BirthDate, p.Relationship, p.Created.UTC().Format(time.RFC3339Nano)))
	}
	for _, f := range d.data.Files {
		out = append(out, fmt.Sprintf("file %s %s %s %s %d %s %x", f.ID, f.Profile, f.Name, f.Type, f.Size, f.SHA256, d.files[f.Name]))
	}
	for _, e := range d.data.Entries {
		line := fmt.Sprintf("entry %s %s %s %s %s %s %s", e.ID, e.Profile, e.Kind, e.Title, e.Identity, e.Created.UTC().Format(time.RFC3339Nano), e.Resource.JSON)
		for _, n := range e.Notes {
			line += fmt.Sprintf(" note:%s:%s:%s", n.ID, n.Text, n.Created.UTC().Format(time.RFC3339Nano))
		}
		if e.Flag != nil {
			line += fmt.Sprintf(" flag:%s:%s", e.Flag.Note, e.Flag.Status)
		}
		line += fmt.Sprintf(" files:%v", e.Files)
		out = append(out, line)
	}
	for _, q := range d.data.Questions {
		out = append(out, fmt.Sprintf("question %s %s %s %v", q.ID, q.Profile, q.Text, q.Done))
	}
	sort.Strings(out)
	return out
}

func xpSame(t testing.TB, what string, got, want xpFixtureData) {
	t.Helper()
	g, w := xpDescribe(got), xpDescribe(want)
	if strings.Join(g, "\n") == strings.Join(w, "\n") {
		return
	}
	t.Errorf("%s differs from the fixture", what)
	for i := 0; i < max(len(g), len(w)); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			t.Logf("got  %.300s\nwant %.300s", a, b)
		}
	}
}

// xpGPG decrypts the file with GnuPG and checks the archive's readable parts.
func xpGPG(t testing.TB, file []byte, pass string) {
	t.Helper()
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Log("gpg not installed: GnuPG check skipped")
		return
	}
	home := t.TempDir()
	in := filepath.Join(home, "in.pgp")
	os.WriteFile(in, file, 0o600)
	cmd := exec.Command(gpg, "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", pass, "--decrypt", in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("gpg --decrypt: %v\n%s", err, errb.String())
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatalf("gpg output is not a zip: %v", err)
	}
	seen := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		seen[f.Name] = b
	}
	if !bytes.Contains(seen[export.PathSummary], []byte("Ana Fixture")) || !bytes.Contains(seen[export.PathSummary], []byte("Asthma")) {
		t.Error("summary.html lacks the patient or a condition")
	}
	var bundle struct {
		ResourceType string            `json:"resourceType"`
		Entry        []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(seen[export.PathBundle], &bundle); err != nil || bundle.ResourceType != "Bundle" || len(bundle.Entry) == 0 {
		t.Errorf("fhir/bundle.json: %v, %q with %d entries", err, bundle.ResourceType, len(bundle.Entry))
	}
	if !bytes.Equal(seen[export.DirFiles+"scan.pdf"], []byte("%PDF-1.4\n% fixture\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")) {
		t.Error("files/scan.pdf differs after GnuPG")
	}
}

// --- a site with the share API

func xpStartShareSite(t testing.TB, maxBytes int64) *site {
	t.Helper()
	api, closer, err := shareserver.Handler(shareserver.Config{Dir: t.TempDir(), MaxBytes: maxBytes,
		RateLimit: shareserver.RateLimit{RequestsPerMinute: -1, BytesPerHour: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Config{WebDir: webDir, Version: "v1", API: api})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	s := &site{t: t, addr: ln.Addr().String(), srv: srv, version: "v1"}
	t.Cleanup(s.stop)
	return s
}

// --- driving the pages

// xpSetup creates a vault on the set-up page and leaves it unlocked.
func xpSetup(t testing.TB, ctx context.Context, s *site) {
	t.Helper()
	const pass = "orbit velvet canyon maple ribbon"
	xpGo(t, ctx, s.URL("/setup"))
	xpRun(t, ctx, chromedp.WaitVisible("#pass", chromedp.ByID))
	xpSetInput(t, ctx, "#pass", pass, "input")
	xpSetInput(t, ctx, "#confirm", pass, "input")
	xpClick(t, ctx, "#create")
	xpRun(t, ctx, chromedp.WaitVisible("#recovery-key", chromedp.ByID))
	xpClick(t, ctx, "#saved")
	xpSettle(t, ctx)
	xpClick(t, ctx, "#recovery-done")
	xpPoll(t, ctx, "profile form or storage prompt", `!!(document.querySelector("#profile-name") || document.querySelector("#storage-continue"))`)
}

// xpRestore restores a file on the restore page and waits for the result.
func xpRestore(t testing.TB, ctx context.Context, path, pass string) {
	t.Helper()
	xpNav(t, ctx, "/more") // a fresh restore page, with an empty file input
	xpNav(t, ctx, "/restore")
	xpRun(t, ctx, chromedp.WaitVisible("#rs-file", chromedp.ByID))
	xpRun(t, ctx, chromedp.SetUploadFiles("#rs-file", []string{path}, chromedp.ByID))
	xpRun(t, ctx, chromedp.WaitVisible("#rs-chosen", chromedp.ByID))
	xpSetInput(t, ctx, "#rs-pass", pass, "input")
	xpClick(t, ctx, "#restore-start")
	tctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	if err := chromedp.Run(tctx, chromedp.WaitVisible("#restore-result", chromedp.ByID)); err != nil {
		var html string
		chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector("main")?.outerHTML.slice(0, 3000) || ""`, &html))
		t.Fatalf("restore: %v\npage: %s", err, html)
	}
}

func xpDownloads(t testing.TB, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	xpRun(t, ctx, cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(dir).WithEventsEnabled(true))
	return dir
}

// xpDownloaded waits for a finished download and returns its bytes.
func xpDownloaded(t testing.TB, dir, name string) []byte {
	t.Helper()
	p := filepath.Join(dir, name)
	deadline := time.Now().Add(60 * time.Second)
	var last int64 = -1
	for time.Now().Before(deadline) {
		if st, err := os.Stat(p); err == nil {
			if _, err := os.Stat(p + ".crdownload"); os.IsNotExist(err) && st.Size() == last && st.Size() > 0 {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			last = st.Size()
		}
		time.Sleep(100 * time.Millisecond)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	t.Fatalf("download %s never finished; have %v", name, names)
	return nil
}

func xpRun(t testing.TB, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(tctx, actions...); err != nil {
		var html string
		chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector("main")?.outerHTML.slice(0, 3000) || location.pathname`, &html))
		t.Fatalf("%v\npage: %s", err, html)
	}
}

func xpPoll(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			var html string
			chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector("main")?.outerHTML.slice(0, 2000) || location.pathname`, &html))
			t.Fatalf("timed out waiting for %s\npage: %s", what, html)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// xpClick scrolls an element to the middle of the screen (away from the
// fixed top and bottom bars) and clicks it as a person would.
func xpClick(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	xpRun(t, ctx, chromedp.WaitVisible(sel, chromedp.ByQuery))
	xpRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%s).scrollIntoView({block: "center"})`, xpQuote(sel)), nil))
	xpSettle(t, ctx)
	xpRun(t, ctx, chromedp.Click(sel, chromedp.ByQuery))
	xpSettle(t, ctx)
}

func xpQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func xpSettle(t testing.TB, ctx context.Context) {
	t.Helper()
	time.Sleep(30 * time.Millisecond)
	xpRun(t, ctx, chromedp.Evaluate(`new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => ok(true))))`, nil, awaitPromise))
}

// xpSetInput sets an input's value and fires the event a person's typing would.
func xpSetInput(t testing.TB, ctx context.Context, sel, value, event string) {
	t.Helper()
	xpRun(t, ctx, chromedp.WaitVisible(sel, chromedp.ByQuery))
	xpRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus();
		el.value = %s; el.dispatchEvent(new Event(%s, {bubbles: true})); return true })()`, xpQuote(sel), xpQuote(value), xpQuote(event)), nil))
	xpSettle(t, ctx)
}

// xpGo loads a URL and waits until the app has mounted (pages are
// prerendered: their elements show before the app handles events).
func xpGo(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	xpRun(t, ctx, chromedp.Navigate(url))
	xpPoll(t, ctx, "mounted", `!!document.querySelector('main[data-mounted="true"]')`)
	xpSettle(t, ctx)
}

// xpNav navigates inside the running app (no reload: the vault stays open).
func xpNav(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	xpRun(t, ctx, chromedp.Evaluate(`goappNav(`+xpQuote(path)+`)`, nil))
	xpPoll(t, ctx, "path "+path, `location.pathname === `+xpQuote(path)+` && !!document.querySelector('main[data-mounted="true"]')`)
	xpSettle(t, ctx)
}

func xpText(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	xpRun(t, ctx, chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

func xpExists(t testing.TB, ctx context.Context, sel string) bool {
	t.Helper()
	var ok bool
	xpRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`!!document.querySelector(%s)`, xpQuote(sel)), &ok))
	return ok
}

func xpWant(t testing.TB, ctx context.Context, sel, want string) {
	t.Helper()
	if got := xpText(t, ctx, sel); got != want {
		t.Errorf("%s = %q, want %q", sel, got, want)
	}
}

func xpWaitText(t testing.TB, ctx context.Context, sel, text string) {
	t.Helper()
	xpPoll(t, ctx, sel+" showing "+text,
		fmt.Sprintf(`!!document.querySelector(%s) && document.querySelector(%s).textContent.includes(%s)`, xpQuote(sel), xpQuote(sel), xpQuote(text)))
}

// xpShots saves the page at phone and desktop size, then goes back to phone.
func xpShots(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	time.Sleep(150 * time.Millisecond)
	screenshot(t, ctx, name+"-phone")
	if err := chromedp.Run(ctx, desktop()); err == nil {
		time.Sleep(150 * time.Millisecond)
		screenshot(t, ctx, name+"-desktop")
	}
	xpRun(t, ctx, phone())
}
