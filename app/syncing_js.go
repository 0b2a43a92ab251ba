//go:build js && wasm

package ui

import (
	"syscall/js"
	"time"

	"backpack/internal/replica"
	"backpack/internal/vault/idbstore"
)

// syncLockName is the Web Lock of the tab that syncs: one tab at a time,
// the others skip their turn (their vault follows through the tabs'
// "changed" message).
const syncLockName = "backpack-sync"

// syncExclusive runs fn when no other tab of this origin syncs, and
// reports whether it ran. Call it from a goroutine.
func syncExclusive(fn func()) bool { return idbstore.TryExclusive(syncLockName, fn) }

// syncStats leaves the last sync's counts and times (no data) on
// window.backpackSyncStats, for the benchmarks.
func syncStats(r replica.Result, total time.Duration) {
	o := js.Global().Get("Object").New()
	o.Set("pulled", r.Pulled)
	o.Set("pushed", r.Pushed)
	o.Set("files", r.Files)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	o.Set("netMs", ms(r.Net))
	o.Set("storeMs", ms(r.Store))
	o.Set("readMs", ms(r.Read))
	o.Set("chunkMs", ms(r.Chunk))
	o.Set("totalMs", ms(total))
	js.Global().Set("backpackSyncStats", o)
}
