//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backpack/internal/record"
)

// The record screens as a person uses them: add a lab result (a bad date
// first), a medication and an allergy; the timeline lists them newest
// first; filter by kind; search by title and by a note; edit; note; flag;
// delete and undo; a repeated lab test shows a trend; questions for the
// next visit. Screenshots of the form with errors, timeline, entry and
// trend at phone and desktop size.
func TestRecord(t *testing.T) {
	s := startSite(t, "v1")
	ctx, cancel := browser(t)
	defer cancel()
	recSetup(t, ctx, s)

	// The kind chooser offers every manual kind, and each form renders.
	recNav(t, ctx, "/add/")
	recWait(t, ctx, "#kinds")
	recWaitCount(t, ctx, "#kinds li", len(record.ManualKinds))
	recShots(t, ctx, "record-add")
	for _, k := range record.ManualKinds {
		recNav(t, ctx, "/add/"+string(k))
		recWait(t, ctx, "#entry-form #save")
		var n int
		recRun(t, ctx, chromedp.Evaluate(`document.querySelectorAll("#entry-form input:not([type=file]), #entry-form select, #entry-form textarea").length`, &n))
		if n < 2 {
			t.Errorf("%s form has %d inputs", k, n)
		}
	}

	// A lab result with a bad date: the error shows next to the field,
	// which gets the focus; nothing is saved.
	recNav(t, ctx, "/add/lab")
	recWait(t, ctx, "#f-test")
	recSet(t, ctx, "#f-test", "Hemoglobin A1c")
	recSet(t, ctx, "#f-date", "2024-13-45")
	recSet(t, ctx, "#f-value", "6.1")
	recSet(t, ctx, "#f-unit", "%")
	recSet(t, ctx, "#f-low", "4")
	recSet(t, ctx, "#f-high", "5.6")
	recClick(t, ctx, "#save")
	recWait(t, ctx, "#f-date-err")
	recContains(t, ctx, "#f-date-err", "Enter a date")
	recContains(t, ctx, "#form-errors", "fix the problem below")
	if got := recAttr(t, ctx, "#f-date", "aria-invalid"); got != "true" {
		t.Errorf("bad date: aria-invalid %q", got)
	}
	if got := recAttr(t, ctx, "#f-date", "aria-describedby"); !strings.Contains(got, "f-date-err") {
		t.Errorf("bad date: aria-describedby %q", got)
	}
	recPoll(t, ctx, "focus on the bad date", `document.activeElement && document.activeElement.id === "f-date"`)
	if recExists(t, ctx, "#f-test-err") {
		t.Error("a good field shows an error")
	}
	recShots(t, ctx, "record-form-errors")
	// The "Today" button fills a date; then the real date.
	recClick(t, ctx, "#f-date-today")
	recPoll(t, ctx, "today's date", `document.querySelector("#f-date").value === `+recJS(time.Now().Format("2006-01-02")))
	recSet(t, ctx, "#f-date", "2024-03-01")
	recClick(t, ctx, "#save")
	lab1 := recWaitEntry(t, ctx)
	recContains(t, ctx, "#result", "6.1 %")
	recContains(t, ctx, "#range", "4–5.6 %")
	recContains(t, ctx, ".entry-head .badge.high", "High")
	recContains(t, ctx, "main .banner.ok", "Saved")
	recContains(t, ctx, "#provenance", "Entered by hand")

	// A medication and an allergy.
	recNav(t, ctx, "/add/medication")
	recWait(t, ctx, "#f-name")
	recSet(t, ctx, "#f-name", "Metformin")
	recSet(t, ctx, "#f-dose", "500 mg")
	recSet(t, ctx, "#f-schedule", "twice a day with food")
	recSet(t, ctx, "#f-start", "2024-02-01")
	// Attach a scan of the prescription; the phone camera input is there too.
	scan := filepath.Join(t.TempDir(), "prescription-scan.pdf")
	if err := os.WriteFile(scan, []byte("%PDF-1.4\n% test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := recAttr(t, ctx, "#attach-photo", "capture"); got != "environment" {
		t.Errorf("photo input capture %q", got)
	}
	recRun(t, ctx, chromedp.SetUploadFiles("#attach-files", []string{scan}, chromedp.ByQuery))
	recWaitText(t, ctx, "#pending", "prescription-scan.pdf")
	recClick(t, ctx, "#save")
	med := recWaitEntry(t, ctx)
	recContains(t, ctx, "#details", "500 mg")
	recContains(t, ctx, "#files", "prescription-scan.pdf")
	if got := recAttr(t, ctx, "#files a", "href"); got != "/files" {
		t.Errorf("file link %q", got)
	}

	recNav(t, ctx, "/add/allergy")
	recWait(t, ctx, "#f-substance")
	recSet(t, ctx, "#f-substance", "Penicillin")
	recSet(t, ctx, "#f-reaction", "hives")
	recSelect(t, ctx, "#f-severity", "moderate")
	recSet(t, ctx, "#f-onset", "2010")
	recClick(t, ctx, "#save")
	allergy := recWaitEntry(t, ctx)
	recContains(t, ctx, "#details", "Moderate")

	// The timeline: newest first.
	recNav(t, ctx, "/timeline")
	recWaitCount(t, ctx, "#timeline .entry-item", 3)
	if got := recIDs(t, ctx, "#timeline .entry-item"); strings.Join(got, ",") != strings.Join([]string{lab1, med, allergy}, ",") {
		t.Errorf("timeline order %v, want lab, medication, allergy", got)
	}
	recContains(t, ctx, `#timeline [data-id="`+lab1+`"]`, "Hemoglobin A1c")
	recContains(t, ctx, `#timeline [data-id="`+lab1+`"] .badge.high`, "High")
	recContains(t, ctx, `#timeline [data-id="`+lab1+`"]`, "2024-03-01")
	recShots(t, ctx, "record-timeline")

	// Filter by kind, then back to all.
	recClick(t, ctx, `#chips [data-kind="medication"]`)
	recWaitCount(t, ctx, "#timeline .entry-item", 1)
	recContains(t, ctx, "#timeline", "Metformin")
	if got := recAttr(t, ctx, `#chips [data-kind="medication"]`, "aria-pressed"); got != "true" {
		t.Errorf("medication chip aria-pressed %q", got)
	}
	recClick(t, ctx, `#chips [data-kind="allergy"]`)
	recWaitCount(t, ctx, "#timeline .entry-item", 2)
	recClick(t, ctx, `#chips [data-kind="all"]`)
	recWaitCount(t, ctx, "#timeline .entry-item", 3)

	// A note on the lab result ("my takeaways").
	recNav(t, ctx, "/entry/"+lab1)
	recWait(t, ctx, "#note-text")
	recSet(t, ctx, "#note-text", "Ask about the zucchini diet")
	recClick(t, ctx, "#note-add")
	recWaitText(t, ctx, "#notes .note", "zucchini")
	recPoll(t, ctx, "note box cleared", `document.querySelector("#note-text").value === ""`)

	// Search by a word of a title, and by a word of a note (highlighted).
	recNav(t, ctx, "/timeline")
	recWait(t, ctx, "#search")
	recType(t, ctx, "#search", "metf")
	recWaitCount(t, ctx, "#timeline .entry-item", 1)
	recContains(t, ctx, "#timeline mark", "Metformin")
	recSet(t, ctx, "#search", "zucchini")
	recWaitCount(t, ctx, "#timeline .entry-item", 1)
	recContains(t, ctx, "#timeline .item-note mark", "zucchini")
	if got := recIDs(t, ctx, "#timeline .entry-item"); len(got) != 1 || got[0] != lab1 {
		t.Errorf("note search found %v", got)
	}
	recShots(t, ctx, "record-search")
	recSet(t, ctx, "#search", "nothingmatchesthis")
	recWaitText(t, ctx, "#count", "No entries match")
	recClick(t, ctx, "#search-clear")
	recWaitCount(t, ctx, "#timeline .entry-item", 3)

	// Edit the medication: the form comes back filled; the change is saved
	// and the rest of the FHIR resource survives.
	recNav(t, ctx, "/entry/"+med)
	recWait(t, ctx, "#edit")
	before := recRaw(t, ctx)
	recClick(t, ctx, "#edit")
	recWaitPath(t, ctx, "/edit/"+med)
	recWait(t, ctx, "#f-dose")
	recPoll(t, ctx, "dose filled in", `document.querySelector("#f-dose").value === "500 mg"`)
	recSet(t, ctx, "#f-dose", "1000 mg")
	recClick(t, ctx, "#save")
	recWaitPath(t, ctx, "/entry/"+med)
	recWaitText(t, ctx, "#details", "1000 mg")
	recContains(t, ctx, "main .banner.ok", "Changes saved")
	recContains(t, ctx, "#files", "prescription-scan.pdf") // attachments survive an edit
	after := recRaw(t, ctx)
	if before["id"] != after["id"] || fmt.Sprint(before["subject"]) != fmt.Sprint(after["subject"]) ||
		fmt.Sprint(before["medicationCodeableConcept"]) != fmt.Sprint(after["medicationCodeableConcept"]) {
		t.Errorf("edit lost untouched fields:\nbefore %v\nafter  %v", before, after)
	}

	// Flag the lab result as possibly wrong: a note is needed.
	recNav(t, ctx, "/entry/"+lab1)
	recWait(t, ctx, "#flag")
	recClick(t, ctx, "#flag")
	recWait(t, ctx, "#flag-note")
	recClick(t, ctx, "#flag-save")
	recWaitText(t, ctx, "main .banner.error", "what is wrong")
	recSet(t, ctx, "#flag-note", "The lab mixed up my sample with someone else's")
	recClick(t, ctx, "#flag-save")
	recWait(t, ctx, "#flag-card")
	recContains(t, ctx, "#flag-card", "mixed up my sample")
	recContains(t, ctx, ".entry-head .badge.danger", "Flagged")
	recShots(t, ctx, "record-entry")
	recNav(t, ctx, "/timeline")
	recWaitText(t, ctx, `#timeline [data-id="`+lab1+`"]`, "Flagged")
	recNav(t, ctx, "/entry/"+lab1)
	recWait(t, ctx, "#flag-clear")
	recClick(t, ctx, "#flag-clear")
	recWait(t, ctx, "#flag")
	if recExists(t, ctx, "#flag-card") {
		t.Error("flag still shown after clearing")
	}

	// Delete asks first, then offers to undo on the timeline.
	recNav(t, ctx, "/entry/"+allergy)
	recWait(t, ctx, "#delete")
	recClick(t, ctx, "#delete")
	recWait(t, ctx, "#confirm-delete")
	recPoll(t, ctx, "focus on cancel", `document.activeElement && document.activeElement.id === "delete-no"`)
	recClick(t, ctx, "#delete-no")
	recWait(t, ctx, "#delete")
	recClick(t, ctx, "#delete")
	recClick(t, ctx, "#delete-yes")
	recWaitPath(t, ctx, "/timeline")
	recWait(t, ctx, "#undo-banner")
	recWaitCount(t, ctx, "#timeline .entry-item", 2)
	recShots(t, ctx, "record-undo")
	recClick(t, ctx, "#undo")
	recWait(t, ctx, "#restored")
	recWaitCount(t, ctx, "#timeline .entry-item", 3)

	// The same test again: the entry offers a trend, which charts both.
	recNav(t, ctx, "/add/lab")
	recWait(t, ctx, "#f-test")
	recSet(t, ctx, "#f-test", "hemoglobin a1c")
	recSet(t, ctx, "#f-date", "2024-09-01")
	recSet(t, ctx, "#f-value", "5,4")
	recSet(t, ctx, "#f-unit", "%")
	recSet(t, ctx, "#f-low", "4")
	recSet(t, ctx, "#f-high", "5.6")
	recClick(t, ctx, "#save")
	lab2 := recWaitEntry(t, ctx)
	recContains(t, ctx, "#result", "5.4 %")
	recWait(t, ctx, "#trend")
	recContains(t, ctx, "#trend", "2")
	recClick(t, ctx, "#trend")
	recWaitPath(t, ctx, "/trend/"+lab2)
	recWait(t, ctx, "#chart svg")
	recWaitCount(t, ctx, "#chart svg circle", 2)
	recWaitCount(t, ctx, "#chart svg rect.bp-ref", 1)
	recWaitCount(t, ctx, "#chart svg circle.bp-high", 1)
	recWaitCount(t, ctx, "#trend-table tbody tr", 2)
	recContains(t, ctx, "#trend-table tbody tr:first-child", "2024-09-01")
	recContains(t, ctx, "#trend-table tbody tr:last-child .badge.high", "High")
	recShots(t, ctx, "record-trend")

	// Questions for the next visit, for a doctor of the care team.
	recNav(t, ctx, "/add/care-team")
	recWait(t, ctx, "#f-name")
	recSet(t, ctx, "#f-name", "Dr. Ada Okafor")
	recSet(t, ctx, "#f-phone", "+1 555 0100")
	recSet(t, ctx, "#f-email", "not an email")
	recClick(t, ctx, "#save")
	recWait(t, ctx, "#f-email-err")
	recPoll(t, ctx, "focus on the bad email", `document.activeElement && document.activeElement.id === "f-email"`)
	recSet(t, ctx, "#f-email", "ada@example.org")
	recClick(t, ctx, "#save")
	doc := recWaitEntry(t, ctx)

	recNav(t, ctx, "/questions")
	recWait(t, ctx, "#q-form")
	recClick(t, ctx, "#q-add")
	recWait(t, ctx, "#q-text-err")
	recSelect(t, ctx, "#q-provider", doc)
	recSet(t, ctx, "#q-text", "Is my A1c going the right way?")
	// Typing takes the error line away, which moves the button up: click it
	// where it is then (a click at where it was hit the card: TestRecord's
	// flake when the page re-rendered late on a busy machine).
	recPoll(t, ctx, "the error gone after typing", `!document.querySelector("#q-text-err")`)
	recClick(t, ctx, "#q-add")
	recWaitCount(t, ctx, ".q-item", 1)
	recPoll(t, ctx, "the question box is empty after adding", `document.querySelector("#q-text").value === ""`)
	recContains(t, ctx, ".q-group h2", "Dr. Ada Okafor")
	recSelect(t, ctx, "#q-provider", "__other__")
	recWait(t, ctx, "#q-other")
	recSet(t, ctx, "#q-other", "Pharmacist")
	recSet(t, ctx, "#q-text", "Can I take it with coffee?")
	recClick(t, ctx, "#q-add")
	recWaitCount(t, ctx, ".q-item", 2)
	recWaitCount(t, ctx, ".q-group", 2)
	recClick(t, ctx, ".q-item input[type=checkbox]")
	recWaitCount(t, ctx, ".q-item.done", 1)
	recWaitCount(t, ctx, ".q-item input:checked", 1) // the re-ordered list shows each row's own state
	recWaitCount(t, ctx, ".q-item.done input:checked", 1)
	recShots(t, ctx, "record-questions")
	recClick(t, ctx, ".q-item.done button")
	recWaitCount(t, ctx, ".q-item", 1)
}

// recSetup creates a vault and a first profile by driving the set-up and
// people pages, and leaves the session unlocked.
func recSetup(t *testing.T, ctx context.Context, s *site) {
	t.Helper()
	const pass = "record test passphrase, long enough 7"
	recRun(t, ctx, chromedp.Navigate(s.URL("/setup")))
	recPoll(t, ctx, "app mounted", `!!document.querySelector('main[data-mounted="true"] #setup-form #pass')`)
	recSet(t, ctx, "#pass", pass)
	recSet(t, ctx, "#confirm", pass)
	recClick(t, ctx, `#create`)
	recWait(t, ctx, "#recovery-key")
	recClick(t, ctx, `#saved`)
	recPoll(t, ctx, "continue enabled", `!document.querySelector("#recovery-done").disabled`)
	recClick(t, ctx, `#recovery-done`)
	recPoll(t, ctx, "profile form or storage step", `!!(document.querySelector("#profile-form") || document.querySelector("#storage-continue"))`)
	if recExists(t, ctx, "#storage-continue") {
		recClick(t, ctx, `#storage-continue`)
	}
	recWait(t, ctx, "#profile-name")
	recRun(t, ctx,
		chromedp.SendKeys(`#profile-name`, "Robin Example", chromedp.ByQuery),
		chromedp.Click(`#profile-save`, chromedp.ByQuery),
	)
	recPoll(t, ctx, "first profile saved", `location.pathname !== "/profiles" || !!document.querySelector("#people li")`)
}

// --- small chromedp helpers of the record test

func recRun(t *testing.T, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(tctx, actions...); err != nil {
		screenshot(t, ctx, "record-failed")
		t.Fatal(err)
	}
}

func recJS(s string) string { b, _ := json.Marshal(s); return string(b) }

// recPoll evaluates a JS boolean expression until it is true (20 s at most).
func recPoll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, "record-timeout")
			var path string
			chromedp.Run(ctx, chromedp.Evaluate(`location.pathname`, &path))
			t.Fatalf("timed out waiting for %s (at %s)", what, path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func recWait(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	recPoll(t, ctx, sel, fmt.Sprintf(`!!document.querySelector(%s)`, recJS(sel)))
}

func recWaitCount(t *testing.T, ctx context.Context, sel string, n int) {
	t.Helper()
	recPoll(t, ctx, fmt.Sprintf("%d × %s", n, sel), fmt.Sprintf(`document.querySelectorAll(%s).length === %d`, recJS(sel), n))
}

func recWaitText(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	recPoll(t, ctx, sel+" showing "+text,
		fmt.Sprintf(`(document.querySelector(%s)?.textContent || "").toLowerCase().includes(%s)`, recJS(sel), recJS(strings.ToLower(text))))
}

func recWaitPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	recPoll(t, ctx, "path "+path, `location.pathname === `+recJS(path))
}

