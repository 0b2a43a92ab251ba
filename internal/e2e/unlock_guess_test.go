//go:build e2e

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUnlockSlowsGuesses: wrong passphrases one after another make the
// next try wait longer, and a reload does not reset the wait.
func TestUnlockSlowsGuesses(t *testing.T) {
	s := startSite(t, "guess")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	xpGo(t, ctx, s.URL("/unlock")) // a reload locks
	for i := 1; i <= 5; i++ {
		xpPoll(t, ctx, "unlock button enabled", `!document.querySelector("#unlock").disabled`)
		xpSetInput(t, ctx, "#unlock-pass", "not the passphrase", "input")
		xpClick(t, ctx, "#unlock")
		xpPoll(t, ctx, "wrong passphrase said", `!!document.querySelector("#unlock-status .error, #unlock-status [role=alert]")`)
		if i >= 3 {
			xpPoll(t, ctx, "wait shown", `!!document.querySelector("#unlock-wait") && document.querySelector("#unlock").disabled`)
		}
	}
	screenshot(t, ctx, "unlock-wait-phone")
	xpGo(t, ctx, s.URL("/unlock"))
	xpPoll(t, ctx, "wait kept after a reload", `!!document.querySelector("#unlock-wait") && document.querySelector("#unlock").disabled`)
	xpPoll(t, ctx, "wait over", `!document.querySelector("#unlock-wait") && !document.querySelector("#unlock").disabled`)
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "unlocked", `location.pathname !== "/unlock"`)
	var left string
	xpRun(t, ctx, chromedp.Evaluate(`localStorage.getItem("backpack.unlock.guesses") || ""`, &left))
	if left != "" {
		t.Errorf("a right passphrase left the count %q", left)
	}
}
