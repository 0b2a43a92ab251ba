//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"backpack/internal/share"
)

// shlSetup makes a vault on a site with the share API and restores the
// export fixture (Ana Fixture: asthma, penicillin allergy, salbutamol…).
func shlSetup(t *testing.T) (*site, context.Context, context.CancelFunc) {
	t.Helper()
	s := xpStartShareSite(t, 0)
	fx := xpFixture(t)
	fixture := filepath.Join(t.TempDir(), "fixture.pgp")
	os.WriteFile(fixture, fx.file, 0o600)
	ctx, cancel := browser(t)
	xpSetup(t, ctx, s)
	xpRestore(t, ctx, fixture, fx.pass)
	return s, ctx, cancel
}

// shlAxe runs axe-core on the page (no violation allowed).
func shlAxe(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	src, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is missing (run `make deps`): %v", err)
	}
	axeCheck(t, ctx, string(src), name)
}

// A SMART Health Link with a passcode, kept up to date: made on the share
// page, opened in a second browser (no vault) with the passcode after a
// wrong one, and followed when the record changes.
func TestSHLPasscodeLink(t *testing.T) {
	s, ctx, cancel := shlSetup(t)
	defer cancel()
	xpNav(t, ctx, "/share")
	xpRun(t, ctx, chromedp.WaitVisible("#share-form", chromedp.ByID))
	xpPoll(t, ctx, "share API checked", `!document.querySelector("#share-create").disabled`)
	xpSetInput(t, ctx, "#sh-label", "For the ER", "input")
	xpClick(t, ctx, "#sh-protect")
	xpSetInput(t, ctx, "#sh-passcode", "tulip-42", "input")
	xpClick(t, ctx, "#sh-living")
	xpWaitText(t, ctx, "#share-form", "any SMART Health Links viewer")
	xpShots(t, ctx, "shl-form")
	xpClick(t, ctx, "#share-create")
	xpRun(t, ctx, chromedp.WaitVisible(".share-link", chromedp.ByQuery))
	var link string
	xpRun(t, ctx, chromedp.Value(".share-link", &link, chromedp.ByQuery))
	if !strings.HasPrefix(link, s.URL("/view#shlink:/")) {
		t.Fatalf("link %q", link)
	}
	xpWaitText(t, ctx, ".shl-tags", "Needs the passcode")
	xpWaitText(t, ctx, ".shl-tags", "Kept up to date")
	xpWaitText(t, ctx, ".xp-shared", "write it down")
	xpPoll(t, ctx, "the QR code drawn in the worker", `!!document.querySelector(".xp-shared-qr svg[role=img]")`)
	xpShots(t, ctx, "shl-share")
	shlAxe(t, ctx, "/share (passcode link)")

	// Another browser opens it: the passcode is asked for, a wrong one says
	// how many tries are left, the right one opens the record.
	ctx2, cancel2 := browser(t)
	defer cancel2()
	xpGo(t, ctx2, link)
	xpRun(t, ctx2, chromedp.WaitVisible("#shl-pass-form", chromedp.ByID))
	xpWaitText(t, ctx2, "main", "For the ER")
	xpShots(t, ctx2, "shl-passcode")
	shlAxe(t, ctx2, "/view (passcode)")
	xpSetInput(t, ctx2, "#shl-pass", "wrong-guess", "input")
	xpClick(t, ctx2, "#shl-pass-open")
	xpWaitText(t, ctx2, "#shl-pass-form .banner.error", "9 tries left")
	xpShots(t, ctx2, "shl-passcode-wrong")
	xpSetInput(t, ctx2, "#shl-pass", "tulip-42", "input")
	xpClick(t, ctx2, "#shl-pass-open")
	xpRun(t, ctx2, chromedp.WaitVisible("#view-data", chromedp.ByID))
	// scan.pdf, attached to the asthma, travels inside the link.
	for _, want := range []string{"Ana Fixture", "Penicillin", "Asthma", "Salbutamol", "scan.pdf"} {
		xpWaitText(t, ctx2, "#view-data", want)
	}
	if !xpExists(t, ctx2, "#view-data .view-file") {
		t.Error("the viewer offers no download of the link's file")
	}
	xpWaitText(t, ctx2, "#shl-living", "keeps it up to date")
	var href string
	xpRun(t, ctx2, chromedp.Evaluate(`location.href`, &href))
	if strings.Contains(href, "shlink") {
		t.Errorf("the key stayed in the address bar: %q", href)
	}
	xpShots(t, ctx2, "shl-view")
	shlAxe(t, ctx2, "/view (health link)")

	// The record changes: the same link shows the new allergy.
	xpNav(t, ctx, "/add/allergy")
	xpSetInput(t, ctx, "#f-substance", "Latex", "input")
	xpClick(t, ctx, "#save")
	xpPoll(t, ctx, "entry saved", `location.pathname.startsWith("/entry/")`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		xpClick(t, ctx2, "#shl-refresh")
		xpPoll(t, ctx2, "refreshed", `!document.querySelector("#shl-refresh")?.disabled`)
		var ok bool
		xpRun(t, ctx2, chromedp.Evaluate(`(document.querySelector("#view-data")?.textContent || "").includes("Latex")`, &ok))
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the link never showed the new allergy")
		}
		time.Sleep(500 * time.Millisecond)
	}
	xpNav(t, ctx, "/share")
	xpWaitText(t, ctx, ".shl-updated", "Last updated")

	// Someone guesses: after the budget of wrong passcodes (10 in all) the
	// link is locked, even for the right passcode, and the share page says so.
	l, err := share.ParseLink(link)
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	xpRun(t, ctx2, chromedp.Evaluate(`(async () => { const out = [];
		for (let i = 0; i < 9; i++) {
			const r = await fetch(`+xpQuote(l.URL)+`, {method: "POST", headers: {"Content-Type": "application/json"},
				body: JSON.stringify({recipient: "guesser", passcode: "guess-" + i})});
			out.push(r.status);
		}
		return out; })()`, &codes, awaitPromise))
	if len(codes) != 9 || codes[8] != 401 {
		t.Fatalf("guesses answered %v", codes)
	}
	xpClick(t, ctx2, "#view-close")
	xpGo(t, ctx2, link)
	xpSetInput(t, ctx2, "#shl-pass", "tulip-42", "input")
	xpClick(t, ctx2, "#shl-pass-open")
	xpWaitText(t, ctx2, ".banner.error", "no longer available")
	xpNav(t, ctx, "/more")
	xpNav(t, ctx, "/share")
	xpWaitText(t, ctx, ".xp-shared .banner.error", "Locked")
	xpShots(t, ctx, "shl-locked")
}

