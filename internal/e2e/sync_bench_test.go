//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkSyncLongHistory: the first browser imports the corpus's long
// record (9,290 resources) and 50 MB of files (five of 10 MB), turns sync
// on and pushes it all; a second browser (its own profile) joins with the
// pairing code. Metrics: first-sync-ms (the second browser, from "Bring my
// record here" to its summary, with every record and file pulled and
// stored; budget ≤ 15,000), push-ms (the first browser's first sync, for
// reference), incr-ms (a note added on the first browser and pushed, then
// "Sync now" on the second until the note shows: pull, store, rebuild,
// draw; budget ≤ 300). Skipped when the corpus is absent.
func BenchmarkSyncLongHistory(b *testing.B) {
	path := filepath.Join(corpusDir, "large", "long-history.json.gz")
	if _, err := os.Stat(path); err != nil {
		b.Skip("corpus absent: ", path)
	}
	dir := b.TempDir()
	var files []string
	for i := range 5 {
		blob := make([]byte, 10<<20)
		rand.Read(blob)
		files = append(files, writeTemp(b, dir, "scan-"+string(rune('a'+i))+".bin", blob))
	}
	var first, push, incr float64
	for i := 0; i < b.N; i++ {
		s := startSyncSite(b)
		a, cancelA := browser(b)
		importVaultWithProfile(b, a, s)
		openImportPage(b, a)
		importUpload(b, a, path)
		waitImportPhase(b, a, "preview", 2*time.Minute)
		fsClick(b, a, "#import-confirm")
		waitImportPhase(b, a, "done", 2*time.Minute)
		xpNav(b, a, "/files")
		fsRun(b, a, "pick", chromedp.SetUploadFiles(`#file-input`, files, chromedp.ByQuery))
		fsWait(b, a, "saved", `document.querySelectorAll('#uploads .upload-done').length === 5`, 3*time.Minute)

		xpNav(b, a, "/devices")
		start := time.Now()
		xpClick(b, a, "#sync-on")
		syncWait(b, a, "#sync-synced", "Synced just now", 5*time.Minute)
		push += float64(time.Since(start).Milliseconds())
		syncLogStats(b, a, "push")
		xpClick(b, a, "#sync-add-btn")
		xpRun(b, a, chromedp.WaitVisible("#pair-code", chromedp.ByID))
		code := xpText(b, a, "#pair-code")

		bb, cancelB := browser(b)
		xpGo(b, bb, s.URL("/join"))
		xpSetInput(b, bb, "#join-code", code, "input")
		xpClick(b, bb, "#join-continue")
		xpRun(b, bb, chromedp.WaitVisible("#join-pass", chromedp.ByID))
		xpSetInput(b, bb, "#join-pass", importTestPass, "input")
		start = time.Now()
		xpClick(b, bb, "#join-unlock")
		syncWaitJS(b, bb, "the summary", `location.pathname === "/summary" && !!document.querySelector('main[data-mounted="true"]')`, 5*time.Minute)
		first += float64(time.Since(start).Milliseconds())
		syncLogStats(b, bb, "first sync")
		var n int
		xpNav(b, bb, "/files")
		xpRun(b, bb, chromedp.Evaluate(`document.querySelectorAll('.file-item').length`, &n))
		if n != 5 {
			b.Errorf("%d files on the second browser", n)
		}

		// One edited entry: a note on the first, then Sync now on the second.
		xpNav(b, a, "/timeline")
		xpPoll(b, a, "entries", `document.querySelectorAll("#timeline .entry-item").length > 0`)
		var id string
		xpRun(b, a, chromedp.Evaluate(`document.querySelector("#timeline .entry-item").dataset.id`, &id))
		xpNav(b, a, "/entry/"+id)
		xpSetInput(b, a, "#note-text", "incremental sync note", "input")
		xpClick(b, a, "#note-add")
		xpWaitText(b, a, "#notes", "incremental sync note")
		xpNav(b, a, "/devices")
		xpClick(b, a, "#sync-now")
		syncWaitJS(b, a, "pushed", `!document.querySelector("#sync-waiting") && !document.querySelector("#sync-now").disabled`, time.Minute)
		xpNav(b, bb, "/devices")
		xpRun(b, bb, chromedp.WaitVisible("#sync-now", chromedp.ByID))
		syncWaitJS(b, bb, "idle", `!document.querySelector("#sync-now").disabled`, time.Minute)
		start = time.Now()
		xpClick(b, bb, "#sync-now")
		syncWaitJS(b, bb, "pulled", `!document.querySelector("#sync-now").disabled && !document.querySelector("#sync-problem")`, time.Minute)
		incr += float64(time.Since(start).Milliseconds())
		syncLogStats(b, bb, "incremental")
		xpNav(b, bb, "/entry/"+id)
		syncWait(b, bb, "#notes", "incremental sync note", 10*time.Second)
		if i == 0 {
			screenshot(b, bb, "sync-long-history-phone")
		}
		cancelB()
		cancelA()
		s.stop()
	}
	n := float64(b.N)
	b.ReportMetric(first/n, "first-sync-ms")
	b.ReportMetric(push/n, "push-ms")
	b.ReportMetric(incr/n, "incr-ms")
}

func syncWait(t testing.TB, ctx context.Context, sel, text string, timeout time.Duration) {
	t.Helper()
	syncWaitJS(t, ctx, sel+" showing "+text, `!!document.querySelector(`+xpQuote(sel)+`) && document.querySelector(`+xpQuote(sel)+`).textContent.includes(`+xpQuote(text)+`)`, timeout)
}

// syncWaitJS polls expr until it is true, for up to timeout.
func syncWaitJS(t testing.TB, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, "sync-timeout")
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncLogStats logs where the last sync's time went (window.backpackSyncStats).
func syncLogStats(t testing.TB, ctx context.Context, what string) {
	var st map[string]any
	chromedp.Run(ctx, chromedp.Evaluate(`window.backpackSyncStats || {}`, &st))
	t.Logf("%s: %v", what, st)
}
