//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"backpack/internal/export"
)

// TestOpenFileWorker: "Open a shared file" reads the export in Backpack's
// worker module. When the worker dies while reading (as a crash or running
// out of memory ends it) or the reader panics, the page says so in plain
// words and lives on: the same file then opens, read by a new worker.
func TestOpenFileWorker(t *testing.T) {
	s := startSite(t, "openworker")
	fx, file := xpFixtureFile(t)
	ctx, cancel := browser(t)
	defer cancel()
	xpGo(t, ctx, s.URL("/view"))
	xpRun(t, ctx, chromedp.WaitVisible("#vw-file", chromedp.ByID))
	xpRun(t, ctx, chromedp.SetUploadFiles("#vw-file", []string{file}, chromedp.ByID))
	xpSetInput(t, ctx, "#vw-pass", fx.pass, "input")

	xpWorkerFaults(t, ctx, "open-worker", func(fault string) {
		xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerFault = '`+fault+`'`, nil))
		xpClick(t, ctx, "#view-open")
	})
	xpClick(t, ctx, "#view-open")
	xpRun(t, ctx, chromedp.WaitVisible("#view-data", chromedp.ByID))
	for _, want := range []string{"Ana Fixture", "Leo Fixture", "Asthma", "Worse in winter", "scan.pdf"} {
		xpWaitText(t, ctx, "#view-data", want)
	}
	var stats struct{ Started, Ended int }
	xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerStats`, &stats))
	if stats.Started < 2 || stats.Ended < 1 { // the first died; the panic left the second alive
		t.Errorf("the file was not read in the worker: %+v", stats)
	}
	// Its summary.html is written in the worker too.
	dl := xpDownloads(t, ctx)
	xpClick(t, ctx, "#view-summary")
	if sum := xpDownloaded(t, dl, "summary.html"); !strings.Contains(string(sum), "Ana Fixture") || !strings.Contains(string(sum), "Asthma") {
		t.Errorf("summary.html lacks the patient or a condition: %.300s", sum)
	}
}

