package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"backpack/internal/wasmdata"
	"backpack/internal/worker"
)

// fullWeb is testWeb with the repository's other web files (styles,
// icons, the provider directory): every file the pages name.
func fullWeb(t *testing.T) string {
	t.Helper()
	dir := testWeb(t)
	files, _ := filepath.Glob(filepath.Join("..", "..", "web", "*"))
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "app.wasm") {
			continue
		}
		if err := copyFile(filepath.Join(dir, filepath.Base(f)), f); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader
	switch res.Header.Get("Content-Encoding") {
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "gzip":
		if r, err = gzip.NewReader(bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	default:
		return b
	}
	if b, err = io.ReadAll(r); err != nil {
		t.Fatal(err)
	}
	return b
}

// precached returns the URLs the service worker precaches.
func precached(t *testing.T, worker []byte) []string {
	t.Helper()
	m := regexp.MustCompile(`const resourcesToCache = (\[.*\]);`).FindSubmatch(worker)
	if m == nil {
		t.Fatalf("no resourcesToCache in the service worker")
	}
	var urls []string
	if err := json.Unmarshal(m[1], &urls); err != nil {
		t.Fatal(err)
	}
	return urls
}

// Every text asset and page goes out compressed as the browser accepts
// (brotli first, then gzip), and decompresses to the same bytes as the
// plain one.
func TestTextAssetsCompressed(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/about", "/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest", "/app.css", "/web/backpack.css", "/v1/web/backpack.css", "/web/mdc-worker.js", "/v1/web/mdc-worker.js", "/web/backpack-worker.js", "/v1/web/backpack-worker.js", "/web/icon.svg"} {
		plain := get(t, h, p)
		want := body(t, plain)
		if plain.StatusCode != 200 || len(want) == 0 || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: status %d, encoding %q", p, plain.StatusCode, plain.Header.Get("Content-Encoding"))
		}
		for _, c := range []struct{ accept, enc string }{{"gzip, deflate, br, zstd", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}} {
			res := get(t, h, p, "Accept-Encoding", c.accept)
			got := body(t, res)
			if len(want) > 200 && res.Header.Get("Content-Encoding") != c.enc {
				t.Errorf("%s, accept %q: encoding %q", p, c.accept, res.Header.Get("Content-Encoding"))
			}
			// go-app writes a page's attributes in map order: compare lengths.
			if !bytes.Equal(got, want) && (!strings.HasPrefix(plain.Header.Get("Content-Type"), "text/html") || len(got) != len(want)) {
				t.Errorf("%s, accept %q: body differs", p, c.accept)
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") || res.Header.Get("Content-Type") != plain.Header.Get("Content-Type") {
				t.Errorf("%s: Vary %q, type %q", p, res.Header.Get("Vary"), res.Header.Get("Content-Type"))
			}
		}
	}
}

