//go:build js && wasm

package seipd

import (
	"crypto/cipher"
	"errors"
	"syscall/js"
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
	p, err := call(subtle, "importKey", "raw", raw, map[string]any{"name": "AES-CBC"}, false, []any{"encrypt"})
	if err != nil {
		return w
	}
	k, err := await(p)
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
	p, err := call(js.Global().Get("crypto").Get("subtle"), "encrypt", w.alg, w.key, data)
	if err == nil {
		during()
		var res js.Value
		if res, err = await(p); err == nil {
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

func call(v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("seipd: WebCrypto call failed")
		}
	}()
	return v.Call(method, args...), nil
}

// await waits for a promise; it must not run inside a js.FuncOf callback.
func await(promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: errors.New("seipd: WebCrypto promise rejected")}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	promise.Call("then", ok, fail)
	r := <-ch
	return r.v, r.err
}
