//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// zxcvbn's word lists are not in app.wasm: the set-up page fetches them
// from this origin (/VERSION/web/zxcvbn.dat), and the service worker
// precaches them with the app. After one visit that never showed a
// passphrase field, with the server stopped and the HTTP cache cleared, the set-up page
// rates passphrases exactly as before: "password1" very weak and common,
// a suggested passphrase strong. No request leaves the origin.
func TestPassphraseMeterOffline(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	vRun(t, ctx, phone())
	visitInstalled(t, ctx, s.URL("/about")) // no passphrase field: the page does not fetch the lists
	var cached bool
	vRun(t, ctx, chromedp.Evaluate(`(async () => { for (const k of await caches.keys()) { const c = await caches.open(k);
			for (const r of await c.keys()) if (new URL(r.url).pathname.endsWith("/web/zxcvbn.dat")) return true } return false })()`, &cached, awaitPromise))
	if !cached {
		t.Fatal("the service worker's cache lacks the word lists")
	}
	zxSameOrigin(t, ctx, s.URL(""))
	s.stop()
	// Offline, and nothing in the browser's HTTP cache: the lists can only
	// come from the service worker's cache.
	vRun(t, ctx, network.Enable(), network.ClearBrowserCache())

	tab := ctx
	vRun(t, tab, chromedp.Navigate(s.URL("/setup")))
	vWaitPath(t, tab, "/setup")
	vRun(t, tab, chromedp.WaitVisible("#pass", chromedp.ByID))
	vType(t, tab, "#pass", "password1")
	vPoll(t, tab, "meter at 0, common, for password1", `document.querySelector(".meter").classList.contains("s0") &&
		document.querySelector("#strength-text").textContent.includes("most common passwords")`)
	vShots(t, tab, "zxcvbn-offline-weak")
	vRun(t, tab, vClickAt("#suggest"), chromedp.WaitVisible("#suggested", chromedp.ByID))
	vPoll(t, tab, "meter at 4 for a suggested passphrase", `document.querySelector(".meter").classList.contains("s4")`)
	vShots(t, tab, "zxcvbn-offline-strong")
	var entries []string
	vRun(t, tab, chromedp.Evaluate(`performance.getEntriesByType("resource").map(e => e.name)`, &entries))
	found := false
	for _, u := range entries {
		found = found || strings.HasSuffix(u, "/web/zxcvbn.dat")
	}
	if !found {
		t.Errorf("the set-up page did not load the word lists: %v", entries)
	}
	zxSameOrigin(t, tab, s.URL(""))
}

// When the word lists cannot be fetched, nothing is rated and nothing is
// accepted: the meter says so, Create vault refuses, and Try again
// loads them once they can be reached.
func TestPassphraseMeterListsUnavailable(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	vRun(t, ctx, phone(), network.Enable(), network.SetBlockedURLs([]string{"*zxcvbn.dat*"}))
	vRun(t, ctx, chromedp.Navigate(s.URL("/setup")))
	vWaitPath(t, ctx, "/setup")
	vRun(t, ctx, chromedp.WaitVisible("#strength-retry", chromedp.ByID))
	vSetInput(t, ctx, "#pass", vPass)
	vSetInput(t, ctx, "#confirm", vPass)
	vContains(t, ctx, "#strength-text", "could not load the word list")
	vShots(t, ctx, "zxcvbn-unavailable")
	vRun(t, ctx, vClickAt("#create"), chromedp.WaitVisible("#pass-err", chromedp.ByID))
	vContains(t, ctx, "#pass-err", "could not load the word list")
	if vExists(t, ctx, "#recovery-key") {
		t.Fatal("a vault was made without checking its passphrase")
	}
	vRun(t, ctx, network.SetBlockedURLs(nil))
	vClick(t, ctx, "#strength-retry")
	vPoll(t, ctx, "the meter rates the passphrase", `!document.querySelector("#strength-retry") &&
		document.querySelector(".meter").getAttribute("aria-valuetext") !== "Checking"`)
	vRun(t, ctx, vClickAt("#create"), chromedp.WaitVisible("#recovery-key", chromedp.ByID))
}

// zxSameOrigin: every resource the page loaded is of origin.
func zxSameOrigin(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	var entries []string
	vRun(t, ctx, chromedp.Evaluate(`performance.getEntriesByType("resource").map(e => e.name)`, &entries))
	for _, u := range entries {
		if !strings.HasPrefix(u, origin) && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			t.Errorf("request to another origin: %s", u)
		}
	}
}
