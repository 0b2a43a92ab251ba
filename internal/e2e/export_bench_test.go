//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"backpack/internal/export"
	"backpack/internal/importer"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// BenchmarkExportRestoreLongHistory measures the restore and export pages
// in Chromium with the corpus's long record (large/long-history.json.gz,
// about 9,300 resources) plus 50 MB of files (ten 5 MB files of random
// bytes, which do not compress, like photos and PDFs).
//
// The vault is filled through the restore page itself: an export of that
// data is made in Go, then restored into a new vault (restore-ms: click →
// result shown; budget ≤ 5,000). Then the export page writes the whole
// vault with a passphrase (export-ms: click → file handed to the browser;
// budget ≤ 3,000). restore-cpu-ms and export-cpu-ms are the renderer's
// CPU time for the same spans: what the wall times would be on an idle
// machine, give or take the browser process's IndexedDB work. file-MB is the export's size; js-heap-MB the page's JS
// heap afterwards; restore- and export-longest-task-ms the longest
// main-thread task of each span (Long Tasks API; budget ≤ 200). Skipped when the corpus is absent.
func BenchmarkExportRestoreLongHistory(b *testing.B) {
	path := filepath.Join(xpCorpusDir(), "large", "long-history.json.gz")
	if _, err := os.Stat(path); err != nil {
		b.Skip("corpus absent: ", path)
	}
	fx, entries := xpBenchExport(b, path)
	file := filepath.Join(b.TempDir(), "long.pgp")
	if err := os.WriteFile(file, fx.file, 0o600); err != nil {
		b.Fatal(err)
	}
	s := startSite(b, "bench")
	name := strings.TrimSuffix(export.FileName(time.Now()), ".zip") + ".pgp"
	var restoreMS, exportMS, restoreCPU, exportCPU, heap, restoreLong, exportLong float64
	for i := 0; i < b.N; i++ {
		ctx, cancel := browser(b)
		xpSetup(b, ctx, s)
		xpNav(b, ctx, "/restore")
		xpRun(b, ctx, chromedp.SetUploadFiles("#rs-file", []string{file}, chromedp.ByID))
		xpRun(b, ctx, chromedp.WaitVisible("#rs-chosen", chromedp.ByID))
		xpSetInput(b, ctx, "#rs-pass", fx.pass, "input")
		cpu0 := xpCPU(b, ctx)
		stop := benchProfile(b, ctx, "restore")
		longTaskWatch(b, ctx)
		start := time.Now()
		xpClick(b, ctx, "#restore-start")
		xpWaitLong(b, ctx, "#restore-result")
		restoreLong = max(restoreLong, longestTask(b, ctx))
		stop()
		restoreMS += float64(time.Since(start).Milliseconds())
		restoreCPU += xpCPU(b, ctx) - cpu0
		if got := xpText(b, ctx, "#rs-n-entries"); i == 0 {
			var st map[string]float64
			chromedp.Run(ctx, chromedp.Evaluate(`window.backpackRestoreStats || {}`, &st))
			b.Logf("restored %s of %d entries, %s files; in the page: %v", got, entries, xpText(b, ctx, "#rs-n-files"), st)
			screenshot(b, ctx, "export-bench-restore-phone")
		}

		dl := xpDownloads(b, ctx)
		xpNav(b, ctx, "/export")
		xpRun(b, ctx, chromedp.WaitVisible("#xp-passphrase", chromedp.ByID))
		cpu0 = xpCPU(b, ctx)
		stop = benchProfile(b, ctx, "export")
		longTaskWatch(b, ctx)
		start = time.Now()
		xpClick(b, ctx, "#export-start")
		xpWaitLong(b, ctx, "#export-done")
		exportLong = max(exportLong, longestTask(b, ctx))
		stop()
		exportMS += float64(time.Since(start).Milliseconds())
		exportCPU += xpCPU(b, ctx) - cpu0
		out := xpDownloaded(b, dl, name)
		if i == 0 {
			var st map[string]float64
			chromedp.Run(ctx, chromedp.Evaluate(`window.backpackExportStats || {}`, &st))
			b.Logf("export: %.1f MB; in the page: %v", float64(len(out))/1e6, st)
			b.ReportMetric(float64(len(out))/1e6, "file-MB")
		}
		var h float64
		chromedp.Run(ctx, chromedp.Evaluate(`performance.memory ? performance.memory.usedJSHeapSize : 0`, &h))
		heap = max(heap, h/(1<<20))
		cancel()
	}
	n := float64(b.N)
	b.ReportMetric(restoreMS/n, "restore-ms")
	b.ReportMetric(exportMS/n, "export-ms")
	b.ReportMetric(restoreCPU/n, "restore-cpu-ms")
	b.ReportMetric(exportCPU/n, "export-cpu-ms")
	b.ReportMetric(heap, "js-heap-MB")
	b.ReportMetric(restoreLong, "restore-longest-task-ms")
	b.ReportMetric(exportLong, "export-longest-task-ms")
	b.ReportMetric(0, "ns/op")
}

