//go:build js && wasm

package jsutil

import (
	"context"
	"io"
	"syscall/js"
)

// BlobReader streams a Blob's (or File's) bytes without loading it whole.
// Read must not be called from inside a js.FuncOf callback.
func BlobReader(blob js.Value) io.ReadCloser {
	return &streamReader{reader: blob.Call("stream").Call("getReader")}
}

// streamReader reads a ReadableStream chunk by chunk.
type streamReader struct {
	reader js.Value
	buf    []byte
	done   bool
}

func (r *streamReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		res, err := Await(context.Background(), r.reader.Call("read"))
		if err != nil {
			return 0, err
		}
		if res.Get("done").Bool() {
			r.done = true
			continue
		}
		chunk := res.Get("value")
		b := make([]byte, chunk.Get("byteLength").Int())
		js.CopyBytesToGo(b, chunk)
		r.buf = b
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *streamReader) Close() error {
	if !r.done {
		r.reader.Call("cancel")
		r.done = true
	}
	return nil
}
