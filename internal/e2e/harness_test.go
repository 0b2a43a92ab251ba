//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"backpack/internal/server"
)

// webDir is the repository's web directory; `make e2e` builds app.wasm first.
var webDir = func() string {
	if d := os.Getenv("BACKPACK_WEB"); d != "" {
		return d
	}
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "web")
}()

// site is a Backpack server on a loopback port that can be stopped and
// started again on the same address (same origin, same service worker).
type site struct {
	t       testing.TB
	web     string // the web directory served
	addr    string
	srv     *http.Server
	version string
	config  func(*server.Config) // more of the server's configuration (startSiteWith)
	sent    atomic.Int64         // response body bytes written, as sent (compressed)
}

// counted counts the body bytes h writes into sent.
func counted(h http.Handler, sent *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&countingWriter{ResponseWriter: w, sent: sent}, r)
	})
}

type countingWriter struct {
	http.ResponseWriter
	sent *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.sent.Add(int64(n))
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func startSite(t testing.TB, version string) *site {
	t.Helper()
	return startSiteDir(t, webDir, version)
}

// startSiteDir serves another web directory the same way.
func startSiteDir(t testing.TB, web, version string) *site {
	t.Helper()
	return startSiteWith(t, web, version, nil)
}

// startSiteWith serves web with config adding to the server's configuration
// (a relay, client ids).
func startSiteWith(t testing.TB, web, version string, config func(*server.Config)) *site {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, web: web, addr: ln.Addr().String(), config: config}
	s.serve(ln, version)
	t.Cleanup(s.stop)
	return s
}

func (s *site) URL(path string) string { return "http://" + s.addr + path }

func (s *site) serve(ln net.Listener, version string) {
	s.t.Helper()
	cfg := server.Config{WebDir: s.web, Version: version}
	if s.config != nil {
		s.config(&cfg)
	}
	h, err := server.New(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	s.version = version
	s.srv = &http.Server{Handler: counted(h, &s.sent)}
	go s.srv.Serve(ln)
}

// stop closes the server: the browser then gets connection refused.
func (s *site) stop() {
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}

// restart serves again on the same address, with another version.
func (s *site) restart(version string) {
	s.t.Helper()
	s.stop()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.serve(ln, version)
}

// chromiumPath finds Debian's chromium.
func chromiumPath() string {
	if p := os.Getenv("BACKPACK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	if _, err := os.Stat(filepath.Join(webDir, "app.wasm")); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: web/app.wasm is missing: run `make e2e` (it builds the app first)")
		os.Exit(1)
	}
	if chromiumPath() == "" {
		fmt.Fprintln(os.Stderr, "e2e: chromium not found: apt-get install chromium (or set BACKPACK_CHROMIUM)")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// browser returns a fresh browser context (its own profile: no cache, no
// service worker, no storage) and a cancel func. Each call is a cold start.
func browser(t testing.TB) (context.Context, context.CancelFunc) {
	t.Helper()
	return browserWith(t)
}

// browserWith is browser with more command-line options.
func browserWith(t testing.TB, extra ...chromedp.ExecAllocatorOption) (context.Context, context.CancelFunc) {
	t.Helper()
	profile, err := os.MkdirTemp("", "backpack-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath()),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(390, 844),
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	cancel := func() { cancelCtx(); cancelAlloc(); os.RemoveAll(profile) }
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	var consoleMu sync.Mutex
	var console []string
	var foreign []string // requests to any other origin: there must be none
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !localURL(u) {
				consoleMu.Lock()
				foreign = append(foreign, u)
				consoleMu.Unlock()
			}
		case *runtime.EventExceptionThrown:
			consoleMu.Lock()
			console = append(console, "exception: "+e.ExceptionDetails.Error())
			consoleMu.Unlock()
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value))
			}
			consoleMu.Lock()
			console = append(console, string(e.Type)+": "+strings.Join(parts, " "))
			consoleMu.Unlock()
		}
	})
	if err := chromedp.Run(ctx, network.Enable(), phone()); err != nil {
		t.Fatal(err)
	}
	return ctx, func() {
		if tt, ok := t.(*testing.T); ok && tt.Failed() {
			consoleMu.Lock()
			for _, l := range console {
				t.Log("browser", l)
			}
			consoleMu.Unlock()
		}
		consoleMu.Lock()
		for _, u := range foreign {
			t.Errorf("request to another origin: %.120s", u)
		}
		consoleMu.Unlock()
		cancelTimeout()
		cancel()
	}
}

// waitMounted waits until the app has mounted a page, and returns the time
// from navigation start to the first mount, in milliseconds.
func waitMounted(ctx context.Context) (float64, error) {
	var ms float64
	err := chromedp.Run(ctx,
		chromedp.WaitVisible(`main[data-mounted="true"]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.backpackMountedAt || -1`, &ms),
	)
	return ms, err
}

// waitController waits until the service worker has installed and controls the page.
func waitController(ctx context.Context) error {
	var ok bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`navigator.serviceWorker.ready.then(() => true)`, &ok, awaitPromise)); err != nil {
		return err
	}
	for i := 0; i < 100; i++ {
		var controlled bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(`!!navigator.serviceWorker.controller`, &controlled)); err != nil {
			return err
		}
		if controlled {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("service worker never took control")
}

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams {
	return p.WithAwaitPromise(true)
}

// screenshot saves a full-page PNG under .e2e/ (git-ignored) for people to look at.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	var buf []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 100)); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(webDir, "..", ".e2e")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// phone sets a 390×844 phone viewport; desktop a 1280×800 one.
func phone() chromedp.Action {
	return emulation.SetDeviceMetricsOverride(390, 844, 1, true)
}

func desktop() chromedp.Action {
	return emulation.SetDeviceMetricsOverride(1280, 800, 1, false)
}

// localURL reports whether a request stays on this machine's loopback
// origin (or never leaves the page: data:, blob:, about:).
func localURL(u string) bool {
	for _, p := range []string{"http://127.0.0.1:", "https://127.0.0.1:", "http://localhost:", "data:", "blob:", "about:", "chrome:", "chrome-extension:"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}
