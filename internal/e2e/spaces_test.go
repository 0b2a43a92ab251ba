//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// spaceAddChild adds a child to the open vault, makes them the person
// shown, gives them an allergy, and returns the child's profile id and the
// allergy's entry id.
func spaceAddChild(t *testing.T, ctx context.Context, name, allergy string) (profile, entry string) {
	t.Helper()
	xpNav(t, ctx, "/profiles")
	xpClick(t, ctx, "#profile-add")
	xpSetInput(t, ctx, "#profile-name", name, "input")
	xpSetInput(t, ctx, "#profile-birth", "2016-05-04", "input")
	xpSetInput(t, ctx, "#profile-rel", "child", "change")
	xpClick(t, ctx, "#profile-save")
	xpWaitText(t, ctx, "#people", name)
	xpClick(t, ctx, ".person:not(.current) .switch")
	xpPoll(t, ctx, name+" chosen", `location.pathname === "/summary" && document.querySelector(".profile-switch").textContent.includes(`+xpQuote(strings.Fields(name)[0])+`)`)
	xpNav(t, ctx, "/profiles")
	xpRun(t, ctx, chromedp.Evaluate(`document.querySelector("#people .person.current").id.replace("profile-", "")`, &profile))
	return profile, spaceAddAllergy(t, ctx, allergy)
}

// spaceAddAllergy adds an allergy to the person shown.
func spaceAddAllergy(t *testing.T, ctx context.Context, substance string) string {
	t.Helper()
	xpNav(t, ctx, "/add/allergy")
	xpSetInput(t, ctx, "#f-substance", substance, "input")
	xpClick(t, ctx, "#save")
	return recWaitEntry(t, ctx)
}

// spaceLink makes an invitation link to the profile on the owner's share
// page, with the role ("view" or "edit").
func spaceLink(t *testing.T, ctx context.Context, profile, role string) string {
	t.Helper()
	xpNav(t, ctx, "/people/share/"+profile)
	xpClick(t, ctx, "#share-role-"+role)
	xpClick(t, ctx, "#share-make")
	xpRun(t, ctx, chromedp.WaitVisible("#share-link", chromedp.ByID))
	xpPoll(t, ctx, "the invitation's QR code drawn in the worker", `!!document.querySelector(".pair-qr svg[role=img]")`)
	link := xpText(t, ctx, "#share-link")
	if !strings.Contains(link, "/shared#") {
		t.Fatalf("invitation link %q", link)
	}
	return link
}

// spaceJoinAs fills in the member's name on the join page and joins.
func spaceJoinAs(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	xpRun(t, ctx, chromedp.WaitVisible("#join-name", chromedp.ByID))
	xpSetInput(t, ctx, "#join-name", name, "input")
	xpClick(t, ctx, "#join-space")
	xpPoll(t, ctx, "the people page after joining", `location.pathname === "/profiles" && !!document.querySelector("#people .person-shared")`)
}

// spaceSync presses "Sync now" of the shared profiles on the Devices page.
func spaceSync(t *testing.T, ctx context.Context) {
	t.Helper()
	xpNav(t, ctx, "/devices")
	xpClick(t, ctx, "#shared-sync-now")
	xpPoll(t, ctx, "shared sync finished", `!!document.querySelector("#shared-sync-now") && !document.querySelector("#shared-sync-now").disabled`)
}

// spaceSetupHere creates a vault and a first profile inside the running
// app (no reload: the invitation waits in memory), from the set-up page.
func spaceSetupHere(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	xpRun(t, ctx, chromedp.WaitVisible(`main[data-mounted="true"] #setup-form`, chromedp.ByQuery))
	xpSetInput(t, ctx, "#pass", importTestPass, "input")
	xpSetInput(t, ctx, "#confirm", importTestPass, "input")
	xpClick(t, ctx, "#create")
	xpRun(t, ctx, chromedp.WaitVisible("#recovery-key", chromedp.ByID))
	xpClick(t, ctx, "#saved")
	xpRun(t, ctx, chromedp.WaitEnabled("#recovery-done", chromedp.ByID))
	xpClick(t, ctx, "#recovery-done")
	xpPoll(t, ctx, "profile form or storage prompt", `!!(document.querySelector("#profile-name") || document.querySelector("#storage-continue"))`)
	if xpExists(t, ctx, "#storage-continue") {
		xpClick(t, ctx, "#storage-continue")
	}
	xpSetInput(t, ctx, "#profile-name", name, "input")
	xpClick(t, ctx, "#profile-save")
}