// The viewer asks before it fetches a health link kept by another server.
func TestSHLOtherServerAsks(t *testing.T) {
	s, ctx, cancel := shlSetup(t)
	defer cancel()
	xpNav(t, ctx, "/share")
	xpPoll(t, ctx, "share API checked", `!document.querySelector("#share-create").disabled`)
	xpClick(t, ctx, "#sh-living")
	xpClick(t, ctx, "#share-create")
	xpRun(t, ctx, chromedp.WaitVisible(".share-link", chromedp.ByQuery))
	var link string
	xpRun(t, ctx, chromedp.Value(".share-link", &link, chromedp.ByQuery))

	// Opened from another origin (localhost instead of 127.0.0.1): the
	// link's server is named and nothing is fetched until the person agrees.
	ctx2, cancel2 := browser(t)
	defer cancel2()
	xpGo(t, ctx2, strings.Replace(link, "127.0.0.1", "localhost", 1))
	xpRun(t, ctx2, chromedp.WaitVisible("#shl-elsewhere", chromedp.ByID))
	xpWaitText(t, ctx2, "#shl-elsewhere", strings.TrimPrefix(s.URL(""), "http://"))
	xpShots(t, ctx2, "shl-elsewhere")
	shlAxe(t, ctx2, "/view (other server)")
	xpClick(t, ctx2, "#shl-elsewhere-ok")
	xpRun(t, ctx2, chromedp.WaitVisible("#view-data", chromedp.ByID))
	xpWaitText(t, ctx2, "#view-data", "Ana Fixture")

	// The same in Spanish.
	xpRun(t, ctx2, chromedp.Evaluate(`localStorage.setItem("backpack.lang", "es")`, nil))
	xpRun(t, ctx2, chromedp.Navigate("about:blank"))
	xpGo(t, ctx2, strings.Replace(link, "127.0.0.1", "localhost", 1))
	xpWaitText(t, ctx2, "#shl-elsewhere", "Abrirlo desde")
	xpShots(t, ctx2, "shl-elsewhere-es")
}

