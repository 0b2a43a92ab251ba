//go:build js && wasm

package seipd

import (
	"context"
	"crypto/cipher"
	"syscall/js"

	"backpack/internal/jsutil"
)

// webCBC runs AES-CBC in WebCrypto (natively, on the browser's own
// threads), falling back to crypto/cipher when WebCrypto is missing (an
// insecure context) or a call fails. Both compute the same bytes.
type webCBC struct {
	key  js.Value // AES-CBC CryptoKey, or undefined
	alg  js.Value // {name: "AES-CBC", iv}
	iv   js.Value // Uint8Array(16)
	data js.Value // Uint8Array(chunk), reused for every call
	gob  goCBC
}

// useWebCrypto lets tests force the Go path.
var useWebCrypto = true

func newCBC(b cipher.Block, key []byte) cbcEncrypter {
	w := &webCBC{gob: goCBC{b}}
	if !useWebCrypto {
		return w
	}
	c := js.Global().Get("crypto")
	if c.Type() != js.TypeObject || c.Get("subtle").Type() != js.TypeObject {
		return w
	}
	subtle := c.Get("subtle")
	raw := js.Global().Get("Uint8Array").New(len(key))
	js.CopyBytesToJS(raw, key)
	defer raw.Call("fill", 0)
	p, err := jsutil.Call(subtle, "importKey", "raw", raw, map[string]any{"name": "AES-CBC"}, false, []any{"encrypt"})
	if err != nil {
		return w
	}
	k, err := jsutil.Await(context.Background(), p)
	if err != nil || k.Type() != js.TypeObject {
		return w
	}
	w.key = k
	w.iv = js.Global().Get("Uint8Array").New(blockSize)
	w.alg = js.ValueOf(map[string]any{"name": "AES-CBC", "iv": w.iv})
	w.data = js.Global().Get("Uint8Array").New(chunk)
	return w
}

func (w *webCBC) cbc(dst, src, iv []byte, during func()) error {
	if w.key.Type() != js.TypeObject {
		return w.gob.cbc(dst, src, iv, during)
	}
	js.CopyBytesToJS(w.iv, iv)
	data := w.data.Call("subarray", 0, len(src))
	js.CopyBytesToJS(data, src)
	p, err := jsutil.Call(js.Global().Get("crypto").Get("subtle"), "encrypt", w.alg, w.key, data)
	if err == nil {
		during()
		var res js.Value
		if res, err = jsutil.Await(context.Background(), p); err == nil {
			out := js.Global().Get("Uint8Array").New(res, 0, len(src))
			if js.CopyBytesToGo(dst, out) == len(src) {
				return nil
			}
		}
	}
	// Go computes the same bytes.
	w.key = js.Undefined()
	return w.gob.cbc(dst, src, iv, during)
}

func usedWebCrypto(e cbcEncrypter) bool {
	w, ok := e.(*webCBC)
	return ok && w.key.Type() == js.TypeObject
}
