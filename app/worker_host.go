//go:build !(js && wasm)

package ui

import (
	"bytes"
	"context"
	"io"

	"backpack/internal/export"
	"backpack/internal/worker"
)

// precacheWorker is browser-only (see worker_js.go).
func precacheWorker() {}

// workerPrewarm: on the host, files are read in this process.
func workerPrewarm() {}

// xpOpenRead opens an export file in this process, through the worker's
// messages (so that the page's side is tested on the host too).
func xpOpenRead(_ context.Context, f jsFile, q worker.OpenRequest, progress func(read int64), sink export.FileSink) (worker.Opened, error) {
	q.Size = f.Size()
	return xpOpenServe(q, f.Open, progress, sink)
}

// xpOpenServe is xpOpenRead of the file open opens.
func xpOpenServe(q worker.OpenRequest, open func() io.ReadCloser, progress func(read int64), sink export.FileSink) (worker.Opened, error) {
	q.Stream = sink != nil
	feed := worker.NewFeed(sink)
	reply := worker.Serve(q.Encode(), open, func(msg []byte) {
		if n, ok := worker.Progress(msg); ok && progress != nil {
			progress(n)
		} else if p, ok := worker.FilePiece(msg); ok && sink != nil {
			feed.Put(p)
		}
	})
	return feed.Reply(reply)
}

// xpOpenBytes is xpOpenRead of a file held in memory (a share's decrypted
// export).
func xpOpenBytes(_ context.Context, b []byte, q worker.OpenRequest) (worker.Opened, error) {
	q.Size = int64(len(b))
	return xpOpenServe(q, func() io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }, nil, nil)
}