// The wallet card: made from the emergency card, printed (a print-media
// screenshot and a PDF), its code opens the current emergency information
// in a browser with no vault, and it is revoked from the share page.
func TestWalletCard(t *testing.T) {
	s, ctx, cancel := shlSetup(t)
	defer cancel()
	_ = s
	xpNav(t, ctx, "/emergency")
	xpClick(t, ctx, "#wallet-link")
	xpPoll(t, ctx, "wallet page", `location.pathname === "/wallet"`)
	xpPoll(t, ctx, "share API checked", `!!document.querySelector("#wallet-make") && !document.querySelector("#wallet-make").disabled`)
	xpShots(t, ctx, "wallet-make")
	shlAxe(t, ctx, "/wallet (make)")
	xpClick(t, ctx, "#wallet-make")
	xpRun(t, ctx, chromedp.WaitVisible("#wallet-card .wallet-qr svg", chromedp.ByQuery))
	for _, want := range []string{"Ana Fixture", "Penicillin", "Asthma", "Salbutamol", "Scan for current emergency information"} {
		xpWaitText(t, ctx, "#wallet-card", want)
	}
	xpShots(t, ctx, "wallet-card")
	shlAxe(t, ctx, "/wallet (card)")

	// On paper: only the card, two faces of 85.6 × 54 mm side by side.
	xpRun(t, ctx, emulation.SetEmulatedMedia().WithMedia("print"), desktop())
	var w, h float64
	var hidden bool
	xpRun(t, ctx, chromedp.Evaluate(`document.querySelector(".wallet-front").getBoundingClientRect().width`, &w),
		chromedp.Evaluate(`document.querySelector(".wallet-front").getBoundingClientRect().height`, &h),
		chromedp.Evaluate(`["header", ".nav", "#wallet-print", "main > h1", ".wallet-cut"].every(q => !document.querySelector(q) || document.querySelector(q).getClientRects().length === 0)`, &hidden))
	const mm = 96 / 25.4
	if w < 85*mm || w > 86.5*mm || h < 53.5*mm || h > 54.5*mm || !hidden {
		t.Errorf("printed face %.1f × %.1f mm (want 85.6 × 54), chrome hidden %v", w/mm, h/mm, hidden)
	}
	time.Sleep(150 * time.Millisecond)
	screenshot(t, ctx, "wallet-print")
	var pdf []byte
	xpRun(t, ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		pdf, _, err = page.PrintToPDF().WithPrintBackground(true).WithPaperWidth(8.27).WithPaperHeight(11.69).Do(ctx)
		return err
	}))
	dir := filepath.Join(webDir, "..", ".e2e")
	os.MkdirAll(dir, 0o755)
	pdfPath := filepath.Join(dir, "wallet-card.pdf")
	os.WriteFile(pdfPath, pdf, 0o644)
	if _, err := exec.LookPath("pdftoppm"); err == nil {
		exec.Command("pdftoppm", "-png", "-r", "110", "-singlefile", pdfPath, filepath.Join(dir, "wallet-card-pdf")).Run()
	}
	xpRun(t, ctx, emulation.SetEmulatedMedia().WithMedia(""), phone())

	// The code's link is on the share page, as a wallet card.
	xpNav(t, ctx, "/share")
	xpWaitText(t, ctx, ".shl-tags", "Wallet card")
	var link string
	xpRun(t, ctx, chromedp.Value(".share-link", &link, chromedp.ByQuery))
	ctx2, cancel2 := browser(t)
	defer cancel2()
	xpGo(t, ctx2, link)
	xpRun(t, ctx2, chromedp.WaitVisible("#view-data", chromedp.ByID))
	for _, want := range []string{"Ana Fixture", "Penicillin", "Asthma", "Salbutamol"} {
		xpWaitText(t, ctx2, "#view-data", want)
	}
	var labs bool
	xpRun(t, ctx2, chromedp.Evaluate(`document.querySelector("#view-data").textContent.includes("Hemoglobin A1c")`, &labs))
	if labs {
		t.Error("the wallet card's code shares lab results")
	}
	xpShots(t, ctx2, "wallet-view")

	// Revoked from the share page: the code stops working, the wallet page
	// offers a new card.
	xpClick(t, ctx, ".share-revoke")
	xpClick(t, ctx, ".share-revoke-yes")
	xpWaitText(t, ctx, ".xp-shared", "Link revoked")
	ctx3, cancel3 := browser(t)
	defer cancel3()
	xpGo(t, ctx3, link)
	xpWaitText(t, ctx3, ".banner.error", "no longer available")
	xpNav(t, ctx, "/wallet")
	xpWaitText(t, ctx, "#wallet-form", "revoked")
}
