// Package server is Backpack's tiny HTTP server: it serves the app bundle
// (go-app pages, app.wasm precompressed, icons, styles) with strict security
// headers, and optionally mounts the share API, which stores encrypted blobs it
// cannot read. It is host-only: the wasm build never links it.
package server

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/trustelem/zxcvbn/frequency"

	ui "backpack/app"
	"backpack/internal/portal"
	"backpack/internal/portal/relay"
	"backpack/internal/seipd"
	"backpack/internal/worker"
	"backpack/internal/zxcvbn"
)

//go:embed worker.js
var workerJS string

// Config says what to serve.
type Config struct {
	WebDir  string       // directory holding app.wasm (+ .br, .gz), icons and styles
	Version string       // app version; empty derives it from a hash of app.wasm
	API     http.Handler // optional handler for /api/ (the share API); nil turns it off
	Sync    http.Handler // optional handler for /sync/ (the sync API, backpack/internal/syncserver); nil turns it off
	// SmartClients is the deployment's SMART client ids (portal.Clients
	// JSON), served at portal.ClientsPath; nil serves none.
	SmartClients []byte
	// Relay is the opt-in pass-through to health systems a browser cannot
	// reach (internal/portal/relay), mounted at relay.Path; nil turns it off.
	Relay http.Handler
}

// AppHandler returns the go-app handler that renders pages, the manifest and
// the service worker. Every resource it names is local.
func AppHandler(version string, wasmSize int64) *app.Handler {
	ui.Register()
	return &app.Handler{
		Name:            "Backpack",
		ShortName:       "Backpack",
		Title:           "Backpack — your health record",
		Description:     "Your health record, in your pocket. Private, offline, yours.",
		Lang:            "en",
		Author:          "Backpack",
		BackgroundColor: "#f8fafc",
		ThemeColor:      "#0f766e",
		LoadingLabel:    "Backpack {progress}%",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			Maskable: "/web/icon-maskable-512.png",
			SVG:      "/web/icon.svg",
		},
		Styles:                []string{"/web/backpack.css", "/web/vault.css", "/web/record.css", "/web/files.css", "/web/import.css", "/web/export.css", "/web/drafts.css", "/web/shl.css", "/web/sync.css"},
		CacheableResources:    []string{"/web/icon.svg", "/web/icon-512.png", seipd.WorkerPath, "/web/directory.dat", WordListsPath},
		Version:               version,
		WasmContentLength:     strconv.FormatInt(wasmSize, 10),
		ServiceWorkerTemplate: workerJS,
		Resources:             resolver{version},
	}
}

// resolver maps /web/... to /VERSION/web/... on this origin: URLs that
// change with every build, so their responses can be kept for good
// (Immutable). go-app's LocalDir leaks absolute paths into URLs; this
// server serves /web/ itself.
type resolver struct{ version string }

func (r resolver) Resolve(p string) string {
	if p == "/web" || strings.HasPrefix(p, "/web/") {
		return "/" + r.version + p
	}
	return p
}

// validVersion: a version names a URL path segment.
func validVersion(v string) bool {
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return v != "" && v != "web" && v != "api" && v != "." && v != ".."
}

// New returns the whole site: security headers around the share API, static
// files from cfg.WebDir and go-app's pages. Text files (go-app's scripts,
// styles, manifest, workers) are compressed once, in memory; app.wasm is
// sent from its precompressed siblings. Everything under /VERSION/web/ is
// immutable; other URLs are revalidated by ETag.
func New(cfg Config) (http.Handler, error) {
	wasm := filepath.Join(cfg.WebDir, "app.wasm")
	st, err := os.Stat(wasm)
	if err != nil {
		return nil, fmt.Errorf("server: %w (run `make build` first)", err)
	}
	if cfg.Version == "" {
		if cfg.Version, err = Version(cfg.WebDir); err != nil {
			return nil, err
		}
	}
	if !validVersion(cfg.Version) {
		return nil, fmt.Errorf("server: version %q: use letters, digits, '.', '_' and '-'", cfg.Version)
	}
	if err := checkWordLists(); err != nil {
		return nil, err
	}
	pages := AppHandler(cfg.Version, st.Size())
	goapp, err := goAppAssets(pages)
	if err != nil {
		return nil, err
	}
	text, err := webAssets(cfg.WebDir)
	if err != nil {
		return nil, err
	}
	etag := `"` + cfg.Version + `"`
	versioned := "/" + cfg.Version
	mux := http.NewServeMux()
	mux.Handle("/web/", &webFiles{dir: cfg.WebDir, etag: etag, text: text, cache: "no-cache"})
	mux.Handle(versioned+"/web/", http.StripPrefix(versioned, &webFiles{dir: cfg.WebDir, etag: etag, text: text, cache: Immutable}))
	for p, a := range goapp {
		mux.Handle(p, a.handler(etag, "no-cache"))
	}
	for p, body := range workerScripts {
		a, err := newAsset(contentTypes[".js"], []byte(body))
		if err != nil {
			return nil, err
		}
		mux.Handle(p, a.handler(etag, "no-cache"))
		mux.Handle(versioned+p, a.handler(etag, Immutable))
	}
	go wordLists() // compressed in the background: ready before a first visit asks
	mux.Handle(WordListsPath, wordListsHandler(etag, "no-cache"))
	mux.Handle(versioned+WordListsPath, wordListsHandler(etag, Immutable))
	mux.Handle("/app.wasm", http.RedirectHandler("/web/app.wasm", http.StatusMovedPermanently))
	if cfg.API != nil {
		mux.Handle("/api/", cfg.API)
	} else {
		mux.Handle("/api/", http.NotFoundHandler())
	}
	if cfg.Sync != nil {
		mux.Handle("/sync/", cfg.Sync)
	} else {
		mux.Handle("/sync/", http.NotFoundHandler())
	}
	if cfg.Relay != nil {
		mux.Handle(relay.Path, cfg.Relay)
	}
	mux.HandleFunc(portal.ClientsPath, func(w http.ResponseWriter, r *http.Request) {
		if cfg.SmartClients == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentTypes[".json"])
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(cfg.SmartClients)
	})
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentTypes[".txt"])
		io.WriteString(w, Robots)
	})
	mux.Handle("/", compressedPages(pages))
	return SecurityHeaders(mux), nil
}

