//go:build !(js && wasm)

package jobs

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/portal"
	"backpack/internal/portal/portaltest"
	"backpack/internal/portal/relay"
	"backpack/internal/worker"
)

func startPortal(t *testing.T, opt portaltest.Options) *portaltest.Server {
	t.Helper()
	b, err := os.ReadFile("../../portal/testdata/synthea-small.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := portaltest.Start(opt, b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// signIn discovers s, follows its authorize redirect (nav) and exchanges
// the code as the page does, through c.
func signIn(t *testing.T, s *portaltest.Server, c fetch.Doer, nav *http.Client) (portal.Source, portal.Token) {
	t.Helper()
	ctx := context.Background()
	cfg, err := portal.Discover(ctx, c, s.FHIR)
	if err != nil {
		t.Fatal(err)
	}
	l := portal.NewLaunch(cfg, "c", "http://127.0.0.1:9/connect/callback", "Springfield Clinic")
	nav.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := nav.Get(l.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code, err := l.Code(loc.Query())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := l.Exchange(ctx, c, code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return portal.Source{Name: l.Name, FHIR: cfg.FHIR, TokenURL: cfg.Token, ClientID: l.ClientID, Patient: tok.Patient}, tok
}

// pullServe runs q through the worker's messages, as the page does.
func pullServe(t *testing.T, q worker.PullRequest) (worker.Parsed, portal.Report, []portal.Progress, []byte, error) {
	t.Helper()
	var progress []portal.Progress
	reply := Serve(q.Encode(), nil, func(msg []byte) {
		p, ok := worker.PullProgress(msg)
		if !ok {
			t.Fatalf("a message that is not progress: %x", msg)
		}
		progress = append(progress, p)
	})
	p, rep, err := worker.PullReply(reply)
	return p, rep, progress, reply, err
}

// The page gets through the messages what pulling in place gives: the
// same resources, entries, refusals and token.
func TestServePull(t *testing.T) {
	s := startPortal(t, portaltest.Options{PageSize: 2, Refuse: []string{"Goal"}})
	src, tok := signIn(t, s, fetch.Default, &http.Client{})
	opt := portal.Options{Backoff: time.Millisecond, Parallel: 3, Tries: 4, Margin: 2 * time.Minute, MaxBytes: 8 << 20}
	q := worker.PullRequest{Source: src, Token: tok, Options: opt, Now: time.Now()}
	got, err := worker.DecodePull(q.Encode())
	if err != nil || got.Source != q.Source || !reflect.DeepEqual(got.Options, opt) || !got.Now.Equal(q.Now) ||
		got.Token.Access != tok.Access || got.Token.Refresh != tok.Refresh || !got.Token.Expires.Equal(tok.Expires) || got.Token.Patient != tok.Patient {
		t.Fatalf("request came back as %+v, %v", got, err)
	}

	want, wantRep, err := portal.Pull(context.Background(), fetch.Default, src, tok, opt)
	if err != nil {
		t.Fatal(err)
	}
	parsed, rep, progress, _, err := pullServe(t, q)
	if err != nil {
		t.Fatal(err)
	}
	res := parsed.Result
	if res.Format != want.Format || res.File != want.File || res.Source != want.Source || !reflect.DeepEqual(res.Counts, want.Counts) ||
		len(res.Resources) != len(want.Resources) || len(res.Files) != len(want.Files) || len(res.Files) == 0 {
		t.Fatalf("result: %s %s %v %d files, want %s %s %v %d files", res.Format, res.File, res.Counts, len(res.Files), want.Format, want.File, want.Counts, len(want.Files))
	}
	if res.Patient == nil || want.Patient == nil || !bytes.Equal(res.Patient.JSON, want.Patient.JSON) {
		t.Error("the Patient differs")
	}
	if !reflect.DeepEqual(res.Problems, want.Problems) || len(res.Problems) != 1 || res.Problems[0].Code != portal.ProblemRefused {
		t.Errorf("problems %+v, want %+v", res.Problems, want.Problems)
	}
	// Referenced resources come in the order their fetches end: compare by
	// type and id.
	wantJSON := map[string][]byte{}
	for _, x := range want.Resources {
		wantJSON[x.Type+"/"+x.ID] = x.JSON
	}
	for _, x := range res.Resources {
		if !bytes.Equal(x.JSON, wantJSON[x.Type+"/"+x.ID]) {
			t.Errorf("%s/%s differs", x.Type, x.ID)
		}
	}
	entries, err := parsed.Entries(0, len(parsed.Headers))
	if err != nil || len(entries) != len(res.Resources) {
		t.Fatalf("%d entries of %d resources, %v", len(entries), len(res.Resources), err)
	}
	for _, e := range entries {
		if e.ID == "" || e.Profile != "" || e.Provenance.Source != "portal" || e.Provenance.System != src.Name || e.Projection.Title == "" {
			t.Errorf("entry %s/%s: %+v", e.Resource.Type, e.Resource.ID, e)
		}
	}
	if !reflect.DeepEqual(rep.Refused, wantRep.Refused) || rep.Requests != wantRep.Requests || rep.Refreshes != 0 ||
		rep.Token.Access != wantRep.Token.Access || rep.Token.Refresh != wantRep.Token.Refresh || !rep.Token.Expires.Equal(wantRep.Token.Expires) {
		t.Errorf("report %+v\nwant %+v", rep, wantRep)
	}
	// The pull's clock is the page's: it starts at the request's Now.
	if rep.Started.Before(q.Now) || rep.Started.Sub(q.Now) > time.Minute {
		t.Errorf("started %v, asked at %v", rep.Started, q.Now)
	}
	if len(progress) == 0 || progress[0].Requests == 0 {
		t.Errorf("progress %v", progress)
	}
}

// The pull's clock starts at the page's: a token the page's clock says
// has expired is refreshed, and the refreshed one comes back to keep.
func TestServePullPageClock(t *testing.T) {
	s := startPortal(t, portaltest.Options{})
	src, tok := signIn(t, s, fetch.Default, &http.Client{})
	q := worker.PullRequest{Source: src, Token: tok, Options: portal.Options{Backoff: time.Millisecond}, Now: time.Now().Add(48 * time.Hour)}
	_, rep, _, _, err := pullServe(t, q)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Refreshes != 1 || rep.Token.Access == tok.Access || rep.Token.Access == "" || !rep.Started.After(time.Now().Add(47*time.Hour)) {
		t.Errorf("refreshes %d, new access token %v, started %v", rep.Refreshes, rep.Token.Access != tok.Access, rep.Started)
	}
}

// A pull that cannot go on comes back as the portal's own error, which the
// page explains as it did (errors.Is, portal.Code), and the reply names
// no address.
func TestServePullFailures(t *testing.T) {
	s := startPortal(t, portaltest.Options{NoRefresh: true})
	src, tok := signIn(t, s, fetch.Default, &http.Client{})
	fast := portal.Options{Backoff: time.Millisecond, Tries: 2}
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	noPatient := src
	noPatient.Patient = ""
	for _, tt := range []struct {
		name string
		q    worker.PullRequest
		want error
	}{
		{"a token the server does not know", worker.PullRequest{Source: src, Token: portal.Token{Access: "not-a-token", Patient: tok.Patient}, Options: fast}, portal.ErrExpired},
		{"no patient", worker.PullRequest{Source: noPatient, Token: portal.Token{Access: tok.Access}, Options: fast}, portal.ErrToken},
		{"not reached", worker.PullRequest{Source: portal.Source{Name: "x", FHIR: deadURL + "/fhir", Patient: "p"}, Token: tok, Options: fast}, portal.ErrUnreached},
		{"not an address", worker.PullRequest{Source: portal.Source{FHIR: "ftp://example.org/fhir", Patient: "p"}, Token: tok, Options: fast}, portal.ErrBadAddress},
	} {
		p, _, _, reply, err := pullServe(t, tt.q)
		if !errors.Is(err, tt.want) || portal.Code(err) != portal.Code(tt.want) || len(p.Result.Resources) != 0 {
			t.Errorf("%s: %v (%s), %d resources", tt.name, err, portal.Code(err), len(p.Result.Resources))
		}
		for _, addr := range []string{s.URL, deadURL, "example.org"} {
			if bytes.Contains(reply, []byte(addr)) {
				t.Errorf("%s: the reply names %q", tt.name, addr)
			}
		}
	}
	// A request the worker cannot read, and a reader's panic: the worker's
	// own failures.
	if _, _, err := worker.PullReply(Serve([]byte("BPF\x01\x01\x05\x04pull"), nil, nil)); !isFailure(err, worker.KeyCrash) {
		t.Errorf("malformed request: %v", err)
	}
	if _, _, err := worker.PullReply(Serve(worker.PullRequest{Fault: worker.FaultPanic}.Encode(), nil, nil)); !isFailure(err, worker.KeyCrash) {
		t.Errorf("panic: %v", err)
	}
}

func isFailure(err error, key string) bool {
	var f *worker.Failure
	return errors.As(err, &f) && f.Key == key
}

// Through the deployment's relay: its path resolves against the worker's
// origin (the page's), and only the relayed hosts go through it.
func TestServePullRelay(t *testing.T) {
	hs := startPortal(t, portaltest.Options{TLS: true, NoCORS: true, PageSize: 4})
	host := strings.TrimPrefix(hs.URL, "https://")
	own := httptest.NewServer(relay.New([]string{host}, hs.Client()))
	defer own.Close()
	c := &relay.Client{Base: own.URL + relay.Path, Hosts: []string{host}}
	src, tok := signIn(t, hs, c, hs.Client())
	defer func(o string) { Origin = o }(Origin)
	Origin = own.URL
	before := hs.Stats().FHIR
	p, rep, _, _, err := pullServe(t, worker.PullRequest{Source: src, Token: tok, Options: portal.Options{Backoff: time.Millisecond},
		RelayHosts: []string{host}, RelayBase: relay.Path})
	if err != nil {
		t.Fatal(err)
	}
	if p.Result.Counts["Observation"] != 5 || len(rep.Refused) != 0 || hs.Stats().FHIR == before {
		t.Errorf("counts %v refused %v", p.Result.Counts, rep.Refused)
	}
	// Without the relay the test server's certificate is not trusted: the
	// pull did go through the relay.
	if _, _, _, _, err := pullServe(t, worker.PullRequest{Source: src, Token: tok, Options: portal.Options{Backoff: time.Millisecond, Tries: 1}}); !errors.Is(err, portal.ErrUnreached) {
		t.Errorf("straight to a server this client cannot reach: %v", err)
	}
}
