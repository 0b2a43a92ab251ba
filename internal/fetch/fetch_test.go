//go:build !(js && wasm)

package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Add("X-Twice", "a")
			w.Header().Add("X-Twice", "b")
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTeapot)
			io.WriteString(w, r.Method+" "+r.Header.Get("Authorization")+" "+string(b))
		case "/moved":
			http.Redirect(w, r, "/echo", http.StatusFound)
		case "/big":
			io.WriteString(w, strings.Repeat("x", 10))
		}
	}))
	defer srv.Close()
	d := HTTP(srv.Client())
	ctx := context.Background()

	res, err := d.Do(ctx, Request{Method: "POST", URL: srv.URL + "/echo", Header: map[string]string{"Authorization": "Bearer t"}, Body: []byte("form")})
	if err != nil || res.Status != http.StatusTeapot || string(res.Body) != "POST Bearer t form" {
		t.Fatalf("echo: %v %d %q", err, res.Status, res.Body)
	}
	if res.Get("retry-after") != "7" || res.Get("Retry-After") != "7" || res.Header["x-twice"] != "a, b" {
		t.Errorf("headers %v", res.Header)
	}

	if res, err := d.Do(ctx, Request{URL: srv.URL + "/big", Limit: 10}); err != nil || string(res.Body) != strings.Repeat("x", 10) {
		t.Errorf("at the limit: %v %q", err, res.Body)
	}
	if res, err := d.Do(ctx, Request{URL: srv.URL + "/big", Limit: 9}); !errors.Is(err, ErrTooLarge) || res.Status != 200 || res.Body != nil {
		t.Errorf("over the limit: %v %d %q", err, res.Status, res.Body)
	}

	if res, err := d.Do(ctx, Request{URL: srv.URL + "/moved"}); err != nil || res.Status != http.StatusTeapot {
		t.Errorf("redirect followed: %v %d", err, res.Status)
	}
	if res, err := d.Do(ctx, Request{URL: srv.URL + "/moved", SameOrigin: true}); err == nil || res.Status != 0 {
		t.Errorf("same-origin redirect: %v %d, want an error", err, res.Status)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Do(cctx, Request{URL: srv.URL + "/echo"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// A failure's error does not say where the request went: a FHIR query
// names the patient.
func TestErrorHasNoURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/fhir/Observation?patient=secret-id"
	srv.Close()
	_, err := Default.Do(context.Background(), Request{URL: u})
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), "secret-id") || strings.Contains(err.Error(), "Observation") {
		t.Errorf("error holds the URL: %v", err)
	}
}
