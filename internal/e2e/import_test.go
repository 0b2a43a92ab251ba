//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backpack/internal/importer"
)

// importRepoDir is the repository root (fixtures live in the importers' testdata).
var importRepoDir = func() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

// corpusDir is the shared sample corpus, when present (never copied here):
// ../shared/corpus next to the repository, or $BACKPACK_CORPUS.
var corpusDir = func() string {
	if d := os.Getenv("BACKPACK_CORPUS"); d != "" {
		return d
	}
	return filepath.Join(importRepoDir, "..", "shared", "corpus")
}()

func importFHIRFixture(name string) string {
	return filepath.Join(importRepoDir, "internal/importer/testdata", name)
}
func importCCDAFixture(name string) string {
	return filepath.Join(importRepoDir, "internal/importer/ccda/testdata", name)
}

const importTestPass = "import test passphrase, long enough 42"

// importVaultWithProfile drives the real set-up and people pages once: a new
// vault, its recovery key acknowledged, one profile ("Alex Example", self).
// It leaves the browser on the people page with the session unlocked.
func importVaultWithProfile(t testing.TB, ctx context.Context, s *site) {
	t.Helper()
	importStep(t, ctx, "set-up",
		chromedp.Navigate(s.URL("/setup")),
		chromedp.WaitVisible(`main[data-mounted="true"] #setup-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#pass`, importTestPass, chromedp.ByQuery),
		chromedp.SendKeys(`#confirm`, importTestPass, chromedp.ByQuery),
		chromedp.Click(`#create`, chromedp.ByQuery),
		chromedp.WaitVisible(`#recovery-key`, chromedp.ByQuery),
		chromedp.Click(`#saved`, chromedp.ByQuery),
		chromedp.WaitEnabled(`#recovery-done`, chromedp.ByQuery),
		chromedp.Click(`#recovery-done`, chromedp.ByQuery),
	)
	// The browser may or may not grant persistent storage.
	var next string
	for i := 0; i < 200 && next == ""; i++ {
		chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('#profile-form') ? 'profiles' :
			(document.querySelector('#storage-continue') ? 'storage' : '')`, &next))
		if next == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if next == "storage" {
		importStep(t, ctx, "storage", chromedp.Click(`#storage-continue`, chromedp.ByQuery))
	}
	importStep(t, ctx, "first profile",
		chromedp.WaitVisible(`#profile-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#profile-name`, "Alex Example", chromedp.ByQuery),
		chromedp.SendKeys(`#profile-birth`, "1970-01-01", chromedp.ByQuery),
		chromedp.Click(`#profile-save`, chromedp.ByQuery),
	)
	// Saved: the people page lists it, or the app moves on (to the summary).
	for i := 0; i < 600; i++ {
		var saved bool
		chromedp.Run(ctx, chromedp.Evaluate(`!!document.querySelector('#people li') || location.pathname !== '/profiles'`, &saved))
		if saved {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	screenshot(t, ctx, "failed-first-profile")
	t.Fatal("first profile not saved")
}

// importStep runs one step of a test, each action within 45 s; on failure it saves
// a screenshot named after the step.
func importStep(t testing.TB, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	for i, a := range actions {
		actx, cancel := context.WithTimeout(ctx, 45*time.Second)
		err := chromedp.Run(actx, a)
		cancel()
		if err != nil {
			screenshot(t, ctx, "failed-"+strings.ReplaceAll(step, " ", "-"))
			t.Fatalf("%s (action %d): %v", step, i, err)
		}
	}
}

// importNav follows a link inside the app (no reload: the session stays).
func importNav(path string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const a = document.createElement('a'); a.href = %q;
		document.body.appendChild(a); a.click(); a.remove(); })()`, path), nil)
}

func openImportPage(t testing.TB, ctx context.Context) {
	t.Helper()
	importStep(t, ctx, "open import", importNav("/import"), chromedp.WaitVisible(`#import[data-phase="pick"]`, chromedp.ByQuery))
}