// Pages name /VERSION/web/ URLs, which are kept for good; the plain /web/
// ones and go-app's fixed URLs are revalidated; another version's URLs
// are not found (never old bytes under a name kept forever). Everything
// the service worker precaches is served.
func TestVersionedURLs(t *testing.T) {
	h, err := New(Config{WebDir: fullWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	page := string(body(t, get(t, h, "/")))
	for _, want := range []string{`href="/v1/web/backpack.css"`, `href="/v1/web/icon.svg"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for p, cc := range map[string]string{"/v1/web/app.wasm": Immutable, "/v1/web/backpack.css": Immutable, "/v1/web/mdc-worker.js": Immutable, "/v1/web/backpack-worker.js": Immutable,
		"/web/app.wasm": "no-cache", "/web/backpack.css": "no-cache", "/app.js": "no-cache", "/app-worker.js": "no-cache", "/": "no-cache"} {
		if res := get(t, h, p, "Accept-Encoding", "br"); res.StatusCode != 200 || res.Header.Get("Cache-Control") != cc {
			t.Errorf("%s: status %d, Cache-Control %q, want %q", p, res.StatusCode, res.Header.Get("Cache-Control"), cc)
		}
	}
	if res := get(t, h, "/v1/web/app.wasm", "Accept-Encoding", "br"); res.Header.Get("Content-Encoding") != "br" || res.Header.Get("Content-Type") != "application/wasm" {
		t.Errorf("versioned wasm: %q %q", res.Header.Get("Content-Encoding"), res.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/v0/web/app.wasm", "/v0/web/backpack.css"} {
		if res := get(t, h, p); res.StatusCode != 404 {
			t.Errorf("%s: status %d", p, res.StatusCode)
		}
	}
	urls := precached(t, body(t, get(t, h, "/app-worker.js")))
	if len(urls) < 5 {
		t.Fatalf("precached: %v", urls)
	}
	for _, u := range urls {
		if res := get(t, h, u); res.StatusCode != 200 {
			t.Errorf("precached %s: status %d", u, res.StatusCode)
		}
		// The worker module is not part of the first download: the page
		// has it cached once its first screen is up (app/precache).
		if strings.Contains(u, "worker.wasm") || strings.Contains(u, "backpack-worker.js") {
			t.Errorf("the service worker's install precaches %s", u)
		}
	}
	if _, err := New(Config{WebDir: testWeb(t), Version: "../x"}); err == nil {
		t.Error("a version with a slash was taken")
	}
}

// The loader hands instantiateStreaming fetch()'s own Response for this
// version's wasm (go-app's wraps the body in a new Response, which
// Chromium cannot cache compiled code for).
func TestLoaderStreamsTheRealResponse(t *testing.T) {
	h, err := New(Config{WebDir: testWeb(t), Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	js := string(body(t, get(t, h, "/app.js")))
	for _, want := range []string{`instantiateStreaming(`, `fetchWithProgress("/v1/web/app.wasm"`, `response.clone().body`, "go.run(wasm.instance)"} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	if strings.Contains(js, "new Response(") || strings.Contains(js, "new ReadableStream") {
		t.Error("app.js still wraps the wasm body")
	}
	if _, err := loaderJS("function other() {}"); err == nil {
		t.Error("a go-app without fetchWithProgress was patched")
	}
	// The service worker is registered after the first screen, not first
	// thing: its install's downloads must not compete with the page's.
	if strings.Contains(js, "\ngoappInitServiceWorker();") || !strings.Contains(js, "\nbackpackAfterFirstScreen(goappInitServiceWorker);") {
		t.Error("app.js registers the service worker before the first screen")
	}
	if !strings.Contains(js, "window.backpackMountedAt !== undefined") {
		t.Error("app.js does not wait for the first screen")
	}
	// Go's pc → function index, which backpack precompress leaves out of
	// both modules, is rebuilt before each runs (wasmdata.RestoreJS, in the
	// wasm_exec.js both load).
	if !strings.Contains(js, "backpackFuncIndex(wasm.module, wasm.instance);\n    go.run(wasm.instance);") {
		t.Error("app.js runs the module without rebuilding its function index")
	}
	if exec := string(body(t, get(t, h, "/wasm_exec.js"))); !strings.Contains(exec, "globalThis.Go = class") || !strings.HasSuffix(exec, wasmdata.RestoreJS) {
		t.Error("wasm_exec.js lacks backpackFuncIndex")
	}
	if !strings.Contains(string(body(t, get(t, h, worker.Path))), "backpackFuncIndex(r.module, instance);") {
		t.Error("the worker runs its module without rebuilding its function index")
	}
}

// A file compressed before is not compressed again: the result comes
// from the cache, keyed by content.
func TestPrecompressCached(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	name := filepath.Join(dir, "app.wasm")
	os.WriteFile(name, bytes.Repeat([]byte("\x00asm wasm "), 1000), 0o644)
	raw, br, gz, err := PrecompressCached(name, 5, cache)
	if err != nil || raw != 10000 || br == 0 || gz == 0 {
		t.Fatalf("%d %d %d %v", raw, br, gz, err)
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "*.br"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %v", entries)
	}
	// Mark the cached output: a second run must copy it, not compress.
	os.WriteFile(entries[0], []byte("cached"), 0o644)
	os.Remove(name + ".br")
	if _, br, _, err = PrecompressCached(name, 5, cache); err != nil || br != 6 {
		t.Fatalf("second run: br %d, %v", br, err)
	}
	if b, _ := os.ReadFile(name + ".br"); string(b) != "cached" {
		t.Errorf("second run compressed again: %q", b)
	}
	// Another content, another entry.
	os.WriteFile(name, []byte("\x00asm other"), 0o644)
	if _, _, _, err = PrecompressCached(name, 5, cache); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(name + ".br")
	if got, _ := io.ReadAll(brotli.NewReader(bytes.NewReader(b))); string(got) != "\x00asm other" {
		t.Errorf("changed file: %q", got)
	}
}

// The static site holds the same: versioned files, a .br and .gz beside
// every text file, Backpack's loader, an immutable rule in _headers, and
// every URL the service worker precaches.
func TestStaticSiteServedRight(t *testing.T) {
	web := fullWeb(t)
	out := t.TempDir()
	if err := Static(out, web); err != nil {
		t.Fatal(err)
	}
	v, _ := Version(web)
	for _, f := range []string{"app.js", "wasm_exec.js", "app-worker.js", "manifest.webmanifest", "index.html", v + "/web/backpack.css", v + "/web/mdc-worker.js", v + "/web/backpack-worker.js", "web/backpack-worker.js"} {
		for _, ext := range []string{"", ".br", ".gz"} {
			if _, err := os.Stat(filepath.Join(out, f+ext)); err != nil {
				t.Errorf("static site lacks %s%s", f, ext)
			}
		}
	}
	if js, _ := os.ReadFile(filepath.Join(out, "app.js")); !strings.Contains(string(js), "response.clone().body") {
		t.Error("static app.js has go-app's loader")
	}
	hf, _ := os.ReadFile(filepath.Join(out, "_headers"))
	if !strings.Contains(string(hf), "/"+v+"/*\n  Cache-Control: "+Immutable+"\n") {
		t.Errorf("_headers:\n%s", hf)
	}
	worker, _ := os.ReadFile(filepath.Join(out, "app-worker.js"))
	for _, u := range precached(t, worker) {
		f := strings.TrimPrefix(u, "/")
		if f == "" {
			f = "index.html"
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(f))); err != nil {
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(f)+".html")); err != nil {
				t.Errorf("static site lacks precached %s", u)
			}
		}
	}
}
