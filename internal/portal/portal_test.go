package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/importer"
	"backpack/internal/portal"
	"backpack/internal/portal/portaltest"
)

const redirect = "http://127.0.0.1:9/connect/callback"

func fixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/synthea-small.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func start(t *testing.T, opt portaltest.Options, bundles ...[]byte) *portaltest.Server {
	t.Helper()
	if len(bundles) == 0 {
		bundles = [][]byte{fixture(t)}
	}
	s, err := portaltest.Start(opt, bundles...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// signIn goes through discovery, the authorize redirect and the token
// exchange as the app does.
func signIn(t *testing.T, s *portaltest.Server, clientID string) (portal.Config, portal.Launch, portal.Token) {
	t.Helper()
	ctx := context.Background()
	cfg, err := portal.Discover(ctx, fetch.Default, s.FHIR+"/")
	if err != nil {
		t.Fatal(err)
	}
	l := portal.NewLaunch(cfg, clientID, redirect, "Springfield Clinic")
	q := follow(t, l.URL())
	code, err := l.Code(q)
	if err != nil {
		t.Fatalf("Code: %v (answer %v)", err, q)
	}
	tok, err := l.Exchange(ctx, fetch.Default, code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cfg, l, tok
}

// follow requests the authorize URL and returns the query of the redirect.
func follow(t *testing.T, u string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func source(cfg portal.Config, l portal.Launch, tok portal.Token) portal.Source {
	return portal.Source{Name: l.Name, FHIR: cfg.FHIR, TokenURL: cfg.Token, ClientID: l.ClientID, Patient: tok.Patient}
}

func fast() portal.Options { return portal.Options{Backoff: time.Millisecond} }

func TestDiscoverWellKnownAndMetadata(t *testing.T) {
	for _, noWK := range []bool{false, true} {
		s := start(t, portaltest.Options{NoWellKnown: noWK})
		cfg, err := portal.Discover(context.Background(), fetch.Default, s.FHIR+"/metadata")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.FHIR != s.FHIR || cfg.Authorize != s.URL+"/auth/authorize" || cfg.Token != s.URL+"/auth/token" || cfg.Revoke != s.URL+"/auth/revoke" {
			t.Errorf("wellknown=%v: %+v", !noWK, cfg)
		}
	}
	if _, err := portal.Discover(context.Background(), fetch.Default, "ftp://example.org/fhir"); portal.Code(err) != "address" {
		t.Errorf("ftp: %v", err)
	}
	if _, err := portal.Discover(context.Background(), fetch.Default, "http://example.org/fhir"); portal.Code(err) != "address" {
		t.Errorf("plain http off loopback: %v", err)
	}
}

func TestScopesFollowServer(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		s := start(t, portaltest.Options{V1: v1})
		cfg, err := portal.Discover(context.Background(), fetch.Default, s.FHIR)
		if err != nil {
			t.Fatal(err)
		}
		sc := strings.Fields(cfg.Scope())
		for _, want := range []string{"openid", "fhirUser", "launch/patient", "offline_access"} {
			if !slices.Contains(sc, want) {
				t.Errorf("v1=%v: scope lacks %s", v1, want)
			}
		}
		want, not := "patient/Observation.rs", "patient/Observation.read"
		if v1 {
			want, not = not, want
		}
		if !slices.Contains(sc, want) || slices.Contains(sc, not) {
			t.Errorf("v1=%v: %s", v1, cfg.Scope())
		}
	}
}

func TestSignInChecksStateAndPKCE(t *testing.T) {
	s := start(t, portaltest.Options{ClientID: "backpack-test"})
	ctx := context.Background()
	cfg, err := portal.Discover(ctx, fetch.Default, s.FHIR)
	if err != nil {
		t.Fatal(err)
	}
	l := portal.NewLaunch(cfg, "backpack-test", redirect, "x")
	q := follow(t, l.URL())
	if _, err := (portal.Launch{State: "other"}).Code(q); portal.Code(err) != "state" {
		t.Errorf("another state: %v", err)
	}
	code, err := l.Code(q)
	if err != nil {
		t.Fatal(err)
	}
	wrong := l
	wrong.Verifier = "not-the-verifier-not-the-verifier-not-the-verifier"
	if _, err := wrong.Exchange(ctx, fetch.Default, code, time.Now()); portal.Code(err) != "token" {
		t.Errorf("wrong verifier: %v", err)
	}
	// The code was spent by the failed attempt: sign in again.
	l = portal.NewLaunch(cfg, "backpack-test", redirect, "x")
	code, _ = l.Code(follow(t, l.URL()))
	tok, err := l.Exchange(ctx, fetch.Default, code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Patient != s.Patient() || tok.Refresh == "" || tok.Expires.IsZero() {
		t.Errorf("token: patient %q refresh %v expires %v", tok.Patient, tok.Refresh != "", tok.Expires)
	}
	// A client id the server does not know is refused at authorize.
	bad := portal.NewLaunch(cfg, "someone-else", redirect, "x")
	if _, err := bad.Code(follow(t, bad.URL())); portal.Code(err) != "denied" {
		t.Errorf("unknown client: %v", err)
	}
}

func TestPullWholeRecord(t *testing.T) {
	s := start(t, portaltest.Options{PageSize: 2})
	cfg, l, tok := signIn(t, s, "any-client")
	res, rep, err := portal.Pull(context.Background(), fetch.Default, source(cfg, l, tok), tok, fast())
	if err != nil {
		t.Fatal(err)
	}
	if res.Patient == nil || res.Patient.ID != s.Patient() {
		t.Fatalf("patient: %+v", res.Patient)
	}
	want := map[string]int{"Patient": 1, "Condition": 2, "AllergyIntolerance": 1, "MedicationRequest": 1, "Medication": 1,
		"Immunization": 1, "Observation": 5, "Procedure": 1, "Encounter": 1, "DiagnosticReport": 1, "DocumentReference": 1,
		"CarePlan": 1, "Goal": 1, "Practitioner": 1, "Organization": 1}
	for k, n := range want {
		if res.Counts[k] != n {
			t.Errorf("%s: %d, want %d", k, res.Counts[k], n)
		}
	}
	if len(res.Counts) != len(want) {
		t.Errorf("counts %v", res.Counts)
	}
	if res.Source != "Springfield Clinic" || res.File != "Springfield Clinic" || res.Format != importer.FormatPortal {
		t.Errorf("source %q file %q format %q", res.Source, res.File, res.Format)
	}
	if len(res.Files) != 1 || !strings.Contains(string(res.Files[0].Data), "Continue lisinopril") {
		t.Errorf("attachment: %d files", len(res.Files))
	}
	if len(rep.Refused) != 0 || res.HasErrors() {
		t.Errorf("refused %v problems %v", rep.Refused, res.Problems)
	}
	// Observation (5) at 2 a page is 3 pages.
	pages := 0
	for _, p := range s.Seen() {
		if strings.HasPrefix(p, "/Observation?") {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("%d Observation pages, want 3", pages)
	}
	// The medication ordered is named after the Medication it references.
	for _, e := range importer.ToEntries(res, "p1", time.Now()) {
		if e.Resource.Type == "MedicationRequest" && e.Title != "lisinopril 10 MG Oral Tablet" {
			t.Errorf("medication titled %q", e.Title)
		}
	}
	// Entries come out as from an imported file.
	es := importer.ToEntries(res, "p1", time.Now())
	if len(es) != len(res.Resources) || es[0].Provenance.System != "Springfield Clinic" || es[0].Provenance.Source != "portal" {
		t.Errorf("entries %d provenance %+v", len(es), es[0].Provenance)
	}
}

func TestPullSurvivesRefusalsThrottlingAndExpiry(t *testing.T) {
	s := start(t, portaltest.Options{Refuse: []string{"Immunization", "Practitioner"}, TooMany: 4, TokenTTL: 2 * time.Second, NeedCategory: true, PageSize: 3})
	cfg, l, tok := signIn(t, s, "c")
	opt := fast()
	opt.Margin = 3 * time.Second // every request sees the token about to expire
	res, rep, err := portal.Pull(context.Background(), fetch.Default, source(cfg, l, tok), tok, opt)
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, r := range rep.Refused {
		refused = append(refused, r.Type)
		if r.Status != http.StatusForbidden {
			t.Errorf("%s refused with %d", r.Type, r.Status)
		}
	}
	slices.Sort(refused)
	if !slices.Equal(refused, []string{"Immunization", "Practitioner"}) {
		t.Errorf("refused %v", refused)
	}
	n := 0
	for _, p := range res.Problems {
		if p.Code == portal.ProblemRefused {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d refusal problems: %v", n, res.Problems)
	}
	if res.Counts["Observation"] != 5 || res.Counts["Condition"] != 2 || res.Counts["Immunization"] != 0 {
		t.Errorf("counts %v", res.Counts)
	}
	st := s.Stats()
	if st.TooMany == 0 || rep.Retries < st.TooMany {
		t.Errorf("429s %d, retries %d", st.TooMany, rep.Retries)
	}
	if rep.Refreshes == 0 || st.Refreshes != rep.Refreshes || rep.Token.Access == tok.Access || rep.Token.Refresh == tok.Refresh {
		t.Errorf("refreshes %d (server %d)", rep.Refreshes, st.Refreshes)
	}
}

func TestPullRefreshesAfter401(t *testing.T) {
	s := start(t, portaltest.Options{})
	cfg, l, tok := signIn(t, s, "c")
	s.ExpireTokens() // the server forgets the token early: the pull refreshes on the 401
	res, rep, err := portal.Pull(context.Background(), fetch.Default, source(cfg, l, tok), tok, fast())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Refreshes != 1 || res.Total() != 21-1 { // the Binary is an attachment, not a resource
		t.Errorf("refreshes %d, %d resources %v", rep.Refreshes, res.Total(), res.Counts)
	}
}

func TestPullSignedOut(t *testing.T) {
	s := start(t, portaltest.Options{NoRefresh: true})
	cfg, l, tok := signIn(t, s, "c")
	s.ExpireTokens()
	res, _, err := portal.Pull(context.Background(), fetch.Default, source(cfg, l, tok), tok, fast())
	if portal.Code(err) != "expired" || res.Total() != 0 {
		t.Errorf("err %v, %d resources", err, res.Total())
	}
}

func TestPullIncremental(t *testing.T) {
	s := start(t, portaltest.Options{})
	cfg, l, tok := signIn(t, s, "c")
	time.Sleep(1100 * time.Millisecond) // _lastUpdated is to the second
	since := time.Now()
	time.Sleep(1100 * time.Millisecond)
	if err := s.Load([]byte(`{"resourceType":"Condition","id":"cond-new","code":{"text":"Seasonal allergic rhinitis"},"subject":{"reference":"Patient/` + s.Patient() + `"}}`)); err != nil {
		t.Fatal(err)
	}
	opt := fast()
	opt.Since = since
	res, _, err := portal.Pull(context.Background(), fetch.Default, source(cfg, l, tok), tok, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts["Condition"] != 1 || len(res.Resources) != 1 || res.Resources[0].ID != "cond-new" {
		t.Errorf("incremental pull: %v", res.Counts)
	}
}

func TestRevoke(t *testing.T) {
	s := start(t, portaltest.Options{})
	cfg, l, tok := signIn(t, s, "c")
	if err := portal.Revoke(context.Background(), fetch.Default, cfg.Revoke, l.ClientID, tok); err != nil {
		t.Fatal(err)
	}
	if s.Stats().Revoked != 2 {
		t.Errorf("revoked %d", s.Stats().Revoked)
	}
	if _, err := portal.Refresh(context.Background(), fetch.Default, cfg.Token, l.ClientID, tok, time.Now()); portal.Code(err) != "expired" {
		t.Errorf("refresh after revoke: %v", err)
	}
}

// TestPullCorpus pulls each Synthea patient of the shared corpus, when
// present, and finds every resource of a patient-facing type.
func TestPullCorpus(t *testing.T) {
	dir := ""
	for _, d := range []string{os.Getenv("BACKPACK_CORPUS"), "../../../shared/corpus", "/work/shared/corpus"} {
		if d != "" {
			if _, err := os.Stat(filepath.Join(d, "fhir-r4")); err == nil {
				dir = filepath.Join(d, "fhir-r4")
				break
			}
		}
	}
	if dir == "" {
		t.Skip("sample corpus not present")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := start(t, portaltest.Options{PageSize: 20, TooMany: 7}, b)
		all, err := importer.ImportBytes(f, b, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cfg, l, tok := signIn(t, s, "c")
		res, _, err := portal.Pull(context.Background(), fetch.Default, source(cfg, l, tok), tok, fast())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range append(slices.Clone(portal.Types), "Patient") {
			if res.Counts[k] != all.Counts[k] {
				t.Errorf("%s: %s %d, file has %d", filepath.Base(f), k, res.Counts[k], all.Counts[k])
			}
		}
	}
}

func TestServerCORS(t *testing.T) {
	for _, off := range []bool{false, true} {
		s := start(t, portaltest.Options{NoCORS: off})
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/auth/token", nil)
		req.Header.Set("Origin", "http://127.0.0.1:9")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin") != ""; got == off {
			t.Errorf("NoCORS=%v: Allow-Origin %q", off, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}

func TestClients(t *testing.T) {
	c, err := portal.ParseClients([]byte(`{"clients":[{"fhir":"https://","clientId":"any-https"},{"fhir":"https://fhir-myrecord.cerner.com/","clientId":"cerner-id"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for fhir, want := range map[string]string{
		"https://fhir-myrecord.cerner.com/r4/abc": "cerner-id",
		"https://fhir.epic.example/api/FHIR/R4":   "any-https",
		"http://127.0.0.1:8080/fhir":              portal.DefaultClientID,
	} {
		if got := c.For(fhir); got != want {
			t.Errorf("%s: %q, want %q", fhir, got, want)
		}
	}
	if _, err := portal.ParseClients([]byte(`{"clients":[{"fhir":"https://"}]}`)); err == nil {
		t.Error("a client without an id")
	}
}

func TestClientsWithRelay(t *testing.T) {
	b, err := portal.WithRelay(nil, []string{"fhir4.healow.com", "oauthserver.eclinicalworks.com"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := portal.ParseClients(b)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Relayed("https://fhir4.healow.com/fhir/r4/AACJCD") || c.Relayed("https://fhir.epic.example/api/FHIR/R4") || c.For("https://x") != portal.DefaultClientID {
		t.Errorf("%s", b)
	}
	if _, err := portal.WithRelay([]byte(`{"clients":[{"fhir":"https://"}]}`), []string{"h"}); err == nil {
		t.Error("a broken client list")
	}
}
