//go:build js && wasm

package export

import (
	"context"
	"syscall/js"

	"backpack/internal/jsutil"
)

// webIterHash hashes data repeated to count bytes with WebCrypto's
// SHA-256 (one-shot: the repeated bytes are built in one JS buffer, 16 MiB
// for the usual count). ok is false without WebCrypto.
func webIterHash(data []byte, count int) (sum []byte, ok bool) {
	if !useWebHash || count > 1<<26 {
		return nil, false
	}
	c := js.Global().Get("crypto")
	if c.Type() != js.TypeObject || c.Get("subtle").Type() != js.TypeObject {
		return nil, false
	}
	defer func() {
		if recover() != nil {
			sum, ok = nil, false
		}
	}()
	buf := js.Global().Get("Uint8Array").New(count)
	defer buf.Call("fill", 0)
	js.CopyBytesToJS(buf, data[:min(len(data), count)])
	for n := len(data); n < count; n *= 2 {
		buf.Call("copyWithin", n, 0, min(n, count-n))
	}
	v, err := jsutil.Await(context.Background(), c.Get("subtle").Call("digest", "SHA-256", buf))
	if err != nil {
		return nil, false
	}
	out := js.Global().Get("Uint8Array").New(v)
	sum = make([]byte, out.Length())
	js.CopyBytesToGo(sum, out)
	return sum, len(sum) == 32
}
