package server

import (
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Static writes a static site into out: go-app's pages, manifest and worker,
// plus every file of webDir under out/VERSION/web, every text file with
// its .br and .gz beside it, and a _headers file (see staticSite). Any
// static host can serve it; the share API is then off.
func Static(out, webDir string) error {
	wasm := filepath.Join(webDir, "app.wasm")
	st, err := os.Stat(wasm)
	if err != nil {
		return ErrNoWasm
	}
	version, err := Version(webDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := app.GenerateStaticWebsite(out, AppHandler(version, st.Size())); err != nil {
		return fmt.Errorf("server: static site: %w", err)
	}
	if err := metaCSP(out); err != nil {
		return err
	}
	if err := copyDir(filepath.Join(out, version, "web"), webDir); err != nil {
		return err
	}
	for wp, body := range workerScripts {
		for _, p := range []string{wp, "/" + version + wp} {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(out, filepath.FromSlash(p))), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(p, "/"))), []byte(body), 0o644); err != nil {
				return err
			}
		}
	}
	// The word lists (not a text type: staticSite leaves them alone), with
	// their .br and .gz, under /web/ and /VERSION/web/.
	if err := checkWordLists(); err != nil {
		return err
	}
	wl := wordLists()
	for _, p := range []string{WordListsPath, "/" + version + WordListsPath} {
		f := filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(p, "/")))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		for ext, b := range map[string][]byte{"": wl.raw, ".br": wl.br, ".gz": wl.gz} {
			if err := os.WriteFile(f+ext, b, 0o644); err != nil {
				return err
			}
		}
	}
	for name, body := range map[string]string{"robots.txt": Robots, "_headers": headersFile()} {
		if err := os.WriteFile(filepath.Join(out, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	// staticSite precompresses every text file (pages included, so the
	// policy is in them first) and adds the caching rule to _headers.
	return staticSite(out, version, AppHandler(version, st.Size()))
}

// metaCSP puts the policy in a meta tag at the top of every page of out,
// for hosts that send no headers of their own (a meta policy cannot forbid
// framing: _headers does that where the host reads it). It comes before
// every script and style, so that it covers them.
func metaCSP(out string) error {
	const charset = `<meta charset="UTF-8">`
	return filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".html" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		i := strings.Index(string(b), charset)
		if i < 0 {
			return fmt.Errorf("server: static site: %s has no %s to put the policy after", filepath.Base(p), charset)
		}
		i += len(charset)
		page := string(b[:i]) + `<meta http-equiv="Content-Security-Policy" content="` + MetaCSP + `">` + string(b[i:])
		return os.WriteFile(p, []byte(page), 0o644)
	})
}

// MetaCSP is CSP without the directives a <meta> policy ignores.
var MetaCSP = strings.TrimSuffix(CSP, "; frame-ancestors 'none'")

// headersFile is the security headers in the _headers format that Netlify,
// Cloudflare Pages and other static hosts read: the same as serve sends.
func headersFile() string {
	var b strings.Builder
	b.WriteString("/*\n")
	for _, kv := range securityHeaders {
		b.WriteString("  " + kv[0] + ": " + kv[1] + "\n")
	}
	return b.String()
}

func copyDir(dst, src string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(o, in); err != nil {
			o.Close()
			return err
		}
		return o.Close()
	})
}

// Precompress writes name.br (brotli at the given quality, 0–11) and name.gz
// (gzip, best compression) beside name, and returns the three sizes.
func Precompress(name string, quality int) (raw, br, gz int64, err error) {
	st, err := os.Stat(name)
	if err != nil {
		return 0, 0, 0, err
	}
	raw = st.Size()
	if br, err = compressTo(name, name+".br", func(w io.Writer) (io.WriteCloser, error) {
		return brotli.NewWriterOptions(w, brotliOptions(quality, raw)), nil
	}); err != nil {
		return
	}
	gz, err = compressTo(name, name+".gz", func(w io.Writer) (io.WriteCloser, error) {
		return gzip.NewWriterLevel(w, gzip.BestCompression)
	})
	return
}

func compressTo(src, dst string, newWriter func(io.Writer) (io.WriteCloser, error)) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	tmp := dst + ".tmp" + strconv.Itoa(os.Getpid())
	out, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	zw, err := newWriter(out)
	if err != nil {
		out.Close()
		return 0, err
	}
	if _, err := io.Copy(zw, in); err != nil {
		out.Close()
		return 0, err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return 0, err
	}
	st, err := out.Stat()
	if err != nil {
		out.Close()
		return 0, err
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	return st.Size(), os.Rename(tmp, dst)
}
