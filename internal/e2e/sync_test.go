//go:build e2e

package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"backpack/internal/server"
	"backpack/internal/syncserver"
	"backpack/internal/syncstore"
)

// startSyncSite is a Backpack server with the sync API over an SQLite
// store in a temporary folder; stop and restart take it down and bring it
// back on the same address (the same origin for the browsers).
func startSyncSite(t testing.TB) *site {
	t.Helper()
	st, err := syncstore.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	api, err := syncserver.New(syncserver.Config{Store: st, RequestsPerMinute: -1, CreatesPerHour: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return startSiteWith(t, webDir, "sync", func(c *server.Config) { c.Sync = api })
}

// startSyncVault starts a sync site (startSyncSite) and a first browser
// with a vault holding a profile; it also returns axe-core's script.
func startSyncVault(t *testing.T) (s *site, a context.Context, axe string) {
	t.Helper()
	script, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	s = startSyncSite(t)
	a, cancel := browser(t)
	t.Cleanup(cancel)
	importVaultWithProfile(t, a, s)
	return s, a, string(script)
}

// syncOn turns sync on in the Devices page and waits for the first sync.
func syncOn(t *testing.T, ctx context.Context) {
	t.Helper()
	xpNav(t, ctx, "/devices")
	xpClick(t, ctx, "#sync-on")
	xpWaitText(t, ctx, "#sync-synced", "Synced just now")
}

// syncNow presses "Sync now" on the Devices page and waits for it to end.
func syncNow(t *testing.T, ctx context.Context) {
	t.Helper()
	xpNav(t, ctx, "/devices")
	xpClick(t, ctx, "#sync-now")
	xpPoll(t, ctx, "sync finished", `!document.querySelector("#sync-now").disabled && !document.querySelector("#sync-problem")`)
}

// syncPairCode makes a pairing code on the Devices page.
func syncPairCode(t *testing.T, ctx context.Context) string {
	t.Helper()
	xpNav(t, ctx, "/devices")
	xpClick(t, ctx, "#sync-add-btn")
	xpRun(t, ctx, chromedp.WaitVisible("#pair-code", chromedp.ByID))
	xpPoll(t, ctx, "the pairing QR code drawn in the worker", `!!document.querySelector(".pair-qr svg[aria-label='QR code to add a device']")`)
	return xpText(t, ctx, "#pair-code")
}

// syncJoin adds a fresh browser as a device with the code.
func syncJoin(t *testing.T, ctx context.Context, s *site, code, pass string) {
	t.Helper()
	xpGo(t, ctx, s.URL("/setup"))
	xpClick(t, ctx, "#join-link")
	xpRun(t, ctx, chromedp.WaitVisible("#join-code", chromedp.ByID))
	xpSetInput(t, ctx, "#join-code", code, "input")
	xpClick(t, ctx, "#join-continue")
	xpRun(t, ctx, chromedp.WaitVisible("#join-pass", chromedp.ByID))
	xpSetInput(t, ctx, "#join-pass", pass, "input")
	xpClick(t, ctx, "#join-unlock")
	xpPoll(t, ctx, "the summary of the joined vault", `location.pathname === "/summary" && !!document.querySelector('main[data-mounted="true"]')`)
}

// syncEditAllergy changes an allergy's substance on its edit page.
func syncEditAllergy(t *testing.T, ctx context.Context, id, substance string) {
	t.Helper()
	xpNav(t, ctx, "/edit/"+id)
	xpSetInput(t, ctx, "#f-substance", substance, "input")
	xpClick(t, ctx, "#save")
	xpPoll(t, ctx, "the entry page", `location.pathname === "/entry/`+id+`" && !!document.querySelector("#facts")`)
}

// TestSyncTwoDevices: two browsers with their own profiles sync through the
// server. The first turns sync on and adds the second with the code; the
// second, after the passphrase, has the record. A note added on one shows
// on the other. With the server down both change the same entry (and the
// edits work as before, "changes waiting"); back online, both show "Edited
// on two devices", and keeping one settles both.
func TestSyncTwoDevices(t *testing.T) {
	s, a, axe := startSyncVault(t)
	xpNav(t, a, "/add/allergy")
	xpSetInput(t, a, "#f-substance", "Penicillin", "input")
	xpClick(t, a, "#save")
	id := recWaitEntry(t, a)

	xpNav(t, a, "/devices")
	axeCheck(t, a, axe, "devices (off)")
	syncOn(t, a)
	code := syncPairCode(t, a)
	if len(code) != 19 {
		t.Fatalf("pairing code %q", code)
	}
	xpShots(t, a, "sync-add-device")
	axeCheck(t, a, axe, "devices (add)")

	b, cancelB := browser(t)
	defer cancelB()
	xpGo(t, b, s.URL("/join"))
	xpShots(t, b, "sync-join")
	axeCheck(t, b, axe, "join")
	syncJoin(t, b, s, code, importTestPass)
	xpNav(t, b, "/entry/"+id)
	xpWaitText(t, b, "main", "Penicillin")

	// A note on b shows on a.
	xpSetInput(t, b, "#note-text", "Seen on the second device", "input")
	xpClick(t, b, "#note-add")
	xpWaitText(t, b, "#notes", "Seen on the second device")
	syncNow(t, b)
	syncNow(t, a)
	xpNav(t, a, "/entry/"+id)
	xpWaitText(t, a, "#notes", "Seen on the second device")
	xpNav(t, a, "/devices")
	xpRun(t, a, chromedp.WaitVisible("#sync-devices .device", chromedp.ByQuery))
	var devices int
	xpRun(t, a, chromedp.Evaluate(`document.querySelectorAll("#sync-devices .device").length`, &devices))
	if devices != 2 {
		t.Errorf("%d devices listed", devices)
	}
	xpShots(t, a, "sync-devices")
	axeCheck(t, a, axe, "devices (on)")

	// Offline, both change the entry: the edits work and wait.
	s.stop()
	syncEditAllergy(t, a, id, "Penicillin V")
	syncEditAllergy(t, b, id, "Amoxicillin")
	xpNav(t, b, "/devices")
	xpClick(t, b, "#sync-now")
	xpWaitText(t, b, "#sync-problem", "Cannot reach your Backpack server")
	xpWaitText(t, b, "#sync-waiting", "1 change waiting")
	xpShots(t, b, "sync-offline")
	s.restart("sync")
	syncNow(t, a)
	syncNow(t, b)
	syncNow(t, a)
	for _, tab := range []context.Context{a, b} {
		xpNav(t, tab, "/entry/"+id)
		xpRun(t, tab, chromedp.WaitVisible("#conflict", chromedp.ByID))
		xpWaitText(t, tab, "#conflict-this", "Amoxicillin")
		xpWaitText(t, tab, "#conflict-that", "Penicillin V")
		xpWaitText(t, tab, "#notes", "Seen on the second device")
	}
	xpShots(t, b, "sync-conflict")
	axeCheck(t, b, axe, "entry with a conflict")
	// The Devices page lists the entries with two versions.
	xpNav(t, b, "/devices")
	xpWaitText(t, b, "#sync-conflicts", "Amoxicillin")
	axeCheck(t, b, axe, "devices with a conflict")
	xpClick(t, b, "#sync-conflicts a")
	xpRun(t, b, chromedp.WaitVisible("#conflict", chromedp.ByID))
	xpClick(t, b, "#conflict-keep-that")
	xpPoll(t, b, "the conflict settled", `!document.querySelector("#conflict")`)
	xpWaitText(t, b, "main", "Penicillin V")
	syncNow(t, b)
	syncNow(t, a)
	xpNav(t, a, "/entry/"+id)
	xpWaitText(t, a, "main", "Penicillin V")
	if xpExists(t, a, "#conflict") {
		t.Error("the conflict is still shown on the first device")
	}
	if strings.Contains(xpText(t, a, "main"), "Amoxicillin") {
		t.Error("the version not kept still shows")
	}
}