// waitImportPhase waits for the import page's phase (pick, reading, preview, saving, done).
func waitImportPhase(t testing.TB, ctx context.Context, phase string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got string
	for time.Now().Before(deadline) {
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(document.querySelector('#import') || {dataset: {}}).dataset.phase || ''`, &got)); err != nil {
			t.Fatal(err)
		}
		if got == phase {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("import phase %q, want %q", got, phase)
}

// importCard is what the page shows for one file.
type importCard struct {
	Name     string         `json:"name"`
	State    string         `json:"state"`
	Format   string         `json:"format"`
	Patient  string         `json:"patient"`
	Total    string         `json:"total"`
	Counts   map[string]int `json:"counts"`
	Kinds    map[string]int `json:"kinds"`
	Words    string         `json:"words"`
	Problems []string       `json:"problems"`
	Error    string         `json:"error"`
	Result   string         `json:"result"`
	Target   string         `json:"target"`
	Targets  []string       `json:"targets"`
	Verified string         `json:"verified"`
	Warn     string         `json:"warn"`
	ID       string         `json:"id"`
}

func readImportCards(t testing.TB, ctx context.Context) map[string]importCard {
	t.Helper()
	var cards []importCard
	importStep(t, ctx, "read cards", chromedp.Evaluate(`[...document.querySelectorAll('.import-file')].map(li => {
		const q = s => li.querySelector(s);
		const txt = s => (q(s) || {}).textContent || '';
		const counts = {};
		li.querySelectorAll('.import-count').forEach(c => counts[c.dataset.type] = +c.querySelector('.import-count-n').textContent);
		const kinds = {};
		li.querySelectorAll('.import-kind').forEach(c => kinds[c.dataset.kind] = +c.dataset.n);
		const sel = q('select');
		return {id: li.id, name: txt('.import-file-name'), state: li.dataset.state, format: txt('.import-format'),
			patient: txt('.import-patient'), total: txt('.import-total'), counts, kinds, words: txt('.import-kinds'),
			problems: [...li.querySelectorAll('.import-problem')].map(p => p.dataset.code + ': ' + p.textContent),
			error: txt('.import-error-text'), result: txt('.import-result'), verified: txt('.import-signature'), warn: txt('.import-mismatch'),
			target: sel ? sel.value : '', targets: sel ? [...sel.options].map(o => o.value + '=' + o.textContent) : []};
	})`, &cards))
	out := map[string]importCard{}
	for _, c := range cards {
		out[c.Name] = c
	}
	return out
}

func importUpload(t testing.TB, ctx context.Context, paths ...string) {
	t.Helper()
	importStep(t, ctx, "importUpload", chromedp.SetUploadFiles(`#import-files`, paths, chromedp.ByQuery))
}

// importOnHost is what the importer makes of a file on the host: the page
// must show the same.
func importOnHost(t testing.TB, path string) importer.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := importer.Import(filepath.Base(path), f, importer.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

// importBadFiles writes the broken inputs: not a health file, truncated JSON, an
// XML entity bomb (the ccda fixture) and a 1 GiB file (sparse: never read).
func importBadFiles(t testing.TB) map[string]string {
	dir := t.TempDir()
	w := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bundle, err := os.ReadFile(importFHIRFixture("transaction.json"))
	if err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return map[string]string{
		"letter.txt":           w("letter.txt", []byte("Dear doctor,\nthese are my notes.\n")),
		"cut.json":             w("cut.json", bundle[:len(bundle)/2]),
		"doctype-entities.xml": importCCDAFixture("doctype-entities.xml"),
		"huge.json":            huge,
	}
}

// TestImportPage: a FHIR bundle and a C-CDA are previewed, imported (one
// into a new person made from the file, one into the current profile), and
// imported again without adding anything; broken files each get their error
// and do not stop the others.
func TestImportPage(t *testing.T) {
	s := startSite(t, "import")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	openImportPage(t, ctx)
	screenshot(t, ctx, "import-empty-phone")

	bundlePath, cdaPath := importFHIRFixture("transaction.json"), importCCDAFixture("ccd.xml")
	bundle, cda := importOnHost(t, bundlePath), importOnHost(t, cdaPath)
	bad := importBadFiles(t)
	importUpload(t, ctx, bundlePath, cdaPath, bad["letter.txt"], bad["cut.json"], bad["doctype-entities.xml"], bad["huge.json"])
	waitImportPhase(t, ctx, "preview", time.Minute)
	importStep(t, ctx, "kinds counted", chromedp.Poll(`document.querySelectorAll('.import-kinds').length === 2 && !document.querySelector('.import-kinds-wait')`, nil, chromedp.WithPollingTimeout(time.Minute)))
	cards := readImportCards(t, ctx)
	if len(cards) != 6 {
		t.Fatalf("%d cards, want 6: %+v", len(cards), cards)
	}

	b := cards["transaction.json"]
	name, born := importer.PatientName(*bundle.Patient)
	if b.State != "ready" || b.Format != "FHIR R4 bundle" || !strings.Contains(b.Patient, name) || !strings.Contains(b.Patient, born) {
		t.Errorf("bundle card: %+v", b)
	}
	for typ, n := range bundle.Counts {
		if b.Counts[typ] != n {
			t.Errorf("bundle: %s shown %d, want %d", typ, b.Counts[typ], n)
		}
	}
	// In plain words ("2 lab results"), adding up to the records to add;
	// resource type names stay in the technical details.
	nk := 0
	for _, n := range b.Kinds {
		nk += n
	}
	if nk != len(bundle.Resources) || b.Words == "" {
		t.Errorf("bundle kinds %v (%q) add up to %d, want %d", b.Kinds, b.Words, nk, len(bundle.Resources))
	}
	for typ := range bundle.Counts {
		if strings.Contains(b.Words, typ) {
			t.Errorf("bundle preview names the FHIR type %s: %q", typ, b.Words)
		}
	}
	if b.Total != fmt.Sprint(len(bundle.Resources)) {
		t.Errorf("bundle total %q, want %d", b.Total, len(bundle.Resources))
	}
	if !strings.Contains(b.Warn, name) || !strings.Contains(b.Warn, "Alex Example") {
		t.Errorf("bundle: no hint that the file is about someone else: %q", b.Warn)
	}
	if len(b.Targets) != 2 || !strings.HasPrefix(b.Targets[1], "new=") {
		t.Errorf("bundle targets: %v (want the current profile and a new person)", b.Targets)
	}
	c := cards["ccd.xml"]
	if c.State != "ready" || c.Format != "C-CDA document" || c.Total != fmt.Sprint(len(cda.Resources)) {
		t.Errorf("ccda card: %+v (host: %d resources)", c, cda.Total())
	}
	if len(cda.Problems) > 0 && len(c.Problems) == 0 {
		t.Errorf("ccda: %d problems on the host, none shown", len(cda.Problems))
	}
	for _, p := range c.Problems {
		if strings.Contains(p, "import.problem.") {
			t.Errorf("problem without a message: %s", p)
		}
	}
	wantErr := map[string]string{
		"letter.txt":           "cannot read this kind of file",
		"cut.json":             "ends too early",
		"doctype-entities.xml": "declares XML entities",
		"huge.json":            "larger than Backpack accepts",
	}
	for name, want := range wantErr {
		if c := cards[name]; c.State != "failed" || !strings.Contains(c.Error, want) {
			t.Errorf("%s: state %q error %q, want failed with %q", name, c.State, c.Error, want)
		}
	}
	var confirmText string
	importStep(t, ctx, "confirm label", chromedp.Text(`#import-confirm`, &confirmText, chromedp.ByQuery))
	if !strings.Contains(confirmText, "2") {
		t.Errorf("confirm button %q, want 2 files", confirmText)
	}
	screenshot(t, ctx, "import-preview-phone")
	importStep(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "import-preview-desktop")
	importStep(t, ctx, "phone", phone())

	// The bundle makes a new person; the C-CDA goes to the current profile.
	importStep(t, ctx, "choose new person",
		chromedp.SetValue(`#`+b.ID+`-target`, "new", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#`+b.ID+`-target').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Click(`#import-confirm`, chromedp.ByQuery),
	)
	waitImportPhase(t, ctx, "done", time.Minute)
	cards = readImportCards(t, ctx)
	if got, want := cards["transaction.json"].Result, fmt.Sprintf("%d added, 0 already there", len(bundle.Resources)); !strings.Contains(got, want) {
		t.Errorf("bundle result %q, want %q", got, want)
	}
	if got, want := cards["ccd.xml"].Result, fmt.Sprintf("%d added, 0 already there", len(cda.Resources)); !strings.Contains(got, want) {
		t.Errorf("ccda result %q, want %q", got, want)
	}
	for name := range wantErr {
		if cards[name].State != "failed" {
			t.Errorf("%s: state %q after import", name, cards[name].State)
		}
	}
	var done string
	var people []string
	importStep(t, ctx, "summary",
		chromedp.Text(`#import-done .import-done-text`, &done, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('.import-open')].map(b => b.textContent)`, &people))
	if want := fmt.Sprintf("%d added, 0 already there", len(bundle.Resources)+len(cda.Resources)); !strings.Contains(done, want) {
		t.Errorf("summary %q, want %q", done, want)
	}
	if len(people) != 2 || !strings.Contains(strings.Join(people, "|"), name) || !strings.Contains(strings.Join(people, "|"), "Alex Example") {
		t.Errorf("open buttons: %v", people)
	}
	screenshot(t, ctx, "import-done-phone")
	importStep(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "import-done-desktop")
	importStep(t, ctx, "phone", phone())

	// Again: the bundle now defaults to the person made from it, and nothing is added twice.
	importStep(t, ctx, "clear", chromedp.Click(`#import-clear`, chromedp.ByQuery))
	waitImportPhase(t, ctx, "pick", 10*time.Second)
	importUpload(t, ctx, bundlePath, cdaPath)
	waitImportPhase(t, ctx, "preview", time.Minute)
	cards = readImportCards(t, ctx)
	if tg := cards["transaction.json"].Target; tg == "new" || tg == "" || tg == cards["ccd.xml"].Target {
		t.Errorf("re-import targets: bundle %q, ccda %q (want the new person, and the current profile)", tg, cards["ccd.xml"].Target)
	}
	importStep(t, ctx, "confirm again", chromedp.Click(`#import-confirm`, chromedp.ByQuery))
	waitImportPhase(t, ctx, "done", time.Minute)
	cards = readImportCards(t, ctx)
	if got, want := cards["transaction.json"].Result, fmt.Sprintf("0 added, %d already there", len(bundle.Resources)); !strings.Contains(got, want) {
		t.Errorf("bundle again: %q, want %q", got, want)
	}
	if got, want := cards["ccd.xml"].Result, fmt.Sprintf("0 added, %d already there", len(cda.Resources)); !strings.Contains(got, want) {
		t.Errorf("ccda again: %q, want %q", got, want)
	}
	screenshot(t, ctx, "import-again-phone")
}

// TestImportDrop: files dropped on the drop zone are read like picked ones.
func TestImportDrop(t *testing.T) {
	s := startSite(t, "import")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	openImportPage(t, ctx)
	obs, err := os.ReadFile(importFHIRFixture("observation.json"))
	if err != nil {
		t.Fatal(err)
	}
	importStep(t, ctx, "drop", chromedp.Evaluate(fmt.Sprintf(`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([%q], 'observation.json', {type: 'application/json'}));
		const zone = document.querySelector('#import-drop');
		zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
		zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`, string(obs)), nil))
	waitImportPhase(t, ctx, "preview", 30*time.Second)
	c := readImportCards(t, ctx)["observation.json"]
	if c.State != "ready" || c.Counts["Observation"] != 1 || c.Target == "" || c.Target == "new" {
		t.Errorf("dropped file: %+v", c)
	}
	importStep(t, ctx, "confirm", chromedp.Click(`#import-confirm`, chromedp.ByQuery))
	waitImportPhase(t, ctx, "done", 30*time.Second)
	if r := readImportCards(t, ctx)["observation.json"].Result; !strings.Contains(r, "1 added, 0 already there") {
		t.Errorf("dropped file result %q", r)
	}
}

// TestImportCorpus previews portal files from the shared corpus (skipped
// when it is absent): a SMART Health Card (signature not checkable: issuer
// unknown), bulk NDJSON and a vendor's C-CDA, and imports them.
func TestImportCorpus(t *testing.T) {
	files := []string{
		filepath.Join(corpusDir, "shc", "example-00-e-file.smart-health-card"),
		filepath.Join(corpusDir, "shc", "example-00-f-qr-code-numeric-value-0.txt"),
		filepath.Join(corpusDir, "ndjson", "Condition.000.ndjson"),
		filepath.Join(corpusDir, "ccda", "Practice-Fusion.xml"),
		filepath.Join(corpusDir, "fhir-r4", "Enda.json"),
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("corpus absent (%s)", f)
		}
	}
	s := startSite(t, "import")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	openImportPage(t, ctx)
	importUpload(t, ctx, files...)
	waitImportPhase(t, ctx, "preview", time.Minute)
	cards := readImportCards(t, ctx)
	for _, f := range files {
		name := filepath.Base(f)
		host := importOnHost(t, f)
		c := cards[name]
		if c.State != "ready" || c.Total != fmt.Sprint(len(host.Resources)) {
			t.Errorf("%s: state %q total %q, host %d (%v)", name, c.State, c.Total, host.Total(), c.Error)
		}
		if host.Format == importer.FormatSHC && !strings.Contains(c.Verified, "not verified") {
			t.Errorf("%s: signature %q, want not verified (no issuer keys known)", name, c.Verified)
		}
	}
	screenshot(t, ctx, "import-corpus-phone")
	importStep(t, ctx, "confirm", chromedp.Click(`#import-confirm`, chromedp.ByQuery))
	waitImportPhase(t, ctx, "done", 2*time.Minute)
	cards = readImportCards(t, ctx)
	for name, c := range cards {
		if c.State != "done" {
			t.Errorf("%s: %q %q", name, c.State, c.Result)
		}
	}
	// Both SHC files hold the same card: the second adds nothing.
	if r := cards["example-00-f-qr-code-numeric-value-0.txt"].Result; !strings.HasPrefix(r, "0 added") {
		t.Errorf("the same card as QR text: %q, want nothing added", r)
	}
	importStep(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "import-corpus-done-desktop")
	importStep(t, ctx, "phone", phone())

	// With the issuer's keys added alongside, a card's signature is checked.
	keys, card := filepath.Join(corpusDir, "shc", "issuer-jwks.json"), filepath.Join(corpusDir, "shc", "example-02-e-file.smart-health-card")
	if _, err := os.Stat(keys); err != nil {
		t.Skip("no issuer keys in the corpus")
	}
	importStep(t, ctx, "clear", chromedp.Click(`#import-clear`, chromedp.ByQuery))
	importUpload(t, ctx, card, keys)
	waitImportPhase(t, ctx, "preview", time.Minute)
	cards = readImportCards(t, ctx)
	if k := cards["issuer-jwks.json"]; k.State != "keys" {
		t.Errorf("key file: %+v", k)
	}
	// Untied, the keys check nothing: a key id does not say who signs.
	if c := cards[filepath.Base(card)]; c.State != "ready" || c.Verified == "Signature verified" || !strings.Contains(strings.Join(c.Problems, "\n"), "shc-other-issuer") {
		t.Errorf("card with keys of no issuer: state %q signature %q problems %q", c.State, c.Verified, c.Problems)
	}
	// The person ties them to the issuer the card names (suggested).
	var iss string
	importStep(t, ctx, "issuer suggested", chromedp.Value(`.import-keys-iss`, &iss, chromedp.ByQuery))
	if iss != "https://spec.smarthealth.cards/examples/issuer" {
		t.Errorf("suggested issuer %q", iss)
	}
	screenshot(t, ctx, "import-shc-keys-untied-phone")
	importStep(t, ctx, "tie keys", chromedp.Evaluate(`document.querySelector('.import-keys-use').scrollIntoView({block: "center"})`, nil))
	importStep(t, ctx, "tie keys", chromedp.Click(`.import-keys-use`, chromedp.ByQuery))
	importStep(t, ctx, "keys tied", chromedp.WaitVisible(`.import-keys-tied`, chromedp.ByQuery))
	// The worker checks the card again; its badge follows.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		cards = readImportCards(t, ctx)
		if cards[filepath.Base(card)].Verified == "Signature verified" || time.Now().After(deadline) {
			break
		}
	}
	if c := cards[filepath.Base(card)]; c.State != "ready" || c.Verified != "Signature verified" {
		t.Errorf("card with its issuer's keys: state %q signature %q", c.State, c.Verified)
	}
	var confirm string
	importStep(t, ctx, "confirm label", chromedp.Text(`#import-confirm`, &confirm, chromedp.ByQuery))
	if !strings.Contains(confirm, "1") {
		t.Errorf("confirm %q: the key file is not a record to import", confirm)
	}
	screenshot(t, ctx, "import-shc-keys-phone")
}