// TestSharedProfile: a parent shares a child's record with two other
// Backpack users through one server. Bea, who has no Backpack yet, opens a
// read-only link: she creates her vault, joins, and sees the child's
// entries with "Shared by Alex Example · you can view" and no controls to
// change them. Casey, who has a vault, joins by a co-manage link and adds a
// note the parent then sees. The parent stops sharing with Bea: the
// parent's next change reaches Casey but not Bea, whose app says she was
// removed and keeps what she had, read-only.
func TestSharedProfile(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", "app", "spaces_replica.go")); err != nil {
		t.Skip("the pages wait for the shared-profile engine (app/spaces_replica.go wires internal/replica's spaces)")
	}
	// The owner: a vault with a child, and sync on.
	s, a, axe := startSyncVault(t)
	child, peanuts := spaceAddChild(t, a, "Robin Example", "Peanuts")

	// Without sync, the share page says what it needs.
	xpNav(t, a, "/people/share/"+child)
	xpWaitText(t, a, "#share-needs-sync", "needs sync")
	xpClick(t, a, "#share-to-devices")
	xpPoll(t, a, "the Devices page", `location.pathname === "/devices"`)
	syncOn(t, a)

	xpNav(t, a, "/profiles")
	xpClick(t, a, "#profile-"+child+" .share-person")
	xpPoll(t, a, "the share page", `location.pathname === "/people/share/`+child+`"`)
	axeCheck(t, a, axe, "share a profile")
	viewLink := spaceLink(t, a, child, "view")
	xpWaitText(t, a, "#share-what", "view Robin Example's record, but not change it")
	xpWaitText(t, a, "#share-once", "works once")
	xpShots(t, a, "space-share")
	axeCheck(t, a, axe, "share a profile (link)")

	// Bea has no Backpack: she creates one, then the link goes on.
	b, cancelB := browser(t)
	defer cancelB()
	xpGo(t, b, viewLink)
	xpRun(t, b, chromedp.WaitVisible("#join-first", chromedp.ByID))
	if strings.Contains(xpLocationHref(t, b), "#") {
		t.Error("the invitation code stays in the address bar")
	}
	axeCheck(t, b, axe, "shared profile (no vault)")
	xpClick(t, b, "#join-setup")
	spaceSetupHere(t, b, "Bea Example")
	xpWaitText(t, b, "#join-whose", "Alex Example shares a profile with you: you can view")
	axeCheck(t, b, axe, "join a shared profile")
	spaceJoinAs(t, b, "Bea Example")
	xpWaitText(t, b, "#profile-"+child+" .person-shared", "Shared by Alex Example · you can view")
	xpShots(t, b, "space-member-profiles")
	axeCheck(t, b, axe, "profiles with a shared one")
	// Bea sees the child's entries, with whose profile it is, and nothing to change them.
	xpNav(t, b, "/entry/"+peanuts)
	xpWaitText(t, b, "main", "Peanuts")
	xpWaitText(t, b, "#shared-line", "Shared by Alex Example · you can view")
	for _, sel := range []string{"#edit", "#delete", "#flag", "#note-form", "#note-text"} {
		if xpExists(t, b, sel) {
			t.Errorf("read-only member: %s is shown on the entry page", sel)
		}
	}
	axeCheck(t, b, axe, "entry of a read-only shared profile")
	xpNav(t, b, "/add/allergy")
	xpRun(t, b, chromedp.WaitVisible("#read-only", chromedp.ByID))
	if xpExists(t, b, "#f-substance") {
		t.Error("read-only member: the add form is shown")
	}
	xpNav(t, b, "/files")
	if xpExists(t, b, "#file-input") {
		t.Error("read-only member: the upload is shown")
	}
	xpNav(t, b, "/profiles")
	for _, sel := range []string{"#profile-" + child + " .edit", "#profile-" + child + " .share-person"} {
		if xpExists(t, b, sel) {
			t.Errorf("read-only member: %s is shown on the people page", sel)
		}
	}

	// Casey has a Backpack: the co-manage link unlocks it, then joins.
	editLink := spaceLink(t, a, child, "edit")
	c, cancelC := browser(t)
	defer cancelC()
	importVaultWithProfile(t, c, s)
	xpGo(t, c, editLink)
	xpPoll(t, c, "the unlock page", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpSetInput(t, c, "#unlock-pass", importTestPass, "input")
	xpClick(t, c, "#unlock")
	xpWaitText(t, c, "#join-whose", "you can view and edit")
	spaceJoinAs(t, c, "Casey Example")
	xpWaitText(t, c, "#profile-"+child+" .person-shared", "Shared by Alex Example · you can view and edit")
	xpNav(t, c, "/entry/"+peanuts)
	xpWaitText(t, c, "#shared-line", "you can view and edit")
	xpSetInput(t, c, "#note-text", "Carries an EpiPen to school", "input")
	xpClick(t, c, "#note-add")
	xpWaitText(t, c, "#notes", "Carries an EpiPen to school")
	spaceSync(t, c)
	spaceSync(t, a)
	xpNav(t, a, "/entry/"+peanuts)
	xpWaitText(t, a, "#notes", "Carries an EpiPen to school")

	// The owner's list of members, and stopping sharing with Bea.
	xpNav(t, a, "/people/share/"+child)
	xpPoll(t, a, "two members", `document.querySelectorAll("#share-members .member").length === 2`)
	xpWaitText(t, a, "#share-members", "Bea Example")
	xpWaitText(t, a, "#share-members", "Casey Example")
	var bea string
	xpRun(t, a, chromedp.Evaluate(`[...document.querySelectorAll("#share-members .member")].find(li => li.textContent.includes("Bea")).dataset.id`, &bea))
	xpClick(t, a, `.member[data-id="`+bea+`"] .member-stop`)
	xpWaitText(t, a, "#share-members .confirm-box", "closed to them")
	axeCheck(t, a, axe, "stop sharing (confirm)")
	xpClick(t, a, `.member[data-id="`+bea+`"] .member-stop-yes`)
	xpPoll(t, a, "one member", `document.querySelectorAll("#share-members .member").length === 1`)
	xpWaitText(t, a, "main", "Sharing stopped")
	xpShots(t, a, "space-members")

	// The owner's next change reaches Casey, not Bea.
	spaceAddAllergy(t, a, "Shellfish")
	spaceSync(t, a)
	spaceSync(t, c)
	spaceSync(t, b)
	xpNav(t, c, "/timeline")
	xpWaitText(t, c, "main", "Shellfish")
	xpNav(t, b, "/profiles")
	xpWaitText(t, b, "#profile-"+child+" .person-shared", "Alex Example stopped sharing this profile with you")
	xpNav(t, b, "/timeline")
	xpWaitText(t, b, "#shared-line", "stopped sharing")
	xpWaitText(t, b, "main", "Peanuts")
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(xpText(t, b, "main"), "Shellfish") {
		t.Error("the owner's change after the removal reached the removed member")
	}
	xpShots(t, b, "space-removed")
	axeCheck(t, b, axe, "removed from a shared profile")
	xpNav(t, b, "/profiles")
	xpRun(t, b, chromedp.WaitVisible("#profile-"+child+" .delete", chromedp.ByQuery))
	xpShots(t, b, "space-removed-profiles")
}

// xpLocationHref is the address bar.
func xpLocationHref(t *testing.T, ctx context.Context) string {
	t.Helper()
	var href string
	xpRun(t, ctx, chromedp.Evaluate(`location.href`, &href))
	return href
}
