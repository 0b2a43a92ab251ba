//go:build js && wasm

package fetch

import (
	"context"
	"errors"
	"slices"
	"syscall/js"

	"backpack/internal/jsutil"
)

type defaultDoer struct{}

// errNoAnswer is every rejected fetch: the browser's message can hold the
// URL, which can hold health data (a FHIR query), so it is dropped.
var errNoAnswer = errors.New("fetch: no answer")

func (defaultDoer) Do(ctx context.Context, r Request) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	opts := js.Global().Get("Object").New()
	opts.Set("method", r.method())
	if r.SameOrigin {
		opts.Set("mode", "same-origin")
		opts.Set("credentials", "omit")
		opts.Set("redirect", "error")
	}
	if len(r.Header) > 0 {
		h := js.Global().Get("Object").New()
		for k, v := range r.Header {
			h.Set(k, v)
		}
		opts.Set("headers", h)
	}
	if r.Body != nil {
		a := js.Global().Get("Uint8Array").New(len(r.Body))
		js.CopyBytesToJS(a, r.Body)
		opts.Set("body", a)
	}
	// Cancelling ctx aborts the request (and a body being read), not only
	// the wait for it.
	ac := js.Global().Get("AbortController").New()
	opts.Set("signal", ac.Get("signal"))
	stop := context.AfterFunc(ctx, func() { ac.Call("abort") })
	defer stop()

	res, err := jsutil.Await(ctx, js.Global().Call("fetch", r.URL, opts))
	if err != nil {
		return Response{}, failed(ctx)
	}
	out := Response{Status: res.Get("status").Int(), Header: map[string]string{}}
	it := res.Get("headers").Call("entries")
	for {
		n := it.Call("next")
		if n.Get("done").Bool() {
			break
		}
		kv := n.Get("value")
		out.Header[kv.Index(0).String()] = kv.Index(1).String() // lower case, joined, as fetch gives them
	}
	body := res.Get("body")
	if body.IsNull() || body.IsUndefined() {
		return out, nil
	}
	// Read the stream chunk by chunk so that a body over the limit is
	// never held whole.
	rd := body.Call("getReader")
	limit := r.limit()
	var b []byte
	for {
		chunk, err := jsutil.Await(ctx, rd.Call("read"))
		if err != nil {
			return out, failed(ctx)
		}
		if chunk.Get("done").Bool() {
			break
		}
		v := chunk.Get("value")
		n := v.Get("byteLength").Int()
		if int64(len(b)+n) > limit {
			rd.Call("cancel")
			return out, ErrTooLarge
		}
		b = slices.Grow(b, n)[:len(b)+n]
		js.CopyBytesToGo(b[len(b)-n:], v)
	}
	out.Body = b
	return out, nil
}

func failed(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errNoAnswer
}
