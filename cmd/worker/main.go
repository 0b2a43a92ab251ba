//go:build js && wasm

// Command worker is Backpack's second wasm module: the heavy readers
// (import: FHIR JSON and XML, NDJSON, C-CDA, SMART Health Cards, gzip;
// export files: OpenPGP decryption, zip, vault.jsonl, for Restore, "Open
// a shared file" and share links) and the export's writer (the export
// file, a share's inner export, the viewer's summary.html, a living link's
// FHIR Bundles, public-key checks) and a patient portal's pull (SMART on
// FHIR searches, read as an imported Bundle) run here (internal/worker/jobs),
// inside a dedicated Web Worker (internal/worker's bootstrap), so a long
// job never freezes the page and a crash or running out of memory takes
// only the worker down. Plain syscall/js: no go-app.
package main

import (
	"io"
	"os"
	"path"
	"runtime/debug"
	"syscall/js"

	"backpack/internal/importer"
	"backpack/internal/jsutil"
	"backpack/internal/seipd"
	"backpack/internal/worker"
	"backpack/internal/worker/jobs"
)

func main() {
	importer.WireCCDA() // the page's module leaves the C-CDA converter out: it is read here
	// The worker is ended after a large job, so its heap may grow more
	// between collections (every collection stops the job).
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(320 << 20)
	// The export's integrity codes (SHA-1) are hashed in one more worker,
	// mdc-worker.js, served beside this one's bootstrap (and cached
	// offline); without it they are hashed here, in Go.
	seipd.WorkerURL = js.Global().Get("URL").New(path.Base(seipd.WorkerPath), js.Global().Get("location").Get("href")).String()
	// A portal pull's relay is a path of this origin (the page's).
	jobs.Origin = js.Global().Get("location").Get("origin").String()
	serve := js.FuncOf(func(_ js.Value, args []js.Value) any {
		buf, file := args[0], js.Undefined()
		if len(args) > 1 {
			file = args[1]
		}
		msg := make([]byte, buf.Get("byteLength").Int())
		js.CopyBytesToGo(msg, buf)
		go func() {
			if worker.FaultOf(msg) == worker.FaultExit {
				os.Exit(3) // as a crash would: the page must cope
			}
			post(jobs.Serve(msg, func() io.ReadCloser { return jsutil.BlobReader(file) }, post))
		}()
		return nil
	})
	js.Global().Set("backpackServe", serve)
	js.Global().Call("postMessage", map[string]any{"ready": true})
	select {}
}

// post sends a message to the page, its buffer transferred (not copied).
// A part of a written file goes as its bytes alone ({out}), which the page
// keeps in JS: the file is never copied into the page's Go memory.
func post(msg []byte) {
	if part, ok := worker.OutPart(msg); ok {
		u8 := js.Global().Get("Uint8Array").New(len(part))
		js.CopyBytesToJS(u8, part)
		js.Global().Call("postMessage", map[string]any{"out": u8}, []any{u8.Get("buffer")})
		return
	}
	u8 := js.Global().Get("Uint8Array").New(len(msg))
	js.CopyBytesToJS(u8, msg)
	js.Global().Call("postMessage", map[string]any{"buf": u8}, []any{u8.Get("buffer")})
}
