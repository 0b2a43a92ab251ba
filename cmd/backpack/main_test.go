//go:build !wasm

package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInspectJSON(t *testing.T) {
	files, _ := filepath.Glob("../../internal/importer/testdata/*.json")
	if len(files) == 0 {
		t.Skip("no importer fixtures")
	}
	var out, errOut bytes.Buffer
	if code := run(append([]string{"inspect", "--json"}, files[0]), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep struct {
		File     string            `json:"file"`
		Format   string            `json:"format"`
		Patient  *json.RawMessage  `json:"patient"`
		Counts   map[string]int    `json:"counts"`
		Problems []json.RawMessage `json:"problems"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if rep.File != files[0] || rep.Format == "" || rep.Format == "unknown" || len(rep.Counts) == 0 {
		t.Fatalf("report: %+v", rep)
	}
}

func TestInspectUnreadableExitsNonZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"inspect", "no-such-file.json"}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "no-such-file.json") {
		t.Fatalf("output: %s", out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

func TestShareFlags(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg := shareFlags(fs)
	err := fs.Parse([]string{"-share-max-total", "2GiB", "-share-client-quota", "500MB", "-share-max-upload", "50MiB",
		"-share-max-ttl", "168h", "-trusted-proxy", "10.0.0.0/8", "-trusted-proxy", "::1", "-shl-max-ttl", "8760h", "-shl-attempts", "5"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxTotalBytes != 2<<30 || cfg.RateLimit.BytesPerHour != 500e6 || cfg.MaxBytes != 50<<20 || cfg.MaxTTL != 168*time.Hour ||
		cfg.Links.MaxTTL != 8760*time.Hour || cfg.Links.Attempts != 5 {
		t.Errorf("config %+v", cfg)
	}
	if len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[0] != netip.MustParsePrefix("10.0.0.0/8") || cfg.TrustedProxies[1] != netip.MustParsePrefix("::1/128") {
		t.Errorf("trusted proxies %v", cfg.TrustedProxies)
	}
	for _, bad := range [][]string{{"-trusted-proxy", "proxy.example"}, {"-share-max-total", "lots"}, {"-share-max-total", "-5GB"}} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		shareFlags(fs)
		if err := fs.Parse(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	// The flags reach the running service.
	api, closeAPI, err := shareAPI(t.TempDir(), *cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAPI()
	r := httptest.NewRequest("POST", "/api/share?ttl=2592000", strings.NewReader("x"))
	w := httptest.NewRecorder()
	api.ServeHTTP(w, r)
	if w.Code != 400 {
		t.Errorf("a 30-day share past -share-max-ttl 168h: %d", w.Code)
	}
}
