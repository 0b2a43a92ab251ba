//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"backpack/internal/server"
)

func TestMountsAndIsInstallable(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	visitInstalled(t, ctx, s.URL("/"))
	var errs []*page.InstallabilityError
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		errs, err = page.GetInstallabilityErrors().Do(ctx)
		return err
	})); err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("installability error: %s %v", e.ErrorID, e.ErrorArguments)
	}
	// A first visit is no update: no reload prompt.
	time.Sleep(500 * time.Millisecond)
	var prompts int
	chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("#update").length`, &prompts))
	if prompts != 0 {
		t.Error("first visit shows the update prompt")
	}
	screenshot(t, ctx, "home-phone")
	if err := chromedp.Run(ctx, desktop()); err == nil {
		screenshot(t, ctx, "home-desktop")
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := startSite(t, "v1")
	for _, p := range []string{"/", "/about", "/web/app.wasm", "/app.js", "/app-worker.js", "/manifest.webmanifest", "/web/nope"} {
		res, err := http.Get(s.URL(p))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		if h.Get("Content-Security-Policy") != server.CSP {
			t.Errorf("%s: CSP %q", p, h.Get("Content-Security-Policy"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, h)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: no frame-ancestors", p)
		}
	}
}

// After one visit, with the server stopped, / and a deep link still load.
func TestOffline(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	visitInstalled(t, ctx, s.URL("/"))
	s.stop()
	for _, p := range []string{"/", "/about"} {
		if err := chromedp.Run(ctx, chromedp.Navigate(s.URL(p))); err != nil {
			t.Fatalf("offline %s: %v", p, err)
		}
		if _, err := waitMounted(ctx); err != nil {
			t.Fatalf("offline %s: %v", p, err)
		}
		var path string
		chromedp.Run(ctx, chromedp.Evaluate(`location.pathname`, &path))
		if path != p {
			t.Fatalf("offline %s: at %s", p, path)
		}
	}
	var h1 string
	if err := chromedp.Run(ctx, chromedp.Text(`main h1`, &h1, chromedp.ByQuery)); err != nil || h1 == "" {
		t.Fatalf("offline deep link rendered no title: %q %v", h1, err)
	}
}

// Reloading offline right after the first visit opens the app again, in
// every fresh browser: the page's beforeunload handler once waited on a
// lock held while IndexedDB opened, which froze the tab (and the reload)
// in most runs.
func TestReloadOfflineFresh(t *testing.T) {
	s := startSite(t, "v1")
	for i := 0; i < 4; i++ {
		ctx, cancel := browser(t)
		visitInstalled(t, ctx, s.URL("/"))
		s.stop()
		rctx, rcancel := context.WithTimeout(ctx, 45*time.Second)
		err := chromedp.Run(rctx, chromedp.Reload())
		if err == nil {
			_, err = waitMounted(rctx)
		}
		rcancel()
		if err != nil {
			t.Fatalf("browser %d: offline reload: %v", i+1, err)
		}
		cancel()
		s.restart("v1")
	}
}

// A new version on the server makes the running app offer a reload.
func TestUpdatePrompt(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	visitInstalled(t, ctx, s.URL("/"))
	s.restart("v2")
	if err := chromedp.Run(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	if _, err := waitMounted(ctx); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	if err := chromedp.Run(tctx, chromedp.WaitVisible(`#update-reload`, chromedp.ByQuery)); err != nil {
		t.Fatalf("no update prompt: %v", err)
	}
	screenshot(t, ctx, "update-prompt")
	// Reloading brings up the new version, without the prompt.
	if err := chromedp.Run(ctx, chromedp.Click(`#update-reload`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if _, err := waitMounted(ctx); err != nil {
		t.Fatal(err)
	}
	var version string
	chromedp.Run(ctx, chromedp.Evaluate(`caches.keys().then(k => k.join(","))`, &version, awaitPromise))
	if !strings.Contains(version, "v2") {
		t.Fatalf("caches after reload: %q", version)
	}
}

// The browser binary must not carry the server: build the wasm with symbol
// names kept and look for net/http's server side and internal/server.
func TestWasmLinksNoServer(t *testing.T) {
	out := filepath.Join(t.TempDir(), "names.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "backpack/cmd/backpack")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bin, []byte("go-app/v10/pkg/app.")) {
		t.Fatal("symbol names missing: the check would prove nothing")
	}
	for _, sym := range []string{"net/http.(*Server)", "net/http.(*conn).serve", "backpack/internal/server.", "backpack/internal/share/server.", "net/http/httptest."} {
		if bytes.Contains(bin, []byte(sym)) {
			t.Errorf("app.wasm links %s", sym)
		}
	}
}

// visitInstalled opens url, waits for the app to mount and for the service
// worker to control the page (so the app is cached for offline use).
func visitInstalled(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	if _, err := waitMounted(ctx); err != nil {
		t.Fatal(err)
	}
	if err := waitController(ctx); err != nil {
		t.Fatal(err)
	}
}
