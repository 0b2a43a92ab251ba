//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// BenchmarkWasmSize reports app.wasm as served: raw, gzip and brotli bytes.
// Budget: ≤ 1.8 MB brotli. The worker module (worker.wasm, fetched when
// first needed, not on the first visit) is reported beside it.
func BenchmarkWasmSize(b *testing.B) {
	for _, f := range []struct{ name, unit string }{{"app.wasm", "raw-bytes"}, {"app.wasm.gz", "gzip-bytes"}, {"app.wasm.br", "brotli-bytes"},
		{"worker.wasm", "worker-raw-bytes"}, {"worker.wasm.br", "worker-brotli-bytes"}} {
		st, err := os.Stat(filepath.Join(webDir, f.name))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Size()), f.unit)
	}
	for i := 0; i < b.N; i++ {
	}
}

// BenchmarkColdMount: a fresh browser profile loads / over loopback; the
// metric is navigation start → first page mounted. Budget: ≤ 1.5 s.
func BenchmarkColdMount(b *testing.B) {
	s := startSite(b, "bench")
	var total float64
	for i := 0; i < b.N; i++ {
		ctx, cancel := browser(b)
		if err := chromedp.Run(ctx, chromedp.Navigate(s.URL("/"))); err != nil {
			b.Fatal(err)
		}
		ms, err := waitMounted(ctx)
		if err != nil {
			b.Fatal(err)
		}
		total += ms
		cancel()
	}
	b.ReportMetric(total/float64(b.N), "mount-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkOfflineMount: after one visit, with the server stopped, a reload
// mounts from the service worker cache. Budget: ≤ 0.7 s.
func BenchmarkOfflineMount(b *testing.B) {
	s := startSite(b, "bench")
	var total float64
	for i := 0; i < b.N; i++ {
		ctx, cancel := browser(b)
		visitInstalled(b, ctx, s.URL("/"))
		s.stop()
		if err := chromedp.Run(ctx, chromedp.Reload()); err != nil {
			b.Fatal(err)
		}
		ms, err := waitMounted(ctx)
		if err != nil {
			b.Fatal(err)
		}
		total += ms
		cancel()
		s.restart("bench")
	}
	b.ReportMetric(total/float64(b.N), "mount-ms")
	b.ReportMetric(0, "ns/op")
}
