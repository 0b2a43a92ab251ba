//go:build js && wasm

package export

import (
	"context"
	"crypto/sha256"
	"errors"
	"syscall/js"

	"backpack/internal/jsutil"
)

// webHashMax is the largest file hashed by WebCrypto: its digest is
// one-shot, so the bytes are gathered in one JS buffer first (a copy of
// one file at a time). Larger files, and browsers without WebCrypto, use
// Go's SHA-256, which in wasm is about ten times slower.
const webHashMax = 64 << 20

// useWebHash lets tests force the Go path.
var useWebHash = true

func newFileHash(size int64) fileHash {
	if !useWebHash || size <= 0 || size > webHashMax {
		return newGoHash()
	}
	c := js.Global().Get("crypto")
	if c.Type() != js.TypeObject || c.Get("subtle").Type() != js.TypeObject {
		return newGoHash()
	}
	return &webHash{buf: js.Global().Get("Uint8Array").New(int(size)), size: int(size)}
}

// webHash gathers a file's bytes in a JS buffer of its expected size and
// digests them with WebCrypto. When more bytes come than expected, it
// goes on in Go (the caller then reports the size mismatch anyway).
type webHash struct {
	buf  js.Value
	size int
	n    int
	over fileHash // the Go hash, once the bytes overflowed
}

func (w *webHash) Write(p []byte) (int, error) {
	if w.over != nil {
		return w.over.Write(p)
	}
	if w.n+len(p) > w.size {
		w.over = newGoHash()
		w.over.Write(w.bytes())
		return w.over.Write(p)
	}
	js.CopyBytesToJS(w.buf.Call("subarray", w.n, w.n+len(p)), p)
	w.n += len(p)
	return len(p), nil
}

// bytes copies what was gathered back to Go.
func (w *webHash) bytes() []byte {
	b := make([]byte, w.n)
	js.CopyBytesToGo(b, w.buf.Call("subarray", 0, w.n))
	return b
}

func (w *webHash) Sum() []byte {
	if w.over != nil {
		return w.over.Sum()
	}
	if sum, err := w.digest(); err == nil {
		return sum
	}
	s := sha256.Sum256(w.bytes())
	return s[:]
}

func (w *webHash) digest() ([]byte, error) {
	p, err := jsutil.Call(js.Global().Get("crypto").Get("subtle"), "digest", "SHA-256", w.buf.Call("subarray", 0, w.n))
	if err != nil {
		return nil, err
	}
	v, err := jsutil.Await(context.Background(), p)
	if err != nil {
		return nil, err
	}
	out := js.Global().Get("Uint8Array").New(v)
	sum := make([]byte, out.Length())
	js.CopyBytesToGo(sum, out)
	if len(sum) != sha256.Size {
		return nil, errors.New("export: WebCrypto digest has the wrong size")
	}
	return sum, nil
}
