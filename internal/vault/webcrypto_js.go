//go:build js && wasm

package vault

import (
	"errors"
	"syscall/js"
)

// UseWebCrypto lets tests force the Go AES-GCM path for file chunks.
var useWebCrypto = true

// webKey is a non-extractable WebCrypto AES-GCM CryptoKey holding the same
// key as keys.aead. The zero value (no WebCrypto: an insecure context, an
// old browser) makes the batch methods report !ok, and callers fall back to
// Go. A CryptoKey cannot be wiped; Lock drops the reference.
type webKey struct{ key js.Value }

var (
	webSubtleAPI = webSubtle()
	uint8Array   = js.Global().Get("Uint8Array")
	promiseAll   = js.Global().Get("Promise")
	gcmName      = js.ValueOf("AES-GCM")
)

func webSubtle() js.Value {
	c := js.Global().Get("crypto")
	if c.Type() != js.TypeObject {
		return js.Undefined()
	}
	s := c.Get("subtle")
	if s.Type() != js.TypeObject {
		return js.Undefined()
	}
	return s
}

// importWebKey imports key (which the caller wipes afterwards). It awaits a
// promise, so it must not run inside a js.FuncOf callback.
func importWebKey(key []byte) webKey {
	if webSubtleAPI.IsUndefined() {
		return webKey{}
	}
	raw := toJS(key)
	defer raw.Call("fill", 0)
	p, err := callJS(webSubtleAPI, "importKey", "raw", raw, map[string]any{"name": "AES-GCM"}, false, []any{"encrypt", "decrypt"})
	if err != nil {
		return webKey{}
	}
	v, err := await(p)
	if err != nil || v.Type() != js.TypeObject {
		return webKey{}
	}
	return webKey{key: v}
}

func (w webKey) usable() bool { return useWebCrypto && w.key.Type() == js.TypeObject }

func toJS(b []byte) js.Value {
	a := uint8Array.New(len(b))
	if len(b) > 0 {
		js.CopyBytesToJS(a, b)
	}
	return a
}

// sealBatch encrypts every plaintext with one promise for the batch.
func (w webKey) sealBatch(ads, pts [][]byte) ([][]byte, bool) {
	if !w.usable() {
		return nil, false
	}
	nonces := randomBytes(nonceSize * len(pts))
	ps := make([]any, len(pts))
	for i, pt := range pts {
		params := map[string]any{"name": gcmName, "iv": toJS(nonces[i*nonceSize : (i+1)*nonceSize]), "additionalData": toJS(ads[i])}
		p, err := callJS(webSubtleAPI, "encrypt", params, w.key, toJS(pt))
		if err != nil {
			return nil, false
		}
		ps[i] = p
	}
	res, err := await(promiseAll.Call("all", ps))
	if err != nil {
		return nil, false
	}
	out := make([][]byte, len(pts))
	for i := range out {
		ct := uint8Array.New(res.Index(i))
		n := ct.Length()
		if n != len(pts[i])+tagSize {
			return nil, false
		}
		out[i] = make([]byte, nonceSize+n)
		copy(out[i], nonces[i*nonceSize:])
		js.CopyBytesToGo(out[i][nonceSize:], ct)
	}
	return out, true
}

// openBatch decrypts every value with one promise for the batch; a value
// that fails authentication gets ErrCorrupt.
func (w webKey) openBatch(dst, ads, sealed [][]byte) ([][]byte, []error, bool) {
	if !w.usable() {
		return nil, nil, false
	}
	errs := make([]error, len(sealed))
	ps := make([]any, len(sealed))
	for i, s := range sealed {
		if errs[i] = checkSealed(s); errs[i] != nil {
			ps[i] = nil
			continue
		}
		params := map[string]any{"name": gcmName, "iv": toJS(s[:nonceSize]), "additionalData": toJS(ads[i])}
		p, err := callJS(webSubtleAPI, "decrypt", params, w.key, toJS(s[nonceSize:]))
		if err != nil {
			return nil, nil, false
		}
		ps[i] = p
	}
	res, err := await(promiseAll.Call("allSettled", ps))
	if err != nil {
		return nil, nil, false
	}
	pts := make([][]byte, len(sealed))
	for i := range sealed {
		if errs[i] != nil {
			continue
		}
		r := res.Index(i)
		if r.Get("status").String() != "fulfilled" {
			errs[i] = ErrCorrupt
			continue
		}
		pt := uint8Array.New(r.Get("value"))
		n := pt.Length()
		var d []byte
		if i < len(dst) && cap(dst[i]) >= n {
			d = dst[i][:n]
		} else {
			d = make([]byte, n)
		}
		js.CopyBytesToGo(d, pt)
		pts[i] = d
	}
	return pts, errs, true
}

// callJS calls a method, turning a JS exception into an error.
func callJS(v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("vault: WebCrypto call failed")
		}
	}()
	return v.Call(method, args...), nil
}

// await waits for a promise. The callbacks only do a buffered send.
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
		ch <- result{err: errors.New("vault: WebCrypto promise rejected")}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	promise.Call("then", ok, fail)
	r := <-ch
	return r.v, r.err
}
