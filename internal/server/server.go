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

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	ui "backpack/app"
	"backpack/internal/seipd"
)

//go:embed worker.js
var workerJS string

// Config says what to serve.
type Config struct {
	WebDir  string       // directory holding app.wasm (+ .br, .gz), icons and styles
	Version string       // app version; empty derives it from a hash of app.wasm
	API     http.Handler // optional handler for /api/ (the share API); nil turns it off
}

// Version returns the hex SHA-256 prefix of the wasm file, so every build that
// changes the app changes the version and clients are told to reload.
func Version(wasmPath string) (string, error) {
	f, err := os.Open(wasmPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
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
		Styles:                []string{"/web/backpack.css", "/web/vault.css", "/web/record.css", "/web/files.css", "/web/import.css", "/web/export.css", "/web/drafts.css"},
		CacheableResources:    []string{"/web/icon.svg", "/web/icon-512.png", seipd.WorkerPath},
		Version:               version,
		WasmContentLength:     strconv.FormatInt(wasmSize, 10),
		ServiceWorkerTemplate: workerJS,
		Resources:             resolver{},
	}
}

// resolver maps /web/... to the same path on this origin. (go-app's LocalDir
// leaks absolute paths into URLs; this server serves /web/ itself.)
type resolver struct{}

func (resolver) Resolve(p string) string { return p }

// New returns the whole site: security headers around the share API, static
// files from cfg.WebDir and go-app's pages.
func New(cfg Config) (http.Handler, error) {
	wasm := filepath.Join(cfg.WebDir, "app.wasm")
	st, err := os.Stat(wasm)
	if err != nil {
		return nil, fmt.Errorf("server: %w (run `make build` first)", err)
	}
	if cfg.Version == "" {
		if cfg.Version, err = Version(wasm); err != nil {
			return nil, err
		}
	}
	pages := AppHandler(cfg.Version, st.Size())
	files := &webFiles{dir: cfg.WebDir, etag: `"` + cfg.Version + `"`}
	mux := http.NewServeMux()
	mux.Handle("/web/", files)
	mux.Handle(seipd.WorkerPath, &workerFile{etag: `"` + cfg.Version + `"`})
	mux.Handle("/app.wasm", http.RedirectHandler("/web/app.wasm", http.StatusMovedPermanently))
	if cfg.API != nil {
		mux.Handle("/api/", cfg.API)
	} else {
		mux.Handle("/api/", http.NotFoundHandler())
	}
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentTypes[".txt"])
		io.WriteString(w, Robots)
	})
	mux.Handle("/", pages)
	return SecurityHeaders(mux), nil
}

// Robots is /robots.txt: the pages may be indexed (they hold no one's
// records: those stay on the device), the share API not.
const Robots = "User-agent: *\nDisallow: /api/\n"

// workerFile serves the MDC worker's script (embedded in internal/seipd).
type workerFile struct{ etag string }

func (h *workerFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", contentTypes[".js"])
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", h.etag)
	if r.Header.Get("If-None-Match") == h.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(seipd.WorkerJS)))
	if r.Method == http.MethodGet {
		io.WriteString(w, seipd.WorkerJS)
	}
}

// webFiles serves the files under /web/, choosing a precompressed .br or .gz
// sibling when the client accepts it. Directory listings and dot files are refused.
type webFiles struct {
	dir  string
	etag string
}

var contentTypes = map[string]string{
	".wasm": "application/wasm",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
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
	full := filepath.Join(h.dir, filepath.FromSlash(name))
	ct, ok := contentTypes[filepath.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
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
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; connect-src 'self'; " +
	"worker-src 'self'; manifest-src 'self'; frame-src 'self' blob:; object-src 'none'; " +
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