// TestRestoreWorker: Restore reads the export in the worker module too
// (the files' bytes stream from there into the vault). A worker that dies
// or a reader that panics is a clear error, stores nothing, and the same
// file then restores whole.
func TestRestoreWorker(t *testing.T) {
	s := startSite(t, "restoreworker")
	fx, file := xpFixtureFile(t)
	ctx, cancel := browser(t)
	defer cancel()
	xpSetup(t, ctx, s)
	xpNav(t, ctx, "/restore")
	xpRun(t, ctx, chromedp.WaitVisible("#rs-file", chromedp.ByID))
	xpRun(t, ctx, chromedp.SetUploadFiles("#rs-file", []string{file}, chromedp.ByID))
	xpRun(t, ctx, chromedp.WaitVisible("#rs-chosen", chromedp.ByID))
	xpSetInput(t, ctx, "#rs-pass", fx.pass, "input")
	xpWorkerFaults(t, ctx, "restore-worker", func(fault string) {
		xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerFault = '`+fault+`'`, nil))
		xpClick(t, ctx, "#restore-start")
	})
	xpClick(t, ctx, "#restore-start")
	xpRun(t, ctx, chromedp.WaitVisible("#restore-result", chromedp.ByID))
	xpWant(t, ctx, "#rs-n-profiles", "2")
	xpWant(t, ctx, "#rs-n-entries", fmt.Sprint(len(fx.data.Entries)))
	xpWant(t, ctx, "#rs-n-files", fmt.Sprint(len(fx.data.Files)))
	xpWant(t, ctx, "#rs-n-skipped", "0")
}

// TestShareLinkWorker: a share link's export is read in the worker module:
// when the worker dies or the reader panics as the link opens, the viewer
// says so in plain words, and the same link then opens.
func TestShareLinkWorker(t *testing.T) {
	s := xpStartShareSite(t, 0)
	fx, fixture := xpFixtureFile(t)
	ctx, cancel := browser(t)
	defer cancel()
	xpSetup(t, ctx, s)
	xpRestore(t, ctx, fixture, fx.pass)
	xpNav(t, ctx, "/share")
	xpRun(t, ctx, chromedp.WaitVisible("#share-form", chromedp.ByID))
	xpPoll(t, ctx, "share API checked", `!document.querySelector("#share-create").disabled`)
	xpClick(t, ctx, "#sh-scope-all")
	xpClick(t, ctx, "#share-create")
	xpRun(t, ctx, chromedp.WaitVisible(".share-link", chromedp.ByQuery))
	var link string
	xpRun(t, ctx, chromedp.Value(".share-link", &link, chromedp.ByQuery))
	if !strings.HasPrefix(link, s.URL("/view#shlink:/")) {
		t.Fatalf("link %q", link)
	}

	ctx2, cancel2 := browser(t)
	defer cancel2()
	var id page.ScriptIdentifier
	xpWorkerFaults(t, ctx2, "share-worker", func(fault string) {
		if id != "" {
			xpRun(t, ctx2, page.RemoveScriptToEvaluateOnNewDocument(id))
		}
		xpRun(t, ctx2, chromedp.ActionFunc(func(ctx context.Context) (err error) {
			id, err = page.AddScriptToEvaluateOnNewDocument(`window.backpackWorkerFault = '` + fault + `'`).Do(ctx)
			return err
		}))
		xpRun(t, ctx2, chromedp.Navigate("about:blank"))
		xpGo(t, ctx2, link)
	})
	xpRun(t, ctx2, page.RemoveScriptToEvaluateOnNewDocument(id))
	xpRun(t, ctx2, chromedp.Navigate("about:blank"))
	xpGo(t, ctx2, link)
	xpRun(t, ctx2, chromedp.WaitVisible("#view-data", chromedp.ByID))
	for _, want := range []string{"Ana Fixture", "Asthma", "scan.pdf"} {
		xpWaitText(t, ctx2, "#view-data", want)
	}
}

// TestExportWorker: the export page writes the file in the worker module.
// When the worker dies while writing or the writer panics, the page says
// so in plain words and saves nothing; the same export then works, written
// by a new worker, and holds what the vault holds.
func TestExportWorker(t *testing.T) {
	s := startSite(t, "exportworker")
	fx, fixture := xpFixtureFile(t)
	ctx, cancel := browser(t)
	defer cancel()
	xpSetup(t, ctx, s)
	xpRestore(t, ctx, fixture, fx.pass)
	dl := xpDownloads(t, ctx)
	xpNav(t, ctx, "/export")
	xpRun(t, ctx, chromedp.WaitVisible("#xp-passphrase", chromedp.ByID))
	pass := xpText(t, ctx, "#xp-passphrase")
	xpWorkerFaultsSay(t, ctx, "export-worker", "stopped while writing this file", "made the writer fail", func(fault string) {
		xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerFault = '`+fault+`'`, nil))
		xpClick(t, ctx, "#export-start")
	})
	if xpExists(t, ctx, "#export-done") {
		t.Error("a failed export was offered as done")
	}
	xpClick(t, ctx, "#export-start")
	xpRun(t, ctx, chromedp.WaitVisible("#export-done", chromedp.ByID))
	name := strings.TrimSuffix(export.FileName(time.Now()), ".zip") + ".pgp"
	xpSame(t, "export written in the worker", xpOpen(t, xpDownloaded(t, dl, name), pass), fx)
	var stats struct{ Started, Ended int }
	xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerStats`, &stats))
	if stats.Started < 2 || stats.Ended < 1 { // the first died
		t.Errorf("the file was not written in the worker: %+v", stats)
	}

	// Offline after one visit: with the server gone, a new worker (the
	// last one dies first) starts from the service worker's cache and
	// writes the file.
	xpPoll(t, ctx, "worker precached", `window.backpackWorkerPrecached === true`)
	s.stop()
	xpRun(t, ctx, chromedp.Evaluate(`window.backpackWorkerFault = 'exit'`, nil))
	xpClick(t, ctx, "#export-start")
	xpWaitText(t, ctx, ".banner.error", "stopped while writing this file")
	xpRun(t, ctx, chromedp.Evaluate(`delete window.backpackWorkerFault`, nil))
	dl2 := xpDownloads(t, ctx)
	xpClick(t, ctx, "#export-start")
	xpRun(t, ctx, chromedp.WaitVisible("#export-done", chromedp.ByID))
	xpSame(t, "export written offline", xpOpen(t, xpDownloaded(t, dl2, name), pass), fx)
}

// xpWorkerFaults has the worker die, then a reader panic (start sets
// window.backpackWorkerFault to the fault and starts reading the file):
// each time the page says so in plain words (screenshots shot-exit,
// shot-panic). The fault is then taken away.
func xpWorkerFaults(t *testing.T, ctx context.Context, shot string, start func(fault string)) {
	t.Helper()
	xpWorkerFaultsSay(t, ctx, shot, "stopped while reading this file", "something in it made the reader fail", start)
}

// xpWorkerFaultsSay is xpWorkerFaults with the words wanted when the
// worker dies (exit) and when the job panics.
func xpWorkerFaultsSay(t *testing.T, ctx context.Context, shot, exit, panic string, start func(fault string)) {
	t.Helper()
	for _, tt := range []struct{ fault, want string }{
		{"exit", exit},
		{"panic", panic},
	} {
		start(tt.fault)
		xpWaitText(t, ctx, ".banner.error", tt.want)
		xpShots(t, ctx, shot+"-"+tt.fault)
	}
	xpRun(t, ctx, chromedp.Evaluate(`delete window.backpackWorkerFault`, nil))
}

// xpFixtureFile is xpFixture's export, written to a file.
func xpFixtureFile(t *testing.T) (xpFixtureData, string) {
	t.Helper()
	fx := xpFixture(t)
	file := filepath.Join(t.TempDir(), "fixture.pgp")
	if err := os.WriteFile(file, fx.file, 0o600); err != nil {
		t.Fatal(err)
	}
	return fx, file
}
