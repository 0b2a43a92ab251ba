//go:build !(js && wasm)

package relay_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/portal"
	"backpack/internal/portal/portaltest"
	"backpack/internal/portal/relay"
)

// A whole sign-in and pull through the relay: the browser's requests go
// to the Backpack server, which forwards them to the health system.
func TestPullThroughRelay(t *testing.T) {
	b, err := os.ReadFile("../testdata/synthea-small.json")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := portaltest.Start(portaltest.Options{TLS: true, NoCORS: true, PageSize: 4}, b)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	host := strings.TrimPrefix(hs.URL, "https://")
	rl := relay.New([]string{host}, hs.Client())
	own := httptest.NewServer(rl)
	defer own.Close()
	c := &relay.Client{Base: own.URL + relay.Path, Hosts: []string{host},
		Next: fetch.HTTP(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})}
	ctx := context.Background()
	cfg, err := portal.Discover(ctx, c, hs.FHIR)
	if err != nil {
		t.Fatal(err)
	}
	l := portal.NewLaunch(cfg, "c", "http://127.0.0.1:9/connect/callback", "Relayed clinic")
	// The sign-in page itself is a browser navigation, never relayed.
	nav := hs.Client()
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
	res, rep, err := portal.Pull(ctx, c, portal.Source{Name: "Relayed clinic", FHIR: cfg.FHIR, TokenURL: cfg.Token, ClientID: "c", Patient: tok.Patient}, tok,
		portal.Options{Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts["Observation"] != 5 || len(res.Files) != 1 || len(rep.Refused) != 0 {
		t.Errorf("counts %v files %d refused %v", res.Counts, len(res.Files), rep.Refused)
	}
	if hs.Stats().FHIR == 0 {
		t.Error("nothing reached the health system")
	}
}

// Only listed hosts, only GET and OAuth form posts, no cookies.
func TestRelayRefuses(t *testing.T) {
	var got *http.Request
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("Set-Cookie", "tracker=1")
		w.Header().Set("Content-Type", "application/fhir+json")
		io.WriteString(w, `{"resourceType":"Bundle"}`)
	}))
	defer up.Close()
	host := strings.TrimPrefix(up.URL, "https://")
	own := httptest.NewServer(relay.New([]string{host}, up.Client()))
	defer own.Close()

	req, _ := http.NewRequest("GET", own.URL+relay.Path+"https/"+host+"/fhir/Observation?patient=1&category=laboratory", nil)
	req.Header.Set("Cookie", "session=secret")
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("X-Forwarded-For", "10.0.0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || got == nil || got.URL.RequestURI() != "/fhir/Observation?patient=1&category=laboratory" ||
		got.Header.Get("Authorization") != "Bearer t" || got.Header.Get("Cookie") != "" || got.Header.Get("X-Forwarded-For") != "" {
		t.Errorf("relayed: %d %+v", resp.StatusCode, got)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Error("a cookie came back through the relay")
	}
	for _, c := range []struct {
		method, path, ct string
		want             int
	}{
		{"GET", relay.Path + "https/other.example/fhir/Patient/1", "", http.StatusForbidden},
		{"GET", relay.Path + "http/" + host + "/fhir", "", http.StatusNotFound},
		{"PUT", relay.Path + "https/" + host + "/fhir/Patient/1", "application/fhir+json", http.StatusMethodNotAllowed},
		{"POST", relay.Path + "https/" + host + "/fhir/Patient", "application/fhir+json", http.StatusUnsupportedMediaType},
		{"POST", relay.Path + "https/" + host + "/token", "application/x-www-form-urlencoded", http.StatusOK},
	} {
		req, _ := http.NewRequest(c.method, own.URL+c.path, strings.NewReader("grant_type=x"))
		if c.ct != "" {
			req.Header.Set("Content-Type", c.ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
}