// xpCorpusDir is the shared sample corpus (never copied into the
// repository): $BACKPACK_CORPUS, else ../shared/corpus next to the repository.
func xpCorpusDir() string {
	if d := os.Getenv("BACKPACK_CORPUS"); d != "" {
		return d
	}
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus")
}

// xpBenchExport imports the long record into a Go vault, adds 50 MB of files
// and exports everything.
func xpBenchExport(b *testing.B, path string) (xpFixtureData, int) {
	b.Helper()
	ctx := context.Background()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	res, err := importer.Import(filepath.Base(path), f, importer.Options{})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	s, _, err := session.Create(ctx, vault.NewMemStore(), "bench vault passphrase")
	if err != nil {
		b.Fatal(err)
	}
	p := record.Profile{Name: "Long History", Relationship: "self"}
	if res.Patient != nil {
		p.Name, p.BirthDate = importer.PatientName(*res.Patient)
		p.Patient = *res.Patient
	}
	p.ID = record.NewID()
	added, _, err := s.Import(ctx, &p, importer.ToEntries(res, p.ID, time.Now()))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{1})
	for i := 0; i < 10; i++ {
		buf := make([]byte, 5<<20)
		rng.Read(buf)
		if _, err := s.AddFile(ctx, record.FileInfo{Profile: p.ID, Name: "scan-" + string(rune('a'+i)) + ".jpg", Type: "image/jpeg"}, bytes.NewReader(buf)); err != nil {
			b.Fatal(err)
		}
	}
	d, err := s.Data(ctx)
	if err != nil {
		b.Fatal(err)
	}
	const pass = "bench-export-words"
	to, err := export.Passphrase(pass)
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	if err := export.Write(ctx, &out, d, export.Selection{IncludeSummary: true, IncludeIPS: true}, s, to, nil); err != nil {
		b.Fatal(err)
	}
	return xpFixtureData{data: d, file: out.Bytes(), pass: pass}, added
}

// xpCPU is the page's renderer process CPU time so far, in milliseconds:
// unlike wall time it does not grow when other programs share the machine.
func xpCPU(t testing.TB, ctx context.Context) float64 {
	t.Helper()
	var ms float64
	xpRun(t, ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		if err := performance.Enable().Do(ctx); err != nil {
			return err
		}
		metrics, err := performance.GetMetrics().Do(ctx)
		if err != nil {
			return err
		}
		for _, m := range metrics {
			if m.Name == "ProcessTime" {
				ms = m.Value * 1000
			}
		}
		return nil
	}))
	return ms
}

// xpWaitLong waits (up to 2 minutes) for an element to show.
func xpWaitLong(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Run(tctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
		var html string
		chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector("main")?.outerHTML.slice(0, 2000) || ""`, &html))
		t.Fatalf("waiting for %s: %v\npage: %s", sel, err, html)
	}
}
