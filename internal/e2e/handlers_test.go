//go:build e2e

package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestHandlersAfterDelete: go-app keeps the first event handler it rendered
// for an element, so after a row is deleted, the rows that move up must
// still act on the person they show. Four people; delete the second; then
// Delete on the last row asks about that person (not the one that was in
// its place before), and Yes deletes that person only.
func TestHandlersAfterDelete(t *testing.T) {
	s := startSite(t, "handlers")
	ctx, cancel := browser(t)
	defer cancel()
	recSetup(t, ctx, s)

	recNav(t, ctx, "/profiles")
	recWaitCount(t, ctx, "#people li", 1)
	for i, name := range []string{"Ana Example", "Ben Example", "Cleo Example"} {
		recClick(t, ctx, "#profile-add")
		recSet(t, ctx, "#profile-name", name)
		recClick(t, ctx, "#profile-save")
		recWaitCount(t, ctx, "#people li", i+2)
		recPoll(t, ctx, "the add button back", `!!document.querySelector("#profile-add")`)
	}
	row := func(name string) string {
		t.Helper()
		var id string
		recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll("#people li")].
			find(li => li.querySelector(".person-name")?.textContent === %s)?.id || ""`, recJS(name)), &id))
		if id == "" {
			t.Fatalf("no row for %s", name)
		}
		return "#" + id
	}
	ana, ben, cleo := row("Ana Example"), row("Ben Example"), row("Cleo Example")

	recClick(t, ctx, ana+" .delete")
	recClick(t, ctx, ana+" .delete-yes")
	recWaitCount(t, ctx, "#people li", 3)
	recPoll(t, ctx, "Ana gone", fmt.Sprintf(`!document.querySelector(%s)`, recJS(ana)))

	// Cleo's row now stands where Ben's was, and Ben's where Ana's was.
	recClick(t, ctx, cleo+" .delete")
	recPoll(t, ctx, "a confirmation", `!!document.querySelector("#people .delete-text")`)
	recShots(t, ctx, "handlers-delete-confirm")
	if !recExists(t, ctx, cleo+" .delete-text") || recExists(t, ctx, ben+" .delete-text") {
		var where string
		recRun(t, ctx, chromedp.Evaluate(`document.querySelector("#people .delete-text").closest("li").querySelector(".person-name").textContent`, &where))
		t.Fatalf("Delete on Cleo's row asked about %q", where)
	}
	recContains(t, ctx, cleo+" .delete-text", "Cleo Example")
	recClick(t, ctx, cleo+" .delete-yes")
	recWaitCount(t, ctx, "#people li", 2)
	var names []string
	recRun(t, ctx, chromedp.Evaluate(`[...document.querySelectorAll("#people .person-name")].map(e => e.textContent)`, &names))
	if fmt.Sprint(names) != "[Robin Example Ben Example]" {
		t.Errorf("left: %q, want Robin Example and Ben Example", names)
	}

	// Switch on the row that moved up opens that person.
	recClick(t, ctx, ben+" .switch")
	recWaitPath(t, ctx, "/summary")
	recNav(t, ctx, "/profiles")
	recWait(t, ctx, ben+".current")
}

// TestHandlersShareNewest: a new share link is listed first, where the
// previous one was; its Revoke revokes it, not the link listed there before.
func TestHandlersShareNewest(t *testing.T) {
	s := xpStartShareSite(t, 0)
	ctx, cancel := browser(t)
	defer cancel()
	recSetup(t, ctx, s)

	xpNav(t, ctx, "/share")
	xpPoll(t, ctx, "share API checked", `!document.querySelector("#share-create").disabled`)
	xpSetInput(t, ctx, "#sh-label", "First link", "input")
	xpClick(t, ctx, "#share-create")
	xpPoll(t, ctx, "the first link", `document.querySelectorAll(".xp-shared").length === 1`)
	xpClick(t, ctx, "#share-another")
	xpPoll(t, ctx, "the form again", `!!document.querySelector("#sh-label") && !document.querySelector("#share-create").disabled`)
	xpSetInput(t, ctx, "#sh-label", "Second link", "input")
	xpClick(t, ctx, "#share-create")
	xpPoll(t, ctx, "the second link", `document.querySelectorAll(".xp-shared").length === 2`)
	links := func() string {
		t.Helper()
		var got []string
		xpRun(t, ctx, chromedp.Evaluate(`[...document.querySelectorAll(".xp-shared")].map(s =>
			(s.querySelector(".xp-shared-label")?.textContent || "") + ":" + s.dataset.revoked +
			(s.querySelector(".share-revoke-yes") ? ":asking" : ""))`, &got))
		return fmt.Sprint(got)
	}
	if got := links(); got != "[Second link:false First link:false]" {
		t.Fatalf("links: %s", got)
	}
	xpClick(t, ctx, ".xp-shared .share-revoke")
	xpPoll(t, ctx, "a confirmation", `!!document.querySelector(".share-revoke-yes")`)
	if got := links(); got != "[Second link:false:asking First link:false]" {
		t.Fatalf("Revoke on the newest link asked about another: %s", got)
	}
	xpClick(t, ctx, ".xp-shared .share-revoke-yes")
	xpPoll(t, ctx, "a link revoked", `!!document.querySelector('.xp-shared[data-revoked="true"]')`)
	if got := links(); got != "[Second link:true First link:false]" {
		t.Errorf("after revoking the newest: %s", got)
	}
}
