//go:build js && wasm

package vault

import (
	"context"
	"errors"
	"strconv"
	"syscall/js"

	"backpack/internal/jsutil"
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
	p, err := jsutil.Call(webSubtleAPI, "importKey", "raw", raw, map[string]any{"name": "AES-GCM"}, false, []any{"encrypt", "decrypt"})
	if err != nil {
		return webKey{}
	}
	v, err := jsutil.Await(context.Background(), p)
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

// Batches cross from Go into JavaScript a constant number of times, not a
// few times per value: a content security policy without 'unsafe-eval'
// allows no JavaScript helper, so the loop is built from built-ins.
//
//   - The values are copied into one Uint8Array (large ones, like file
//     chunks, one by one), and Array.from over a JSON list of [start, end]
//     pairs with Function.prototype.apply.bind(subarray, buffer) makes
//     every view in one call.
//   - One params object serves every call: its iv and additionalData are
//     getters bound to Array.prototype.pop of the (reversed) view lists.
//     WebCrypto reads its parameters synchronously, once per call (Web
//     IDL dictionary conversion), so call i gets view i; both lists must
//     be empty afterwards or the batch is refused, and the last sealed
//     value is opened again with Go when small (a cheap check that each
//     nonce went with its value).
//   - Array.from(data views, Function.prototype.call.bind(subtle.encrypt,
//     subtle, params, key)) issues every call, and Promise.all settles them.
//
// Copying the results back still costs two calls into JavaScript per
// value, and Chromium some 15 µs per call. In all (BenchmarkBatch) a
// 1.5 KiB value takes about 60% of the time of Go's AES-GCM, 3 KiB about
// 40%, a file chunk a few percent; below about 1 KiB (webMinBytes) Go is
// faster.

// webOneByOne is the average value size from which values are copied to
// JavaScript one by one rather than through one shared buffer (which costs
// a copy in Go).
const webOneByOne = 64 << 10

// webSpan is a byte range of one of a batch's buffers.
type webSpan struct{ off, n int }

var (
	jsArrayFrom   = js.Global().Get("Array").Get("from")
	jsArrayPop    = js.Global().Get("Array").Get("prototype").Get("pop")
	jsJSONParse   = js.Global().Get("JSON").Get("parse")
	jsDefine      = js.Global().Get("Object").Get("defineProperty")
	jsObject      = js.Global().Get("Object")
	jsApply       = js.Global().Get("Function").Get("prototype").Get("apply")
	jsCall        = js.Global().Get("Function").Get("prototype").Get("call")
	jsSubarray    = uint8Array.Get("prototype").Get("subarray")
	errWebRefused = errors.New("vault: WebCrypto batch refused")
)

// jsViews returns a JS array of views of buf (a Uint8Array), in reverse
// order when rev is set, made in one call.
func jsViews(buf js.Value, spans []webSpan, rev bool) (js.Value, error) {
	b := make([]byte, 0, 2+len(spans)*16)
	b = append(b, '[')
	for j := range spans {
		sp := spans[j]
		if rev {
			sp = spans[len(spans)-1-j]
		}
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(sp.off), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(sp.off+sp.n), 10)
		b = append(b, ']')
	}
	b = append(b, ']')
	var out js.Value
	err := jsutil.Catch(func() {
		sub := jsApply.Call("bind", jsSubarray, buf)
		out = jsArrayFrom.Invoke(jsJSONParse.Invoke(string(b)), sub)
	})
	return out, err
}

// webBatch is one batch's inputs in JavaScript: ivs and ads (views of one
// small buffer) and the data values.
type webBatch struct {
	n              int
	ivs, ads, data js.Value // JS arrays; ivs and ads reversed
}

// newWebBatch copies a batch to JavaScript. iv(i), ad(i) and data(i) give
// each value's parts.
func newWebBatch(n int, iv, ad, data func(i int) []byte) (*webBatch, error) {
	small := make([]byte, 0, n*(nonceSize+64))
	ivSpans, adSpans := make([]webSpan, n), make([]webSpan, n)
	total := 0
	for i := range n {
		ivSpans[i] = webSpan{len(small), len(iv(i))}
		small = append(small, iv(i)...)
		adSpans[i] = webSpan{len(small), len(ad(i))}
		small = append(small, ad(i)...)
		total += len(data(i))
	}
	jsSmall := toJS(small)
	wb := &webBatch{n: n}
	var err error
	if wb.ivs, err = jsViews(jsSmall, ivSpans, true); err != nil {
		return nil, err
	}
	if wb.ads, err = jsViews(jsSmall, adSpans, true); err != nil {
		return nil, err
	}
	if n > 0 && total/n >= webOneByOne {
		vals := make([]any, n)
		for i := range n {
			vals[i] = toJS(data(i))
		}
		wb.data = js.ValueOf(vals)
		return wb, nil
	}
	all := make([]byte, 0, total)
	spans := make([]webSpan, n)
	for i := range n {
		spans[i] = webSpan{len(all), len(data(i))}
		all = append(all, data(i)...)
	}
	jsAll := toJS(all)
	wipe(all) // plaintexts, when sealing
	wb.data, err = jsViews(jsAll, spans, false)
	return wb, err
}

