package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

const (
	fhirTestdata = "../internal/importer/testdata"
	ccdaTestdata = "../internal/importer/ccda/testdata"
)

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseBytes(t *testing.T, name string, b []byte) (importer.Result, error) {
	t.Helper()
	var seen int64
	res, err := importParse(name, int64(len(b)), func() io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) },
		importer.JWKS{}, func(n int64) { seen = n })
	if err == nil && seen != int64(len(b)) {
		t.Errorf("%s: progress saw %d of %d bytes", name, seen, len(b))
	}
	return res, err
}

func newTestSession(t *testing.T) (*session.Session, vault.Store) {
	t.Helper()
	store := vault.NewMemStore()
	s, _, err := session.Create(context.Background(), store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	return s, store
}

// TestImportPipeline: a FHIR bundle and a C-CDA land in one profile with
// provenance; importing them again adds nothing; the vault holds them after
// a fresh unlock.
func TestImportPipeline(t *testing.T) {
	ctx := context.Background()
	s, store := newTestSession(t)
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

	// No profile yet: the default target is a new person from the file.
	bundle := readFixture(t, filepath.Join(fhirTestdata, "transaction.json"))
	res, err := parseBytes(t, "transaction.json", bundle)
	if err != nil {
		t.Fatal(err)
	}
	if got := importDefaultTarget(s.Book().Profiles(), "", res); got != importNewProfile {
		t.Fatalf("default target with no profiles = %q, want new", got)
	}
	var stages []importStage
	out, err := importSave(ctx, s, res, nil, importNewProfile, now, func(st importStage, done, total int) {
		stages = append(stages, st)
		if total != len(res.Resources) || done != 0 {
			t.Errorf("stage %d: %d of %d records, want 0 of %d", st, done, total, len(res.Resources))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || stages[0] != stagePrepare || stages[1] != stageWrite {
		t.Errorf("stages = %v", stages)
	}
	if out.Added != len(res.Resources) || out.Skipped != 0 || out.Added == 0 {
		t.Fatalf("first import: %+v, want %d added", out, len(res.Resources))
	}
	prof, ok := s.Book().Profile(out.Profile)
	if !ok {
		t.Fatal("new profile missing")
	}
	name, born := importer.PatientName(*res.Patient)
	if prof.Name != name || prof.BirthDate != born || prof.Relationship != "self" {
		t.Errorf("profile = %q %q %q, want %q %q self", prof.Name, prof.BirthDate, prof.Relationship, name, born)
	}
	// The same person's file now goes to that profile by default.
	if got := importDefaultTarget(s.Book().Profiles(), "", res); got != prof.ID {
		t.Errorf("default target = %q, want the matching profile %q", got, prof.ID)
	}

	// Provenance on every entry.
	page, total := s.Book().Timeline(record.Filter{Profile: prof.ID}, 0, 1000)
	if total != out.Added {
		t.Fatalf("timeline holds %d, want %d", total, out.Added)
	}
	for _, e := range page {
		p := e.Provenance
		if p.Source != "fhir" || p.File != "transaction.json" || !p.ImportedAt.Equal(now) || p.System == "" {
			t.Errorf("entry %s provenance = %+v", e.ID, p)
		}
		if e.Identity == "" {
			t.Errorf("entry %s has no identity", e.ID)
		}
	}

	// Re-import: nothing twice.
	res2, err := parseBytes(t, "transaction.json", bundle)
	if err != nil {
		t.Fatal(err)
	}
	out2, err := importSave(ctx, s, res2, nil, prof.ID, now.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out2.Added != 0 || out2.Skipped != len(res2.Resources) {
		t.Errorf("re-import: %+v, want 0 added, %d skipped", out2, len(res2.Resources))
	}

	// A C-CDA into the same profile.
	cda := readFixture(t, filepath.Join(ccdaTestdata, "ccd.xml"))
	res3, err := parseBytes(t, "ccd.xml", cda)
	if err != nil {
		t.Fatal(err)
	}
	if res3.Format != importer.FormatCCDA || len(res3.Resources) == 0 {
		t.Fatalf("ccd.xml: format %s, %d resources", res3.Format, len(res3.Resources))
	}
	out3, err := importSave(ctx, s, res3, nil, prof.ID, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out3.Added != len(res3.Resources) {
		t.Errorf("ccda: %+v, want %d added", out3, len(res3.Resources))
	}
	for _, e := range mustTimeline(s, prof.ID) {
		if e.Provenance.File == "ccd.xml" && e.Provenance.Source != "ccda" {
			t.Errorf("ccda entry provenance = %+v", e.Provenance)
		}
	}
	out4, err := importSave(ctx, s, res3, importPrepare(res3, now, nil), prof.ID, now, nil)
	if err != nil || out4.Added != 0 {
		t.Errorf("ccda re-import: %+v %v", out4, err)
	}

	// Everything is in the vault: a fresh unlock sees it.
	want := s.Book().Len(prof.ID)
	s2, err := session.Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Book().Len(prof.ID); got != want || want != out.Added+out3.Added {
		t.Errorf("after unlock: %d entries, want %d (= %d + %d)", got, want, out.Added, out3.Added)
	}
}

func mustTimeline(s *session.Session, profile string) []record.Entry {
	page, _ := s.Book().Timeline(record.Filter{Profile: profile}, 0, 100000)
	return page
}

// failingStore fails every write, like a full disk or a closed tab.
type failingStore struct{ vault.Store }

var errDiskFull = errors.New("disk full")

func (f failingStore) Write(ctx context.Context, ops []vault.Op) error { return errDiskFull }

// TestImportAtomic: when the vault write fails, nothing of the file (and no
// new profile) is left behind, in the book or in the store.
func TestImportAtomic(t *testing.T) {
	ctx := context.Background()
	store := vault.NewMemStore()
	s, _, err := session.Create(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	res, err := parseBytes(t, "collection.json", readFixture(t, filepath.Join(fhirTestdata, "collection.json")))
	if err != nil {
		t.Fatal(err)
	}
	s.Lock()
	s, err = session.Unlock(ctx, failingStore{store}, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	_, err = importSave(ctx, s, res, nil, importNewProfile, time.Now(), nil)
	if err == nil {
		t.Fatal("import over a failing store succeeded")
	}
	if importSaveErrorKey(err) != "importui.error.save" {
		t.Errorf("error key = %q", importSaveErrorKey(err))
	}
	if n := len(s.Book().Profiles()); n != 0 {
		t.Errorf("%d profiles left after a failed import", n)
	}
	s2, err := session.Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s2.Book().Profiles()); n != 0 {
		t.Errorf("vault holds %d profiles after a failed import", n)
	}
}

// TestImportBadInput: each bad file gets its own clear message; none reads
// more than the limit.
func TestImportBadInput(t *testing.T) {
	bundle := readFixture(t, filepath.Join(fhirTestdata, "transaction.json"))
	tests := []struct {
		name string
		data []byte
		size int64 // reported size; 0 means len(data)
		key  string
	}{
		{"notes.txt", []byte("Dear doctor, here are my notes.\n"), 0, "import.error.unknown"},
		{"cut.json", bundle[:len(bundle)/2], 0, "import.error.truncated"},
		{"broken.json", []byte(`{"resourceType": "Bundle" "type": "collection"}`), 0, "import.error.syntax"},
		{"empty.json", nil, 0, "import.error.empty"},
		{"bomb.xml", readFixture(t, filepath.Join(ccdaTestdata, "doctype-entities.xml")), 0, "import.error.ccda-doctype"},
		{"huge.json", []byte("{}"), 1 << 30, "import.error.too-large"},
		{"bad.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3}, 0, "import.error.gzip"},
		{"plain.json", []byte(`{"hello": "world"}`), 0, "import.error.not-fhir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := tt.size
			if size == 0 {
				size = int64(len(tt.data))
			}
			opened := false
			_, err := importParse(tt.name, size, func() io.ReadCloser {
				opened = true
				return io.NopCloser(bytes.NewReader(tt.data))
			}, importer.JWKS{}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if got := importErrorKey(err); got != tt.key {
				t.Errorf("key = %q, want %q (%v)", got, tt.key, err)
			}
			if !i18n.Has(tt.key) {
				t.Errorf("no message for %s", tt.key)
			}
			if tt.size > importMaxBytes && opened {
				t.Error("a file over the limit was opened")
			}
			if strings.Contains(err.Error(), "doctor") {
				t.Error("error text holds file content")
			}
		})
	}
}

// TestImportNoPatient: a file without a Patient cannot make a new profile,
// and a vanished profile is refused, both without writing.
func TestImportNoPatient(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestSession(t)
	res, err := parseBytes(t, "observation.json", readFixture(t, filepath.Join(fhirTestdata, "observation.json")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := importSave(ctx, s, res, nil, importNewProfile, time.Now(), nil); importSaveErrorKey(err) != "importui.error.nopatient" {
		t.Errorf("new profile without patient: %v", err)
	}
	if _, err := importSave(ctx, s, res, nil, "nobody", time.Now(), nil); importSaveErrorKey(err) != "importui.error.noprofile" {
		t.Errorf("unknown profile: %v", err)
	}
	if got := importDefaultTarget(nil, "", res); got != "" {
		t.Errorf("default target without patient or profile = %q, want none", got)
	}
}

func TestGroupProblems(t *testing.T) {
	ps := []importer.Problem{
		{Severity: importer.SevWarning, Code: "bad-line", Where: "line 3"},
		{Severity: importer.SevInfo, Code: "paged"},
		{Severity: importer.SevWarning, Code: "bad-line", Where: "line 9"},
		{Severity: importer.SevError, Code: "shc-bad-signature"},
	}
	for i := 0; i < 20; i++ {
		ps = append(ps, importer.Problem{Severity: importer.SevWarning, Code: "bad-line", Where: "line x"})
	}
	g := groupProblems(ps)
	if len(g) != 3 {
		t.Fatalf("%d groups, want 3", len(g))
	}
	if g[0].Code != "shc-bad-signature" || g[1].Code != "bad-line" || g[2].Code != "paged" {
		t.Errorf("order = %s %s %s", g[0].Code, g[1].Code, g[2].Code)
	}
	if g[1].Count != 22 || len(g[1].Where) != importMaxWhere || g[1].Where[0] != "line 3" {
		t.Errorf("bad-line group = %+v", g[1])
	}
	for _, x := range g {
		if importer.ProblemMessage(x.Sample) == x.Code {
			t.Errorf("no message for %s", x.Code)
		}
	}
}

func TestImportKeysInCatalog(t *testing.T) {
	for _, st := range []string{fileWaiting, fileReading, fileReady, fileFailed, fileSaving, fileDone, fileNotSaved} {
		if !i18n.Has("importui.state." + st) {
			t.Errorf("no message for state %s", st)
		}
	}
	for _, f := range []importer.Format{importer.FormatBundle, importer.FormatResource, importer.FormatNDJSON,
		importer.FormatIPS, importer.FormatCCDA, importer.FormatSHC, importer.FormatPortal, importer.FormatUnknown} {
		if !i18n.Has("import.format." + string(f)) {
			t.Errorf("no message for format %s", f)
		}
	}
}

// TestImportSaveChunks: a long file is turned into entries in chunks (with
// progress between them) and lands whole, in file order, de-duplicated.
func TestImportSaveChunks(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestSession(t)
	prof, err := s.SaveProfile(ctx, record.Profile{Name: "Alex Example", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*importChunk + 7
	res := importer.Result{File: "long.ndjson", Format: importer.FormatNDJSON, Counts: map[string]int{}}
	for i := 0; i < n; i++ {
		r, err := fhir.Parse([]byte(fmt.Sprintf(`{"resourceType":"Observation","id":"o%d","status":"final",
			"code":{"text":"Heart rate"},"effectiveDateTime":"2020-01-01","valueQuantity":{"value":%d,"unit":"/min"}}`, i%(n-3), 60+i%40)))
		if err != nil {
			t.Fatal(err)
		}
		res.Resources = append(res.Resources, r)
	}
	var calls []string
	out, err := importSave(ctx, s, res, nil, prof.ID, time.Now(), func(st importStage, done, total int) {
		calls = append(calls, fmt.Sprintf("%d:%d/%d", st, done, total))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("0:0/%d", n), fmt.Sprintf("0:%d/%d", importChunk, n), fmt.Sprintf("0:%d/%d", 2*importChunk, n),
		fmt.Sprintf("1:0/%d", n),
	}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("progress = %v, want %v", calls, want)
	}
	// Three ids repeat within the file: they are kept once.
	if out.Added != n-3 || out.Skipped != 3 {
		t.Errorf("added %d skipped %d, want %d and 3", out.Added, out.Skipped, n-3)
	}
	whole := importer.ToEntries(res, prof.ID, time.Now())
	got := map[string]bool{}
	for _, e := range mustTimeline(s, prof.ID) {
		got[e.Identity] = true
	}
	for _, e := range whole {
		if !got[e.Identity] {
			t.Fatalf("entry %s missing after a chunked save", e.Resource.ID)
		}
	}
}

func TestImportReadKeys(t *testing.T) {
	key := `{"kty":"EC","kid":"k1","use":"sig","alg":"ES256","crv":"P-256","x":"11111111111111111111111111111111111111111111","y":"22222222222222222222222222222222222222222222"}`
	tests := []struct {
		name, data string
		n          int
	}{
		{"issuer-jwks.json", `{"keys":[` + key + `]}`, 1},
		{"jwks.JSON", `{"keys":[` + key + `,{"kty":"RSA","n":"x","e":"AQAB"}]}`, 1},
		{"jwks.txt", `{"keys":[` + key + `]}`, 0},                                                    // not .json
		{"bundle.json", `{"resourceType":"Bundle","keys":[` + key + `]}`, 0},                         // a FHIR file
		{"empty.json", `{"keys":[]}`, 0},                                                             // nothing usable
		{"rsa.json", `{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}`, 0},                               // not P-256
		{"broken.json", `{"keys":[`, 0},                                                              // not JSON
		{"big.json", `{"keys":[` + key + `],"pad":"` + strings.Repeat("x", importMaxKeys) + `"}`, 0}, // too large to be keys
	}
	for _, tt := range tests {
		k, ok := importReadKeys(tt.name, int64(len(tt.data)), func() io.ReadCloser { return io.NopCloser(strings.NewReader(tt.data)) })
		if ok != (tt.n > 0) || len(k.Keys) != tt.n {
			t.Errorf("%s: ok %v, %d keys; want %d", tt.name, ok, len(k.Keys), tt.n)
		}
	}
}

// The preview says what a file holds in plain words, plural-correct, with
// billing counted apart: never "Observation" or "ExplanationOfBenefit".
func TestImportKindCounts(t *testing.T) {
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
	 {"resource":{"resourceType":"Patient","id":"p","name":[{"family":"Doe","given":["Jo"]}]}},
	 {"resource":{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},"period":{"start":"2020-01-01"}}},
	 {"resource":{"resourceType":"Encounter","id":"e2","status":"finished","class":{"code":"AMB"},"period":{"start":"2020-02-01"}}},
	 {"resource":{"resourceType":"Observation","id":"o1","status":"final","category":[{"coding":[{"code":"laboratory"}]}],
	  "code":{"text":"Platelets"},"effectiveDateTime":"2020-01-01","valueQuantity":{"value":123,"unit":"10*9/L"}}},
	 {"resource":{"resourceType":"Claim","id":"c1","status":"active","created":"2020-01-01","total":{"value":10,"currency":"USD"}}},
	 {"resource":{"resourceType":"ExplanationOfBenefit","id":"x1","status":"active","created":"2020-01-01"}},
	 {"resource":{"resourceType":"ExplanationOfBenefit","id":"x2","status":"active","created":"2020-02-01"}}]}`
	res, err := parseBytes(t, "b.json", []byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	kinds := importKindCounts(importPrepare(res, time.Now(), nil))
	defer i18n.SetLang(i18n.Current())
	for _, c := range []struct {
		lang i18n.Lang
		want []string
	}{
		{i18n.English, []string{"3 billing records", "2 visits", "1 lab result"}},
		{i18n.Spanish, []string{"3 registros de facturación", "2 consultas", "1 resultado de laboratorio"}},
	} {
		i18n.SetLang(c.lang)
		var got []string
		for _, k := range kinds {
			got = append(got, importCountText(k))
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: %q, want %q", c.lang, got, c.want)
		}
	}
}

// The entries the worker makes (decoded on the page, part by part) are
// those the page would make from the result itself.
func TestImportDecodeWorkerEntries(t *testing.T) {
	for _, path := range []string{fhirTestdata + "/transaction.json", ccdaTestdata + "/ccd.xml"} {
		b := readFixture(t, path)
		p, err := importServe(path, int64(len(b)), func() io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }, importer.JWKS{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		var parts int
		got := importDecode(p, now, func(done, total int) { parts++ })
		want := importPrepare(p.Result, now, nil)
		if len(got) != len(want) || len(got) == 0 || parts == 0 {
			t.Fatalf("%s: %d entries in %d parts, want %d", path, len(got), parts, len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if !reflect.DeepEqual(g.Projection, w.Projection) || !reflect.DeepEqual(g.Identity, w.Identity) || !bytes.Equal(g.Resource.JSON, w.Resource.JSON) || g.Provenance.Source != w.Provenance.Source {
				t.Errorf("%s entry %d:\n got %+v\nwant %+v", path, i, g, w)
			}
		}
	}
}
