//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestImportWorker: files are read in Backpack's worker module. When the
// worker dies in the middle of a file (as a crash or running out of memory
// ends it) or a reader panics, the file's card says so and the page lives
// on: the next file is read by a new worker and saved. The worker module
// is cached once the first screen is up, and starts with no network.
func TestImportWorker(t *testing.T) {
	s := startSite(t, "worker")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	openImportPage(t, ctx)
	obs := importFHIRFixture("observation.json")

	for _, tt := range []struct{ fault, want string }{
		{"exit", "stopped while reading this file"},
		{"panic", "something in it made the reader fail"},
	} {
		importStep(t, ctx, "fault "+tt.fault, chromedp.Evaluate(`window.backpackWorkerFault = '`+tt.fault+`'`, nil))
		importUpload(t, ctx, obs)
		waitImportPhase(t, ctx, "preview", time.Minute)
		c := readImportCards(t, ctx)["observation.json"]
		if c.State != "failed" || !strings.Contains(c.Error, tt.want) {
			t.Fatalf("fault %s: card %+v, want failed with %q", tt.fault, c, tt.want)
		}
		screenshot(t, ctx, "import-worker-"+tt.fault+"-phone")
		importStep(t, ctx, "clear", chromedp.Click(`#import-clear`, chromedp.ByQuery))
		waitImportPhase(t, ctx, "pick", 10*time.Second)
	}

	importStep(t, ctx, "no fault", chromedp.Evaluate(`delete window.backpackWorkerFault`, nil))
	importUpload(t, ctx, obs)
	waitImportPhase(t, ctx, "preview", time.Minute)
	if c := readImportCards(t, ctx)["observation.json"]; c.State != "ready" || c.Counts["Observation"] != 1 {
		t.Fatalf("after the worker died, the next file: %+v", c)
	}
	importStep(t, ctx, "confirm", chromedp.Click(`#import-confirm`, chromedp.ByQuery))
	waitImportPhase(t, ctx, "done", time.Minute)
	if r := readImportCards(t, ctx)["observation.json"].Result; !strings.Contains(r, "1 added, 0 already there") {
		t.Fatalf("result %q", r)
	}

	// After a large file the worker is ended, so the memory it grew to
	// goes back; the next file starts another.
	var stats struct {
		Started, Ended int
		Running        bool
	}
	big := filepath.Join(t.TempDir(), "big.json")
	var b strings.Builder
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	for i := 0; i < 20000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"resource":{"resourceType":"Observation","id":"o%d","status":"final","code":{"text":"Glucose"},"effectiveDateTime":"2020-01-01","valueQuantity":{"value":%d,"unit":"mg/dL"}}}`, i, 70+i%60)
	}
	b.WriteString(`]}`)
	if err := os.WriteFile(big, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	importStep(t, ctx, "clear", chromedp.Click(`#import-clear`, chromedp.ByQuery))
	waitImportPhase(t, ctx, "pick", 10*time.Second)
	importUpload(t, ctx, big)
	waitImportPhase(t, ctx, "preview", 2*time.Minute)
	if c := readImportCards(t, ctx)["big.json"]; c.State != "ready" || c.Counts["Observation"] != 20000 {
		t.Fatalf("large file: %+v", c)
	}
	importStep(t, ctx, "stats", chromedp.Evaluate(`window.backpackWorkerStats`, &stats))
	if stats.Running || stats.Ended < 2 || stats.Started != stats.Ended {
		t.Errorf("after a large file the worker still runs: %+v", stats)
	}

	// Cached after the first screen; then, with the server gone, a worker
	// still starts (bootstrap, wasm_exec.js and worker.wasm from the cache).
	importStep(t, ctx, "precached", chromedp.Poll(`window.backpackWorkerPrecached === true`, nil, chromedp.WithPollingTimeout(time.Minute)))
	s.stop()
	var ready bool
	importStep(t, ctx, "offline worker", chromedp.Evaluate(`new Promise((resolve) => {
		const w = new Worker('/worker/web/backpack-worker.js');
		w.onmessage = (e) => { resolve(!!e.data.ready); w.terminate(); };
		w.onerror = () => resolve(false);
		setTimeout(() => resolve(false), 30000);
	})`, &ready, awaitPromise))
	if !ready {
		t.Fatal("offline, the worker module did not start from the service worker's cache")
	}
}
