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