// run calls subtle[method] once per value and awaits Promise[combine] of
// the calls.
func (w webKey) run(method, combine string, wb *webBatch) (js.Value, error) {
	var ps js.Value
	err := jsutil.Catch(func() {
		params := jsObject.New()
		params.Set("name", gcmName)
		jsDefine.Invoke(params, "iv", map[string]any{"get": jsArrayPop.Call("bind", wb.ivs)})
		jsDefine.Invoke(params, "additionalData", map[string]any{"get": jsArrayPop.Call("bind", wb.ads)})
		fn := jsCall.Call("bind", webSubtleAPI.Get(method), webSubtleAPI, params, w.key)
		ps = jsArrayFrom.Invoke(wb.data, fn)
	})
	if err != nil {
		return js.Value{}, err
	}
	if wb.ivs.Length() != 0 || wb.ads.Length() != 0 || ps.Length() != wb.n {
		return js.Value{}, errWebRefused
	}
	return jsutil.Await(context.Background(), promiseAll.Call(combine, ps))
}

// copyOut copies a result ArrayBuffer of len(dst) bytes into dst,
// reporting whether it has exactly that many.
func copyOut(dst []byte, ab js.Value) bool {
	u := uint8Array.New(ab)
	return u.Length() == len(dst) && js.CopyBytesToGo(dst, u) == len(dst)
}

// sealBatch encrypts every plaintext, all awaited together.
func (w webKey) sealBatch(ads, pts [][]byte) ([][]byte, bool) {
	if !w.usable() {
		return nil, false
	}
	n := len(pts)
	nonces := randomBytes(nonceSize * n)
	wb, err := newWebBatch(n,
		func(i int) []byte { return nonces[i*nonceSize : (i+1)*nonceSize] },
		func(i int) []byte { return ads[i] },
		func(i int) []byte { return pts[i] })
	if err != nil {
		return nil, false
	}
	res, err := w.run("encrypt", "all", wb)
	if err != nil {
		return nil, false
	}
	out := make([][]byte, n)
	for i := range out {
		m := len(pts[i]) + tagSize
		out[i] = make([]byte, nonceSize+m)
		copy(out[i], nonces[i*nonceSize:])
		if !copyOut(out[i][nonceSize:], res.Index(i)) {
			return nil, false
		}
	}
	return out, true
}

// openBatch decrypts every value, all awaited together; a value that fails
// authentication gets ErrCorrupt. Promise.all settles a large batch with
// the fewest calls into JavaScript; when it rejects, the batch runs again
// under Promise.allSettled to tell which values failed.
func (w webKey) openBatch(dst, ads, sealed [][]byte) ([][]byte, []error, bool) {
	if !w.usable() {
		return nil, nil, false
	}
	n := len(sealed)
	errs := make([]error, n)
	var idx []int // the values passed to WebCrypto
	for i, s := range sealed {
		if errs[i] = checkSealed(s); errs[i] == nil {
			idx = append(idx, i)
		}
	}
	batch := func() (*webBatch, error) {
		return newWebBatch(len(idx),
			func(j int) []byte { return sealed[idx[j]][:nonceSize] },
			func(j int) []byte { return ads[idx[j]] },
			func(j int) []byte { return sealed[idx[j]][nonceSize:] })
	}
	wb, err := batch()
	if err != nil {
		return nil, nil, false
	}
	// A small batch (file chunks, where a guessed final flag can be wrong)
	// is settled value by value at once; a large one runs again only when
	// some value fails.
	settled := len(idx) <= 16
	combine := "all"
	if settled {
		combine = "allSettled"
	}
	res, err := w.run("decrypt", combine, wb)
	if err != nil && !settled {
		if wb, err = batch(); err != nil {
			return nil, nil, false
		}
		res, err = w.run("decrypt", "allSettled", wb)
		settled = true
	}
	if err != nil {
		return nil, nil, false
	}
	pts := make([][]byte, n)
	for j, i := range idx {
		r := res.Index(j)
		if settled {
			if r.Get("status").String() != "fulfilled" {
				errs[i] = ErrCorrupt
				continue
			}
			r = r.Get("value")
		}
		m := len(sealed[i]) - overhead
		var d []byte
		if i < len(dst) && cap(dst[i]) >= m {
			d = dst[i][:m]
		} else {
			d = make([]byte, m)
		}
		if !copyOut(d, r) {
			return nil, nil, false
		}
		pts[i] = d
	}
	return pts, errs, true
}
