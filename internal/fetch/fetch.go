// Package fetch makes the page's HTTP requests: the browser's fetch in the
// page (js/wasm), net/http on the host, behind one small API of whole
// bodies (method, URL, headers, body → status, headers, body).
//
// The page does not use net/http's client: its Transport keeps crypto/tls,
// crypto/x509 and the HTTP/2 client in the module (about 0.65 MB of brotli
// of app.wasm), though in the browser every request goes through fetch
// anyway. cmd/backpack's TestWasmHasNoTLSClient keeps it that way.
package fetch

import (
	"context"
	"errors"
	"strings"
)

// Request is one request.
type Request struct {
	Method string // "" is GET
	URL    string // absolute: this origin's or another's
	Header map[string]string
	Body   []byte
	// Limit is the most bytes of the answer's body read; a longer body is
	// ErrTooLarge. 0 is DefaultLimit.
	Limit int64
	// SameOrigin sends the request to the page's own origin only, without
	// cookies, and makes a redirect an error (the sync API). Otherwise
	// redirects are followed, and cookies go to the page's origin only
	// (the browser's defaults).
	SameOrigin bool
}

// DefaultLimit bounds an answer's body when the request does not say.
const DefaultLimit = 1 << 20

// Response is an answer: its status, its headers (names in lower case,
// repeated ones joined with ", " as the Fetch API does) and its body.
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Get returns the header named name (any case), or "".
func (r Response) Get(name string) string { return r.Header[strings.ToLower(name)] }

// Doer sends requests. An error with a zero Response means no answer came
// (no network, refused, cancelled: ctx's error); an error with a Status
// means the answer's body could not be read whole (ErrTooLarge, or the
// connection dropped). Errors never hold the URL.
type Doer interface {
	Do(ctx context.Context, r Request) (Response, error)
}

// Default sends with the browser's fetch in the page and with net/http's
// DefaultClient on the host.
var Default Doer = defaultDoer{}

// ErrTooLarge is an answer whose body is longer than the request's Limit.
var ErrTooLarge = errors.New("fetch: answer too large")

func (r Request) method() string {
	if r.Method == "" {
		return "GET"
	}
	return r.Method
}

func (r Request) limit() int64 {
	if r.Limit <= 0 {
		return DefaultLimit
	}
	return r.Limit
}
