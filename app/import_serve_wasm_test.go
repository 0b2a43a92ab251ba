//go:build js && wasm

// The tests read files through the worker's messages in the browser too;
// the page's module itself never links the jobs (internal/worker/jobs).
package ui

import (
	"io"

	"backpack/internal/importer"
	"backpack/internal/worker"
	"backpack/internal/worker/jobs"
)

// importParse reads one file as the page's worker does, through the same
// messages (internal/worker), in this process: the host's importRead, which
// the tests use. size is the file's size as the browser reports it (a
// larger file is refused without reading); progress, when set, is called
// with the bytes read so far.
func importParse(name string, size int64, open func() io.ReadCloser, keys importer.JWKS, progress func(read int64)) (importer.Result, error) {
	p, err := importServe(name, size, open, keys, progress)
	return p.Result, err
}

func importServe(name string, size int64, open func() io.ReadCloser, keys importer.JWKS, progress func(read int64)) (worker.Parsed, error) {
	q := worker.ImportRequest{Name: name, Size: size, Keys: keys}
	reply := jobs.Serve(q.Encode(), open, func(msg []byte) {
		if n, ok := worker.Progress(msg); ok && progress != nil {
			progress(n)
		}
	})
	p, err := worker.ImportReply(reply)
	return importParsed(name, p, err)
}
