package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testWeb makes a web directory with a fake wasm and its precompressed forms.
func testWeb(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app.wasm", "\x00asm fake wasm")
	write("backpack.css", "body{}")
	write("icon.svg", "<svg/>")
	if _, _, _, err := Precompress(filepath.Join(dir, "app.wasm"), 5); err != nil {
		t.Fatal(err)
	}
	return dir
}

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHeadersEverywhere(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/about", "/web/app.wasm", "/web/mdc-worker.js", "/web/missing", "/app.js", "/app-worker.js", "/manifest.webmanifest", "/api/share", "/no/such/page"} {
		res := get(t, h, p)
		if got := res.Header.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("%s: CSP = %q", p, got)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if res.Header.Get(k) != v {
				t.Errorf("%s: %s = %q", p, k, res.Header.Get(k))
			}
		}
	}
	// connect-src alone reaches further: the health system the person
	// connects to (internal/portal) can be any https origin.
	strict := strings.Replace(CSP, "connect-src 'self' https: http://localhost:* http://127.0.0.1:*;", "connect-src 'self';", 1)
	if strict == CSP {
		t.Errorf("connect-src changed: %q", CSP)
	}
	for _, bad := range []string{"http:", "https:", "'unsafe-inline'", "'unsafe-eval'", "*"} {
		if strings.Contains(strict, bad) {
			t.Errorf("CSP allows %s", bad)
		}
	}
}

// The MDC worker's script is served from the embedded source, as
// JavaScript, and the service worker precaches it.
// robots.txt is served (go-app's proxy answered 500 and logged an error).
func TestRobots(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "/robots.txt")
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(b) != Robots || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("robots.txt: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
}

func TestMDCWorker(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, h, "/web/mdc-worker.js")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(body), "onmessage") {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res = get(t, h, "/app-worker.js")
	body, _ = io.ReadAll(res.Body)
	if !strings.Contains(string(body), "/web/mdc-worker.js") {
		t.Error("the service worker does not precache the MDC worker")
	}
}

func TestWasmEncodings(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ accept, enc string }{{"br, gzip", "br"}, {"gzip", "gzip"}, {"", ""}, {"br;q=0, gzip", "gzip"}}
	for _, c := range cases {
		res := get(t, h, "/web/app.wasm", "Accept-Encoding", c.accept)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != c.enc || res.Header.Get("Content-Type") != "application/wasm" {
			t.Errorf("accept %q: status %d encoding %q type %q", c.accept, res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Type"))
		}
		body, _ := io.ReadAll(res.Body)
		if c.enc == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		if c.enc != "br" && string(body) != "\x00asm fake wasm" {
			t.Errorf("accept %q: body %q", c.accept, body)
		}
	}
	// Conditional requests by version.
	if res := get(t, h, "/web/app.wasm", "If-None-Match", `"v1"`); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res.StatusCode)
	}
}

func TestWebPathTricks(t *testing.T) {
	dir := testWeb(t)
	os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("secret"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("hidden"), 0o644)
	h, err := New(Config{WebDir: dir, Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/web/../secret.txt", "/web/..%2fsecret.txt", "/web/.hidden", "/web/", "/web/app.wasm.br", "/web/%2e%2e/secret.txt"} {
		res := get(t, h, p)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode == 200 || string(body) == "secret" || string(body) == "hidden" {
			t.Errorf("%s: status %d body %q", p, res.StatusCode, body)
		}
	}
}

func TestVersionFromWasmHash(t *testing.T) {
	dir := testWeb(t)
	v1, err := Version(dir)
	if err != nil || len(v1) != 16 {
		t.Fatalf("version %q %v", v1, err)
	}
	os.WriteFile(filepath.Join(dir, "app.wasm"), []byte("\x00asm other"), 0o644)
	if v2, _ := Version(dir); v2 == v1 {
		t.Fatal("version did not change with the wasm")
	}
	h, err := New(Config{WebDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get(t, h, "/app-worker.js").Body)
	if !strings.Contains(string(body), "backpack-") || strings.Contains(string(body), "{{") {
		t.Fatalf("worker not templated: %.200s", body)
	}
}

func TestManifestAndWorkerAreLocal(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/manifest.webmanifest", "/app-worker.js", "/app.js", "/"} {
		body, _ := io.ReadAll(get(t, h, p).Body)
		s := string(body)
		for _, remote := range []string{"http://", "https://"} {
			// og:url and og:image carry an empty "https://" placeholder from go-app; no other absolute URL may appear.
			s = strings.ReplaceAll(s, `content="https://"`, "")
			if strings.Contains(s, remote) {
				i := strings.Index(s, remote)
				t.Errorf("%s names a remote URL: %.80s", p, s[i:])
			}
		}
	}
}

func TestStaticSite(t *testing.T) {
	web := testWeb(t)
	out := t.TempDir()
	if err := Static(out, web); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "about.html", "app.js", "app-worker.js", "manifest.webmanifest", "wasm_exec.js", "web/mdc-worker.js"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("static site lacks %s", f)
		}
	}
	// The same policy as serve's headers: a _headers file, and a meta tag
	// first in every page for hosts that ignore it.
	hf, _ := os.ReadFile(filepath.Join(out, "_headers"))
	for _, want := range []string{"/*\n", "  Content-Security-Policy: " + CSP + "\n", "  X-Frame-Options: DENY\n", "  X-Content-Type-Options: nosniff\n"} {
		if !strings.Contains(string(hf), want) {
			t.Errorf("_headers lacks %q:\n%s", want, hf)
		}
	}
	for _, page := range []string{"index.html", "about.html"} {
		b, _ := os.ReadFile(filepath.Join(out, page))
		meta := strings.Index(string(b), `<meta http-equiv="Content-Security-Policy" content="`+MetaCSP+`">`)
		if script := strings.Index(string(b), "<script"); meta < 0 || script < meta {
			t.Errorf("%s: CSP meta tag at %d, first script at %d", page, meta, script)
		}
	}
	if !strings.Contains(MetaCSP, "script-src 'self' 'wasm-unsafe-eval'") || strings.Contains(MetaCSP, "frame-ancestors") {
		t.Errorf("meta CSP %q", MetaCSP)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "robots.txt")); string(b) != Robots {
		t.Errorf("robots.txt %q", b)
	}
	if err := Static(t.TempDir(), t.TempDir()); err != ErrNoWasm {
		t.Errorf("no wasm: %v", err)
	}
}