// recWaitEntry waits for an entry page after saving and returns its id.
func recWaitEntry(t *testing.T, ctx context.Context) string {
	t.Helper()
	recPoll(t, ctx, "an entry page", `location.pathname.startsWith("/entry/") && !!document.querySelector("#facts")`)
	var p string
	recRun(t, ctx, chromedp.Evaluate(`location.pathname`, &p))
	return strings.TrimPrefix(p, "/entry/")
}

func recExists(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	var ok bool
	recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`!!document.querySelector(%s)`, recJS(sel)), &ok))
	return ok
}

// recNav navigates inside the running app (no reload: the vault stays open).
func recNav(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	recRun(t, ctx, chromedp.Evaluate(`goappNav(`+recJS(path)+`)`, nil))
	recWaitPath(t, ctx, path)
	recPoll(t, ctx, "mounted "+path, `!!document.querySelector('main[data-mounted="true"]')`)
}

func recContains(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	recWait(t, ctx, sel)
	var got string
	recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%s).textContent`, recJS(sel)), &got))
	if !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
		t.Errorf("%s: %q does not contain %q", sel, got, want)
	}
}

func recAttr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	var got string
	recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%s).getAttribute(%s) || ""`, recJS(sel), recJS(name)), &got))
	return got
}

// recIDs lists the data-id of the elements matching sel, in order.
func recIDs(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	var ids []string
	recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.dataset.id)`, recJS(sel)), &ids))
	return ids
}

// recRaw reads the entry page's FHIR resource.
func recRaw(t *testing.T, ctx context.Context) map[string]any {
	t.Helper()
	var s string
	recRun(t, ctx, chromedp.Evaluate(`document.querySelector("#raw pre").textContent`, &s))
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("raw FHIR JSON: %v", err)
	}
	return m
}

// recClick scrolls an element to the middle of the screen (clear of the
// bottom bar) and clicks it.
func recClick(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	recWait(t, ctx, sel)
	recRun(t, ctx,
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%s).scrollIntoView({block: "center"})`, recJS(sel)), nil))
	// chromedp clicks at the element's centre as it was measured: wait until
	// it stays put for two frames, so a re-render that moves it does not
	// turn the click into a click beside it.
	still := fmt.Sprintf(`new Promise((resolve) => {
		const box = () => { const r = document.querySelector(%s)?.getBoundingClientRect(); return r ? [r.x, r.y, r.width, r.height].join() : ""; };
		const a = box();
		requestAnimationFrame(() => requestAnimationFrame(() => resolve(a !== "" && a === box())));
	})`, recJS(sel))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(still, &ok, awaitPromise)); err == nil && ok {
			break
		}
	}
	recRun(t, ctx, chromedp.Click(sel, chromedp.ByQuery))
}

// recSet replaces an input's value as typing would (an input event).
func recSet(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	recWait(t, ctx, sel)
	recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus();
		el.value = %s; el.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, recJS(sel), recJS(value)), nil))
}

// recType types into an input one character at a time, faster than the
// search debounce, as a person types.
func recType(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	recWait(t, ctx, sel)
	for i := range value {
		recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus();
			el.value = %s; el.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, recJS(sel), recJS(value[:i+1])), nil))
		time.Sleep(40 * time.Millisecond)
	}
}

// recSelect picks an option (a change event).
func recSelect(t *testing.T, ctx context.Context, sel, value string) {
	t.Helper()
	recWait(t, ctx, sel)
	recRun(t, ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus();
		el.value = %s; el.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, recJS(sel), recJS(value)), nil))
}

// recShots saves the page at phone and desktop size, then goes back to phone.
func recShots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // let the last render paint
	screenshot(t, ctx, name+"-phone")
	if err := chromedp.Run(ctx, desktop()); err == nil {
		time.Sleep(150 * time.Millisecond)
		screenshot(t, ctx, name+"-desktop")
	}
	recRun(t, ctx, phone())
}
