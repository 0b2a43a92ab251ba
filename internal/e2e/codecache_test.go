//go:build e2e

package e2e

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// The loader hands Chromium fetch()'s own Response, so the compiled wasm
// is kept in the code cache and a later visit takes it from there (Blink's
// v8.wasm.moduleCacheHit trace event). go-app's loader, which wraps the
// body in a new Response, never gets a hit. V8 writes the cache once enough
// code has been optimised; the flags make that happen within the test's
// few seconds instead of a longer session's.
func TestWasmCodeCached(t *testing.T) {
	s := startSite(t, "codecache")
	ctx, cancel := browserWith(t, chromedp.Flag("js-flags", "--wasm-caching-threshold=10 --wasm-caching-timeout-ms=10"))
	defer cancel()
	// The cache is written some time after a compile and, once the service
	// worker has taken over, against its cached copy: a visit or two may
	// compile again before one is served from the cache.
	var hits []int
	for i := 0; i < 10 && (len(hits) < 2 || hits[len(hits)-1] == 0); i++ {
		names := wasmTrace(t, ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			if err := chromedp.Navigate(s.URL("/")).Do(ctx); err != nil {
				return err
			}
			if _, err := waitMounted(ctx); err != nil {
				return err
			}
			time.Sleep(2 * time.Second) // time to write the cache
			return nil
		}))
		if names["v8.wasm.streamFromResponseCallback"] == 0 {
			t.Fatalf("visit %d: the wasm was not compiled from a stream: %v", i, names)
		}
		hits = append(hits, names["v8.wasm.moduleCacheHit"])
	}
	t.Logf("code cache hits per visit: %v", hits)
	if hits[len(hits)-1] == 0 {
		t.Errorf("no code cache hit in %d visits (hits per visit %v)", len(hits), hits)
	}
}

// wasmTrace runs act with tracing on and counts Blink's v8.wasm.* events.
func wasmTrace(t testing.TB, ctx context.Context, act chromedp.Action) map[string]int {
	t.Helper()
	var mu sync.Mutex
	names := map[string]int{}
	done := make(chan struct{})
	var once sync.Once
	re := regexp.MustCompile(`"name":"(v8\.wasm\.[A-Za-z]+)"`)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	chromedp.ListenTarget(lctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			mu.Lock()
			for _, v := range e.Value {
				for _, m := range re.FindAllStringSubmatch(string(v), -1) {
					names[m[1]]++
				}
			}
			mu.Unlock()
		case *tracing.EventTracingComplete:
			once.Do(func() { close(done) })
		}
	})
	start := tracing.Start().WithTransferMode(tracing.TransferModeReportEvents).
		WithTraceConfig(&tracing.TraceConfig{IncludedCategories: []string{"disabled-by-default-devtools.timeline"}})
	if err := chromedp.Run(ctx, start, act, tracing.End()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the trace never completed")
	}
	mu.Lock()
	defer mu.Unlock()
	return names
}

// While the wasm downloads, the loading label counts up (the loader
// counts bytes on a clone of the Response it hands to the compiler).
func TestLoaderShowsProgress(t *testing.T) {
	s := startSite(t, "progress")
	ctx, cancel := browser(t)
	defer cancel()
	// About 4 s for a 4 MB download.
	if err := chromedp.Run(ctx, network.EmulateNetworkConditions(false, 20, 1<<20, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		_, _, _, _, err := page.Navigate(s.URL("/")).Do(ctx)
		return err
	})); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var label string
		var mounted bool
		chromedp.Run(ctx, chromedp.Evaluate(`(document.getElementById("app-wasm-loader-label") || {}).innerText || ""`, &label),
			chromedp.Evaluate(`!!document.querySelector('main[data-mounted="true"]')`, &mounted))
		if label != "" {
			seen[label] = true
		}
		if mounted {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	between := 0
	for l := range seen {
		if l != "Backpack 0%" && l != "Backpack 100%" && strings.HasPrefix(l, "Backpack ") && strings.HasSuffix(l, "%") {
			between++
		}
	}
	if between < 2 {
		t.Errorf("progress shown: %v", seen)
	}
	t.Logf("labels: %v", seen)
}