// WordListsPath is zxcvbn's word lists (internal/zxcvbn): the page
// fetches them where a passphrase is chosen; the service worker precaches
// them. They are made from the library's own lists, so they are always the
// ones the page expects (zxcvbn.Sum).
const WordListsPath = "/web/" + zxcvbn.File

// wordListsData is the file at WordListsPath, made once per process from
// the library's own lists; an error when they are not the ones the page
// accepts (zxcvbn.Sum; TestSum in internal/zxcvbn says what to set).
var wordListsData = sync.OnceValues(func() ([]byte, error) {
	b := zxcvbn.Encode(frequency.FrequencyLists)
	if s := sha256.Sum256(b); hex.EncodeToString(s[:]) != zxcvbn.Sum {
		return nil, errors.New("server: trustelem/zxcvbn's word lists changed: update internal/zxcvbn.Sum (go test ./internal/zxcvbn)")
	}
	return b, nil
})

// checkWordLists: the lists this binary serves are the ones its page
// accepts (New and Static refuse to start otherwise).
func checkWordLists() error {
	_, err := wordListsData()
	return err
}

// wordLists is the asset at WordListsPath, compressed once per process
// (brotli quality 11 takes about 1.5 s on its 0.8 MB; 0.35 MB result).
var wordLists = sync.OnceValue(func() *asset {
	b, err := wordListsData()
	if err != nil {
		panic(err) // New and Static check it before serving or writing
	}
	a, err := newAsset("application/octet-stream", b)
	if err != nil {
		panic(err) // brotli and gzip into memory do not fail
	}
	return a
})

func wordListsHandler(etag, cacheControl string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { wordLists().serve(w, r, etag, cacheControl) })
}

// workerScripts are the scripts of the app's Web Workers, built into the
// server, by path under /web/: the MDC worker (internal/seipd) and the
// worker module's bootstrap (internal/worker, beside worker.wasm).
var workerScripts = map[string]string{seipd.WorkerPath: seipd.WorkerJS, worker.Path: worker.JS}

// Robots is /robots.txt: the pages may be indexed (they hold no one's
// records: those stay on the device), the share API not.
const Robots = "User-agent: *\nDisallow: /api/\nDisallow: /sync/\n"

// webFiles serves the files under /web/: text files from memory, others
// from disk, choosing a precompressed .br or .gz sibling when the client
// accepts it. Directory listings and dot files are refused.
type webFiles struct {
	dir   string
	etag  string
	text  map[string]*asset // by name under dir
	cache string            // Cache-Control
}

var contentTypes = map[string]string{
	".wasm":        "application/wasm",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".html":        "text/html; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
}

func (h *webFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := path.Clean(strings.TrimPrefix(r.URL.Path, "/web/"))
	if name == "." || strings.HasPrefix(name, ".") || strings.Contains(name, "/.") || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
		http.NotFound(w, r)
		return
	}
	if a, ok := h.text[name]; ok {
		a.serve(w, r, h.etag, h.cache)
		return
	}
	full := filepath.Join(h.dir, filepath.FromSlash(name))
	ct, ok := contentTypes[filepath.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", h.cache)
	w.Header().Set("ETag", h.etag)
	w.Header().Add("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == h.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	accept := r.Header.Get("Accept-Encoding")
	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if !acceptsEncoding(accept, enc.token) {
			continue
		}
		if f, err := os.Open(full + enc.ext); err == nil {
			defer f.Close()
			if st, err := f.Stat(); err == nil && !st.IsDir() {
				w.Header().Set("Content-Encoding", enc.token)
				w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
				if r.Method == http.MethodGet {
					io.Copy(w, f)
				}
				return
			}
		}
	}
	f, err := os.Open(full)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	if r.Method == http.MethodGet {
		io.Copy(w, f)
	}
}

func acceptsEncoding(header, token string) bool {
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(fields[0]), token) {
			if len(fields) > 1 && strings.ReplaceAll(strings.TrimSpace(fields[1]), " ", "") == "q=0" {
				return false
			}
			return true
		}
	}
	return false
}

// CSP is the Content-Security-Policy of every response: this origin only,
// wasm compilation allowed, no inline scripts or styles, never framed.
// Frames hold data: URLs only (a PDF preview: an opaque origin of its own,
// app/filepreview.go), never a blob: of this origin.
// connect-src also allows any https origin (and loopback, for a server on
// this machine) because the person may connect to any health system's FHIR
// server: the app itself only ever requests the one the person chose.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; " +
	"connect-src 'self' https: http://localhost:* http://127.0.0.1:*; " + // health systems the person connects to (portal)
	"worker-src 'self'; manifest-src 'self'; frame-src 'self' data:; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders are the headers of every response, in order.
var securityHeaders = [][2]string{
	{"Content-Security-Policy", CSP},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Permissions-Policy", "geolocation=(), microphone=(), interest-cohort=()"},
}

// SecurityHeaders adds the security headers to every response.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range securityHeaders {
			h.Set(kv[0], kv[1])
		}
		next.ServeHTTP(w, r)
	})
}

// ErrNoWasm is returned by Static when the wasm has not been built.
var ErrNoWasm = errors.New("server: web/app.wasm is missing (run `make build` first)")
