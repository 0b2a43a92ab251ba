//go:build !(js && wasm)

package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/portal"
	"backpack/internal/portal/portaltest"
	"backpack/internal/record"
)

// connectTestSignIn signs in to a test health system as the connect page
// does and returns the connection it would save.
func connectTestSignIn(t *testing.T, s *portaltest.Server) record.Connection {
	t.Helper()
	ctx := context.Background()
	cfg, err := portal.Discover(ctx, fetch.Default, s.FHIR)
	if err != nil {
		t.Fatal(err)
	}
	l := portal.NewLaunch(cfg, "c", "http://127.0.0.1:9"+PathConnectCallback, "Springfield Clinic")
	nav := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
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
	tok, err := l.Exchange(ctx, fetch.Default, code, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := record.Connection{Name: l.Name, FHIR: cfg.FHIR, TokenURL: cfg.Token, ClientID: l.ClientID, Scope: tok.Scope, Patient: tok.Patient}
	connectSetToken(&c, tok)
	return c
}

// A pull (run through the worker's messages) hands the import page the
// record with its entries made, and the token it refreshed is saved to the
// connection at once; a sign-in that expired is explained as before and
// offers to sign in again.
func TestConnectFetchThroughWorker(t *testing.T) {
	b, err := os.ReadFile("../internal/portal/testdata/synthea-small.json")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := portaltest.Start(portaltest.Options{PageSize: 3}, b)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	s, _ := newTestSession(t)
	ctx := context.Background()
	c, err := s.SaveConnection(ctx, connectTestSignIn(t, hs))
	if err != nil {
		t.Fatal(err)
	}
	old := c.Access
	c.Expires = time.Now().Add(-time.Minute) // stale: the pull refreshes first
	var progress int
	res, rep, err := connectFetch(ctx, s, &c, 0, func(int) { progress++ })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Result.Resources) == 0 || len(res.Headers) != len(res.Result.Resources) || res.Result.Patient == nil || progress == 0 {
		t.Fatalf("%d resources, %d entries, progress %d", len(res.Result.Resources), len(res.Headers), progress)
	}
	if saved, _ := s.Connection(c.ID); rep.Refreshes != 1 || saved.Access == old || saved.Access != rep.Token.Access || c.Access != saved.Access {
		t.Errorf("refreshes %d; the refreshed token was not kept", rep.Refreshes)
	}
	entries := importDecode(res, time.Now(), nil)
	if len(entries) != len(res.Result.Resources) || entries[0].Provenance.Source != "portal" || entries[0].Provenance.System != c.Name {
		t.Errorf("%d entries, first %+v", len(entries), entries[0].Provenance)
	}

	gone := c
	gone.Access, gone.Refresh = "not-a-token", ""
	gone.Expires = time.Time{}
	_, _, err = connectFetch(ctx, s, &gone, 0, func(int) {})
	if !errors.Is(err, portal.ErrExpired) {
		t.Fatalf("a token the server does not know: %v", err)
	}
	var p ConnectPage
	p.fail(err, c.Name)
	if p.errKey != "portal.error.expired" {
		t.Errorf("explained as %q", p.errKey)
	}
}
