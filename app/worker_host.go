//go:build !(js && wasm)

package ui

import (
	"context"

	"backpack/internal/worker"
)

// precacheWorker is browser-only (see worker_js.go).
func precacheWorker() {}

// workerPrewarm: on the host, files are read in this process.
func workerPrewarm() {}

// xpOpenRead opens an export file in this process, through the worker's
// messages (so that the page's side is tested on the host too).
func xpOpenRead(_ context.Context, f jsFile, q worker.OpenRequest, progress func(read int64)) (worker.Opened, error) {
	q.Size = f.Size()
	reply := worker.Serve(q.Encode(), f.Open, func(msg []byte) {
		if n, ok := worker.Progress(msg); ok && progress != nil {
			progress(n)
		}
	})
	return worker.OpenReply(reply)
}
