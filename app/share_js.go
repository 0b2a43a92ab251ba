//go:build js && wasm

package ui

import (
	"context"
	"strings"
	"syscall/js"
	"unsafe"

	"backpack/internal/jsutil"
)

// xpLocation returns the page's origin and its #fragment (with the '#').
// The fragment never reaches any server.
func xpLocation() (origin, hash string) {
	loc := js.Global().Get("location")
	return loc.Get("origin").String(), loc.Get("hash").String()
}

// xpDropFragment removes the #fragment (a share link's key) from the
// address bar and from this history entry, leaving the page as it is.
func xpDropFragment() {
	loc := js.Global().Get("location")
	h := js.Global().Get("history")
	h.Call("replaceState", h.Get("state"), "", loc.Get("pathname").String()+loc.Get("search").String())
}

// xpCopy puts text on the clipboard.
func xpCopy(text string) error {
	cb := js.Global().Get("navigator").Get("clipboard")
	if !cb.Truthy() {
		return errNoBrowser
	}
	_, err := jsutil.Await(context.Background(), cb.Call("writeText", text))
	return err
}

// xpResponse is a share API answer.
type xpResponse struct {
	Status     int
	Body       []byte
	RetryAfter string
}

// xpFetch makes one request to this origin's share API, or (a health link
// the person chose to open from another server) to that server: no
// credentials, no cache, no redirects, no referrer. Call it from a
// goroutine (ctx.Async).
func xpFetch(method, url string, body string, headers map[string]string) (xpResponse, error) {
	opts := js.Global().Get("Object").New()
	opts.Set("method", method)
	opts.Set("credentials", "omit")
	opts.Set("cache", "no-store")
	opts.Set("redirect", "error")
	opts.Set("referrerPolicy", "no-referrer")
	mode := "same-origin"
	if origin, _ := xpLocation(); strings.Contains(url, "://") && !strings.HasPrefix(url, origin+"/") {
		mode = "cors"
	}
	opts.Set("mode", mode)
	h := js.Global().Get("Object").New()
	for k, v := range headers {
		h.Set(k, v)
	}
	opts.Set("headers", h)
	if body != "" {
		a := js.Global().Get("Uint8Array").New(len(body))
		js.CopyBytesToJS(a, unsafe.Slice(unsafe.StringData(body), len(body)))
		opts.Set("body", a)
	}
	res, err := jsutil.Await(context.Background(), js.Global().Call("fetch", url, opts))
	if err != nil {
		return xpResponse{}, err
	}
	out := xpResponse{Status: res.Get("status").Int()}
	if ra := res.Get("headers").Call("get", "Retry-After"); ra.Type() == js.TypeString {
		out.RetryAfter = ra.String()
	}
	buf, err := jsutil.Await(context.Background(), res.Call("arrayBuffer"))
	if err != nil {
		return out, err
	}
	u8 := js.Global().Get("Uint8Array").New(buf)
	out.Body = make([]byte, u8.Get("byteLength").Int())
	js.CopyBytesToGo(out.Body, u8)
	return out, nil
}
