//go:build e2e

package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// longTaskWatch starts watching the page's main thread with the Long Tasks
// API (every task over 50 ms is reported) and forgets earlier tasks;
// longestTask returns the longest task since, in ms (0 when none was over
// 50 ms). Budget for the benches that print it: ≤ 200 ms. A full page
// load starts a new document: watch again after one. With
// BACKPACK_LONGTASKS set, longestTask also logs every long task (start and
// duration, ms) and the page's performance marks (perfMark) since the watch
// began, to tell which stage a long task belongs to.
func longTaskWatch(t testing.TB, ctx context.Context) {
	t.Helper()
	const js = `(() => {
		window.backpackLongestTask = 0;
		window.backpackLongTaskList = [];
		performance.clearMarks();
		if (!window.backpackLongTasks) {
			window.backpackLongTasks = new PerformanceObserver((list) => {
				for (const e of list.getEntries()) {
					window.backpackLongestTask = Math.max(window.backpackLongestTask, e.duration);
					(window.backpackLongTaskList ||= []).push([Math.round(e.startTime), Math.round(e.duration)]);
				}
			});
			window.backpackLongTasks.observe({ type: "longtask" });
		}
		return true;
	})()`
	var ok bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &ok)); err != nil {
		t.Fatal(err)
	}
}

func longestTask(t testing.TB, ctx context.Context) float64 {
	t.Helper()
	// Entries are delivered after the task ends: give the observer a turn.
	var ms float64
	if err := chromedp.Run(ctx, chromedp.Evaluate(`new Promise((resolve) => setTimeout(() => resolve(window.backpackLongestTask || 0), 100))`, &ms, awaitPromise)); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("BACKPACK_LONGTASKS") != "" {
		var list string
		chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify({tasks: window.backpackLongTaskList, marks: performance.getEntriesByType("mark").map(m => [m.name, Math.round(m.startTime)])})`, &list))
		t.Logf("long tasks: %s", list)
	}
	return ms
}
