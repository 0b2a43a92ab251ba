//go:build e2e

package e2e

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSpaceLook saves screenshots of the shared-profile pages over the
// stand-in engine of one browser: build the web dir with -tags spacefake
// and set BACKPACK_SPACEFAKE=1 (the owner's and the member's pages are
// looked at in two browsers that do not talk to each other).
func TestSpaceLook(t *testing.T) {
	if os.Getenv("BACKPACK_SPACEFAKE") == "" {
		t.Skip("needs a web dir built with -tags spacefake and BACKPACK_SPACEFAKE=1")
	}
	s, a, axe := startSyncVault(t)
	child, _ := spaceAddChild(t, a, "Robin Example", "Peanuts")
	xpNav(t, a, "/people/share/"+child)
	xpShots(t, a, "look-share-nosync")
	axeCheck(t, a, axe, "share nosync")
	syncOn(t, a)
	xpNav(t, a, "/people/share/"+child)
	xpShots(t, a, "look-share-form")
	axeCheck(t, a, axe, "share form")
	spaceLink(t, a, child, "view")
	xpShots(t, a, "look-share-link")
	axeCheck(t, a, axe, "share link")
	xpClick(t, a, "#share-done")
	xpPoll(t, a, "member", `!!document.querySelector("#share-members .member")`)
	xpShots(t, a, "look-share-members")
	xpClick(t, a, ".member-stop")
	xpShots(t, a, "look-share-confirm")
	axeCheck(t, a, axe, "confirm")
	xpNav(t, a, "/profiles")
	xpShots(t, a, "look-owner-profiles")

	b, cancelB := browser(t)
	defer cancelB()
	xpGo(t, b, s.URL("/shared#RVIEW-CODE"))
	xpRun(t, b, chromedp.WaitVisible("#join-first", chromedp.ByID))
	xpShots(t, b, "look-join-first")
	xpClick(t, b, "#join-setup")
	spaceSetupHere(t, b, "Bea Example")
	xpRun(t, b, chromedp.WaitVisible("#join-name", chromedp.ByID))
	xpShots(t, b, "look-join")
	axeCheck(t, b, axe, "join")
	spaceJoinAs(t, b, "Bea Example")
	xpShots(t, b, "look-member-profiles")
	axeCheck(t, b, axe, "member profiles")
	xpNav(t, b, "/summary")
	xpShots(t, b, "look-member-summary")
	xpNav(t, b, "/add/")
	xpShots(t, b, "look-member-add")
	spaceSync(t, b)
	xpShots(t, b, "look-member-devices")
	axeCheck(t, b, axe, "devices")
	xpNav(t, b, "/profiles")
	xpShots(t, b, "look-member-removed")
	axeCheck(t, b, axe, "removed")
}
