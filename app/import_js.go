//go:build js && wasm

package ui

import (
	"context"
	"runtime"
	"syscall/js"

	"backpack/internal/importer"
	"backpack/internal/worker"
)

// importRead reads one file in Backpack's worker (internal/worker): the
// File goes there, not its bytes, and the parse result comes back as
// frames, with its entries made (the projection). A reader's panic or the worker's death is a *worker.Failure,
// which the file's card explains; the page stays as it was.
func importRead(ctx context.Context, f jsFile, keys importer.JWKS, progress func(read int64)) (worker.Parsed, error) {
	q := worker.ImportRequest{Name: f.Name(), Size: f.Size(), Keys: keys, Fault: workerFault()}
	p, err := worker.Import(ctx, f.v, q, progress)
	return importParsed(q.Name, p, err)
}

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
