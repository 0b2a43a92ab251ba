package ui

import (
	"runtime/debug"
	"time"
)

// heavyWork raises the garbage collector's target while a large export or
// restore runs: fewer collections for more memory, for a few seconds. It
// returns the function that puts it back.
func heavyWork() func() {
	old := debug.SetGCPercent(200)
	return func() { debug.SetGCPercent(old) }
}

// throttle lets progress through at most every 100 ms, so that a long
// task does not spend its time re-rendering the page.
type throttle struct{ last time.Time }

func (t *throttle) ok() bool {
	now := time.Now()
	if now.Sub(t.last) < 100*time.Millisecond {
		return false
	}
	t.last = now
	return true
}
