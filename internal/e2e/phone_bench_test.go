//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"backpack/internal/server"
	"backpack/internal/wasmdata"
)

// The phone benchmarks compare Backpack with a go-app hello world
// (testdata/hello) built, compressed (brotli quality 11) and served the same
// way in the same run, so their ratios hold on a busy machine. Lighthouse's
// mobile profile: 4× CPU slowdown, 1.6 Mbps down, 750 kbps up, 150 ms RTT.
const (
	phoneCPU      = 4
	phoneRTT      = 150               // ms
	phoneDownBps  = 1638.4 * 1024 / 8 // bytes/s
	phoneUpBps    = 750 * 1024 / 8    // bytes/s
	mainBudgetBr  = 2.2e6             // bytes, brotli q11
	lighthouseVer = "12.2.3"          // tools/lighthouse/package-lock.json
)

// repoDir is the repository (for the brotli cache, the hello world's
// source and tools/).
var repoDir = func() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

type phoneSites struct {
	app, hello       *site
	appBr, helloBr   int64 // app.wasm at brotli quality 11, bytes
	appRaw, helloRaw int64
	appWeb, helloWeb string
}

var (
	phoneOnce sync.Once
	phoneSet  *phoneSites
	phoneErr  error
)

// phone builds the hello world, puts each wasm in a web directory of its
// own beside the same styles and icons, compresses both at quality 11
// (cached by content in .cache/brotli, as make build does) and serves them.
func phoneSetup(b *testing.B) *phoneSites {
	b.Helper()
	phoneOnce.Do(func() {
		dir, err := os.MkdirTemp("", "backpack-phone-")
		if err != nil {
			phoneErr = err
			return
		}
		p := &phoneSites{appWeb: filepath.Join(dir, "app"), helloWeb: filepath.Join(dir, "hello")}
		goCmd := filepath.Join(goruntime.GOROOT(), "bin", "go")
		// The page's build flags (the Makefile's PAGEFLAGS, passed by make
		// bench): hello is built as the page is.
		args := append([]string{"build", "-trimpath", "-ldflags=-s -w"}, strings.Fields(os.Getenv("PAGEFLAGS"))...)
		build := exec.Command(goCmd, append(args, "-o", filepath.Join(dir, "hello.wasm"), "./internal/e2e/testdata/hello")...)
		build.Dir = repoDir
		build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if out, err := build.CombinedOutput(); err != nil {
			phoneErr = fmt.Errorf("building hello: %v\n%s", err, out)
			return
		}
		cache := filepath.Join(repoDir, ".cache", "brotli")
		for _, w := range []struct {
			web, wasm string
			raw, br   *int64
		}{{p.appWeb, filepath.Join(webDir, "app.wasm"), &p.appRaw, &p.appBr}, {p.helloWeb, filepath.Join(dir, "hello.wasm"), &p.helloRaw, &p.helloBr}} {
			if err := phoneWebDir(w.web, w.wasm); err != nil {
				phoneErr = err
				return
			}
			// Packed as the Makefile's precompress packs the page (hello's
			// data segments and line tables too: the same treatment for both).
			if err := wasmdata.PackFile(filepath.Join(w.web, "app.wasm"), wasmdata.Options{}); err != nil {
				phoneErr = err
				return
			}
			if *w.raw, *w.br, _, err = server.PrecompressCached(filepath.Join(w.web, "app.wasm"), 11, cache); err != nil {
				phoneErr = err
				return
			}
		}
		phoneSet = p
	})
	if phoneErr != nil {
		b.Fatal(phoneErr)
	}
	p := *phoneSet
	p.app = startSiteDir(b, p.appWeb, "phone-app")
	p.hello = startSiteDir(b, p.helloWeb, "phone-hello")
	return &p
}

// phoneWebDir makes a web directory: wasm as app.wasm, and webDir's
// other files (styles, icons, the provider directory).
func phoneWebDir(dir, wasm string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(webDir, "*"))
	for _, f := range append(files, wasm) {
		name := filepath.Base(f)
		if f == wasm {
			name = "app.wasm"
		} else if st, err := os.Stat(f); err != nil || st.IsDir() || strings.HasPrefix(name, "app.wasm") || strings.HasPrefix(name, ".") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// throttle applies the mobile profile (cpu slowdown; network unless offline).
func throttle(cpu float64, net bool) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := emulation.SetCPUThrottlingRate(cpu).Do(ctx); err != nil {
			return err
		}
		if !net {
			return nil
		}
		return network.EmulateNetworkConditions(false, phoneRTT, phoneDownBps, phoneUpBps).Do(ctx)
	})
}

