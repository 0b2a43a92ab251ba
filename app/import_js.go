//go:build js && wasm

package ui

import (
	"runtime"
	"syscall/js"
)

// recordImportStats leaves how long the last save took and how much memory
// the Go runtime holds in window.backpackImportStats, for the import
// benchmark. Numbers only: never health data.
func recordImportStats(t importTiming) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	o := js.Global().Get("Object").New()
	o.Set("records", t.Records)
	o.Set("waitMs", t.Wait.Milliseconds())
	o.Set("prepareMs", t.Prepare.Milliseconds())
	o.Set("writeMs", t.Write.Milliseconds())
	o.Set("totalMs", t.Total.Milliseconds())
	o.Set("sysBytes", m.Sys)
	o.Set("heapSysBytes", m.HeapSys)
	o.Set("heapInuseBytes", m.HeapInuse)
	js.Global().Set("backpackImportStats", o)
}
