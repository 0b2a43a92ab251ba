package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"maps"
	"math/bits"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"

	"backpack/internal/wasmdata"
	"backpack/internal/zxcvbn"
)

// Immutable is the Cache-Control of a versioned URL (/VERSION/web/…): its
// bytes never change, so browsers keep it a year without asking again.
// Every other URL is revalidated (no-cache, ETag).
const Immutable = "public, max-age=31536000, immutable"

// Version returns the hex SHA-256 prefix of the files in webDir (names and
// contents; precompressed siblings and dot files left out), so a build
// that changes the wasm or any style or icon changes the version, the
// versioned URLs and the service worker's cache.
func Version(webDir string) (string, error) {
	if _, err := os.Stat(filepath.Join(webDir, "app.wasm")); err != nil {
		return "", ErrNoWasm
	}
	h := sha256.New()
	for _, p := range slices.Sorted(maps.Keys(workerScripts)) { // built into the server, served under /VERSION/web/ too
		io.WriteString(h, p+"\x00"+workerScripts[p]+"\x00")
	}
	io.WriteString(h, WordListsPath+"\x00"+zxcvbn.Sum+"\x00") // built into the server too, by its hash
	err := walkWeb(webDir, func(rel, full string) error {
		f, err := os.Open(full)
		if err != nil {
			return err
		}
		defer f.Close()
		io.WriteString(h, rel+"\x00")
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// walkWeb calls fn for every file of webDir that is served, in name order
// (rel uses slashes).
func walkWeb(webDir string, fn func(rel, full string) error) error {
	var rels []string
	err := filepath.WalkDir(webDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(webDir, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && !precompressed(rel) {
			rels = append(rels, rel)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(rels)
	for _, rel := range rels {
		if err := fn(rel, filepath.Join(webDir, filepath.FromSlash(rel))); err != nil {
			return err
		}
	}
	return nil
}

func precompressed(name string) bool {
	return strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz")
}

// textTypes are the files compressed ahead of time, in memory when served
// and beside the file in a static site. (Images and the wasm, if not
// precompressed at build time, are sent as they are.)
var textTypes = map[string]bool{".css": true, ".js": true, ".json": true, ".svg": true, ".txt": true, ".webmanifest": true, ".html": true}

// asset is a text response held in memory with its brotli and gzip forms.
type asset struct {
	ctype       string
	raw, br, gz []byte
}

func newAsset(ctype string, body []byte) (*asset, error) {
	a := &asset{ctype: ctype, raw: body}
	var b bytes.Buffer
	bw := brotli.NewWriterOptions(&b, brotliOptions(11, int64(len(body))))
	bw.Write(body)
	if err := bw.Close(); err != nil {
		return nil, err
	}
	a.br = bytes.Clone(b.Bytes())
	b.Reset()
	gw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	gw.Write(body)
	if err := gw.Close(); err != nil {
		return nil, err
	}
	a.gz = bytes.Clone(b.Bytes())
	return a, nil
}

func (a *asset) handler(etag, cacheControl string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, etag, cacheControl) })
}

// brotliOptions: a window as large as the input (up to brotli's largest,
// 16 MiB), which compresses a large wasm 1–2 % better than the default and
// a small file as well, sooner.
func brotliOptions(quality int, size int64) brotli.WriterOptions {
	return brotli.WriterOptions{Quality: quality, LGWin: min(24, max(10, bits.Len64(uint64(size))))}
}

// serve answers r with a, compressed as the client accepts.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, etag, cacheControl string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	h.Add("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.raw
	accept := r.Header.Get("Accept-Encoding")
	switch {
	case acceptsEncoding(accept, "br") && len(a.br) < len(a.raw):
		h.Set("Content-Encoding", "br")
		body = a.br
	case acceptsEncoding(accept, "gzip") && len(a.gz) < len(a.raw):
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// goAppFiles are the scripts, styles and manifest go-app makes; the server
// serves them itself, compressed, app.js with Backpack's loader.
var goAppFiles = []string{"/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest", "/app.css"}

// goAppAssets asks go-app's handler for its files.
func goAppAssets(pages http.Handler) (map[string]*asset, error) {
	out := map[string]*asset{}
	for _, p := range goAppFiles {
		rec := httptest.NewRecorder()
		pages.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusOK {
			return nil, errors.New("server: go-app did not serve " + p)
		}
		body, ctype := rec.Body.Bytes(), rec.Header().Get("Content-Type")
		switch p {
		case "/app.js":
			js, err := loaderJS(string(body))
			if err != nil {
				return nil, err
			}
			body = []byte(js)
			ctype = contentTypes[".js"]
		case "/wasm_exec.js":
			// Both modules load this: the page (app.js) and the worker
			// (internal/worker's bootstrap) rebuild with it what
			// backpack precompress left out (internal/wasmdata).
			body = append(bytes.Clone(body), wasmdata.RestoreJS...)
			ctype = contentTypes[".js"]
		case "/app-worker.js":
			ctype = contentTypes[".js"]
		case "/app.css":
			ctype = contentTypes[".css"]
		}
		a, err := newAsset(ctype, body)
		if err != nil {
			return nil, err
		}
		out[p] = a
	}
	return out, nil
}

// loaderJS replaces go-app's wasm fetch in app.js. go-app wraps the body
// in new Response(ReadableStream) to count progress; such a Response has no
// URL, so Chromium compiles the module every time and never caches the
// compiled code. Backpack's loader hands WebAssembly.instantiateStreaming
// fetch()'s own Response and counts progress on a clone of its body.
//
// Before the module runs, it rebuilds in memory Go's pc → function index,
// which backpack precompress leaves out of the module (wasmdata.RestoreJS,
// appended to the served wasm_exec.js).
//
// It also registers the service worker only once the first screen is up
// (window.backpackMountedAt, which the app and the bench's hello set): go-app
// registers it first thing, and the worker's install then downloads app.wasm,
// the word lists and the provider directory beside the page's own download,
// on a phone's link the first visit's bytes before anything shows.
func loaderJS(goapp string) (string, error) {
	const from = "async function fetchWithProgress("
	i := strings.Index(goapp, from)
	if i < 0 || !strings.Contains(goapp, "fetchWithProgress(\"") {
		return "", errors.New("server: go-app's app.js has no fetchWithProgress to replace")
	}
	const register = "\ngoappInitServiceWorker();\n"
	if strings.Count(goapp[:i], register) != 1 {
		return "", errors.New("server: go-app's app.js does not register its service worker as expected")
	}
	const run = "\n    go.run(wasm.instance);\n"
	if strings.Count(goapp[:i], run) != 1 {
		return "", errors.New("server: go-app's app.js does not start its module as expected")
	}
	head := strings.Replace(goapp[:i], register, "\nbackpackAfterFirstScreen(goappInitServiceWorker);\n", 1)
	head = strings.Replace(head, run, "\n    backpackFuncIndex(wasm.module, wasm.instance);"+run, 1)
	return head + loaderFetch + loaderDefer, nil
}

// loaderDefer runs fn once the page's first screen is up, or after 20 s
// without one (a page that failed to start still gets
// the service worker that may bring the fixed version).
const loaderDefer = `
// Backpack: the service worker (and its downloads) once the first screen is up.
function backpackAfterFirstScreen(fn) {
  const started = Date.now();
  const check = () => {
    if (window.backpackMountedAt !== undefined || Date.now() - started > 20000) {
      fn();
      return;
    }
    setTimeout(check, 100);
  };
  check();
}
`

const loaderFetch = `// Backpack: the Response from fetch() itself goes to instantiateStreaming,
// so the browser streams, compiles and caches the compiled module by URL.
// Progress is counted on a clone of the body.
async function fetchWithProgress(url, progress) {
  const response = await fetch(url);
  const total = parseInt(goappWasmContentLength, 10) || parseInt(response.headers.get("Content-Length"), 10) || 0;
  if (total > 0 && response.ok && response.body && response.clone) {
    const reader = response.clone().body.getReader();
    (async () => {
      let loaded = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          progress(100);
          return;
        }
        loaded += value.byteLength;
        progress(Math.min(99, Math.round((loaded * 100) / total)));
      }
    })().catch(() => {});
  }
  return response;
}
`

// webAssets reads the text files of webDir into memory, compressed.
func webAssets(webDir string) (map[string]*asset, error) {
	out := map[string]*asset{}
	err := walkWeb(webDir, func(rel, full string) error {
		ext := filepath.Ext(rel)
		if !textTypes[ext] {
			return nil
		}
		body, err := os.ReadFile(full)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[ext]
		if !ok {
			ct = "application/octet-stream"
		}
		a, err := newAsset(ct, body)
		if err != nil {
			return err
		}
		out[rel] = a
		return nil
	})
	return out, err
}

// PrecompressCached is Precompress with a cache: cacheDir holds each
// output under the SHA-256 of its input and the settings, so compressing
// a file that has not changed (brotli at quality 11 takes minutes on a
// large wasm) only copies the earlier result. An empty cacheDir compresses.
func PrecompressCached(name string, quality int, cacheDir string) (raw, br, gz int64, err error) {
	if cacheDir == "" {
		return Precompress(name, quality)
	}
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, 0, err
	}
	h := sha256.New()
	raw, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return 0, 0, 0, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return 0, 0, 0, err
	}
	key := filepath.Join(cacheDir, sum+"-q"+strconv.Itoa(quality))
	hitBR, errBR := os.Stat(key + ".br")
	hitGZ, errGZ := os.Stat(key + ".gz")
	if errBR != nil || errGZ != nil {
		tmp := key + ".in" + strconv.Itoa(os.Getpid())
		if err := copyFile(tmp, name); err != nil {
			return 0, 0, 0, err
		}
		defer os.Remove(tmp)
		if _, _, _, err := Precompress(tmp, quality); err != nil {
			return 0, 0, 0, err
		}
		for _, ext := range []string{".br", ".gz"} {
			if err := os.Rename(tmp+ext, key+ext); err != nil {
				return 0, 0, 0, err
			}
		}
		if hitBR, err = os.Stat(key + ".br"); err != nil {
			return 0, 0, 0, err
		}
		if hitGZ, err = os.Stat(key + ".gz"); err != nil {
			return 0, 0, 0, err
		}
	}
	for _, ext := range []string{".br", ".gz"} {
		if err := copyFile(name+ext, key+ext); err != nil {
			return 0, 0, 0, err
		}
	}
	return raw, hitBR.Size(), hitGZ.Size(), nil
}

// copyFile copies src to dst through a temporary file, so dst is whole or absent.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp" + strconv.Itoa(os.Getpid())
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// staticSite finishes a static site in out: Backpack's loader in app.js,
// a .br and a .gz beside every text file (hosts that serve precompressed
// files pick them), and caching rules appended to out/_headers (the
// format Netlify, Cloudflare Pages and others read): /VERSION/* immutable.
// (No rule for the other URLs: hosts join the values of every matching
// rule, and their default is to revalidate.)
func staticSite(out, version string, pages http.Handler) error {
	js, err := goAppAssets(pages)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "app.js"), js["/app.js"].raw, 0o644); err != nil {
		return err
	}
	err = walkWeb(out, func(rel, full string) error {
		if !textTypes[filepath.Ext(rel)] {
			return nil
		}
		if _, _, _, err := Precompress(full, 11); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(out, "_headers"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	io.WriteString(f, "/"+version+"/*\n  Cache-Control: "+Immutable+"\n")
	return f.Close()
}

// compressedPages wraps go-app's pages: each page (a few KB) is rendered,
// then sent compressed as the client accepts (brotli at quality 5 or
// gzip, well under a millisecond).
func compressedPages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept := r.Header.Get("Accept-Encoding")
		br, gz := acceptsEncoding(accept, "br"), acceptsEncoding(accept, "gzip")
		if r.Method != http.MethodGet || !br && !gz {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		h := w.Header()
		for k, v := range rec.Header() {
			h[k] = v
		}
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK && h.Get("Content-Encoding") == "" && len(body) >= 1024 {
			var b bytes.Buffer
			var zw io.WriteCloser
			if br {
				h.Set("Content-Encoding", "br")
				zw = brotli.NewWriterOptions(&b, brotliOptions(5, int64(len(body))))
			} else {
				h.Set("Content-Encoding", "gzip")
				zw = gzip.NewWriter(&b)
			}
			zw.Write(body)
			zw.Close()
			body = b.Bytes()
			h.Add("Vary", "Accept-Encoding")
			h.Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}