// firstVisit: a fresh profile under the mobile profile opens /; the time
// from navigation start to the first mounted screen, in ms, and the bytes
// the server sent until then (on a phone's link the time is mostly bytes;
// the throttling applies to the page, not to its service worker, so only
// the bytes show what a worker's install downloads meanwhile).
func firstVisit(b *testing.B, s *site) (ms, bytes float64) {
	ctx, cancel := browser(b)
	defer cancel()
	before := s.sent.Load()
	if err := chromedp.Run(ctx, throttle(phoneCPU, true), chromedp.Navigate(s.URL("/"))); err != nil {
		b.Fatal(err)
	}
	ms, err := waitMounted(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return ms, float64(s.sent.Load() - before)
}

// offlineReopen: after one visit (the service worker installed), with the
// server stopped and 4× CPU slowdown, a reload until the first mount, in ms.
func offlineReopen(b *testing.B, s *site) (ms, bytes float64) {
	ctx, cancel := browser(b)
	defer cancel()
	visitInstalled(b, ctx, s.URL("/"))
	// Let the browser write the compiled wasm to its code cache.
	time.Sleep(2 * time.Second)
	s.stop()
	defer s.restart(s.version)
	stop := func() {}
	if s.web == phoneSet.appWeb {
		stop = benchProfile(b, ctx, "offline-reopen")
	}
	if err := chromedp.Run(ctx, throttle(phoneCPU, false), chromedp.Reload()); err != nil {
		b.Fatal(err)
	}
	ms, err := waitMounted(ctx)
	if err != nil {
		b.Fatal(err)
	}
	stop()
	return ms, 0
}

// BenchmarkPhoneFirstVisit: first visit to a usable screen under the
// mobile profile, Backpack and hello alternately. Budget: ratio ≤ 1.3.
// Also the bytes sent before the first screen (app-first-kB, hello-first-kB
// and their ratio kB-ratio).
func BenchmarkPhoneFirstVisit(b *testing.B) { phoneRatio(b, firstVisit) }

// BenchmarkPhoneOfflineReopen: reopening offline from the service worker
// with 4× CPU slowdown, Backpack and hello alternately. Budget: ratio ≤ 1.3.
func BenchmarkPhoneOfflineReopen(b *testing.B) { phoneRatio(b, offlineReopen) }

// phoneRatio measures Backpack and hello alternately (so a noisy moment
// hits both) and reports each mean and the ratio.
func phoneRatio(b *testing.B, measure func(*testing.B, *site) (ms, bytes float64)) {
	p := phoneSetup(b)
	var app, hello, appKB, helloKB float64
	for i := 0; i < b.N; i++ {
		ms, kb := measure(b, p.app)
		app, appKB = app+ms, appKB+kb/1000
		ms, kb = measure(b, p.hello)
		hello, helloKB = hello+ms, helloKB+kb/1000
	}
	n := float64(b.N)
	b.ReportMetric(app/n, "app-ms")
	b.ReportMetric(hello/n, "hello-ms")
	b.ReportMetric(app/hello, "ratio")
	if helloKB > 0 {
		b.ReportMetric(appKB/n, "app-first-kB")
		b.ReportMetric(helloKB/n, "hello-first-kB")
		b.ReportMetric(appKB/helloKB, "kB-ratio")
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkPhoneMainModule: the first download's wasm at brotli quality 11
// (the build's setting). Budget: ≤ 2.2 MB.
func BenchmarkPhoneMainModule(b *testing.B) {
	p := phoneSetup(b)
	b.ReportMetric(float64(p.appBr), "br-q11-bytes")
	b.ReportMetric(float64(p.appRaw), "raw-bytes")
	b.ReportMetric(float64(p.helloBr), "hello-br-q11-bytes")
	b.ReportMetric(float64(p.appBr)/mainBudgetBr, "of-budget")
	for i := 0; i < b.N; i++ {
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLighthouse runs Lighthouse (tools/lighthouse, pinned; make deps
// installs it) with Debian's Chromium on / of Backpack and of hello:
// mobile Performance score and Total Blocking Time. Skipped when
// Lighthouse is not installed.
func BenchmarkLighthouse(b *testing.B) {
	cli := filepath.Join(repoDir, "tools", "lighthouse", "node_modules", "lighthouse", "cli", "index.js")
	if _, err := os.Stat(cli); err != nil {
		b.Skip("lighthouse not installed (make deps)")
	}
	p := phoneSetup(b)
	var perf, tbt, hperf, htbt float64
	for i := 0; i < b.N; i++ {
		s, t := lighthouse(b, cli, p.app.URL("/"))
		perf, tbt = perf+s, tbt+t
		s, t = lighthouse(b, cli, p.hello.URL("/"))
		hperf, htbt = hperf+s, htbt+t
	}
	n := float64(b.N)
	b.ReportMetric(perf/n, "performance")
	b.ReportMetric(tbt/n, "tbt-ms")
	b.ReportMetric(hperf/n, "hello-performance")
	b.ReportMetric(htbt/n, "hello-tbt-ms")
	b.ReportMetric(0, "ns/op")
}

// lighthouse runs one mobile performance audit of url: score 0–100 and TBT.
func lighthouse(b *testing.B, cli, url string) (score, tbt float64) {
	b.Helper()
	out := filepath.Join(b.TempDir(), "lh.json")
	profile := b.TempDir()
	flags := strings.Join([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
		"--disable-extensions", "--no-first-run", "--user-data-dir=" + profile}, " ")
	cmd := exec.Command("node", cli, url, "--only-categories=performance", "--output=json", "--output-path="+out,
		"--quiet", "--chrome-flags="+flags, "--max-wait-for-load=120000")
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromiumPath())
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("lighthouse: %v\n%s", err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	var r struct {
		LighthouseVersion string `json:"lighthouseVersion"`
		RuntimeError      *struct {
			Message string `json:"message"`
		} `json:"runtimeError"`
		Categories struct {
			Performance struct {
				Score *float64 `json:"score"`
			} `json:"performance"`
		} `json:"categories"`
		Audits map[string]struct {
			NumericValue float64 `json:"numericValue"`
		} `json:"audits"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		b.Fatal(err)
	}
	if r.RuntimeError != nil || r.Categories.Performance.Score == nil {
		b.Fatalf("lighthouse %s on %s: no score (%+v)", r.LighthouseVersion, url, r.RuntimeError)
	}
	if r.LighthouseVersion != lighthouseVer {
		b.Logf("lighthouse %s, not %s", r.LighthouseVersion, lighthouseVer)
	}
	return *r.Categories.Performance.Score * 100, r.Audits["total-blocking-time"].NumericValue
}
