//go:build !(js && wasm)

package share

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
)

// HTTPDoer sends share requests with c (nil: a client of its own) without
// following redirects or keeping cookies. Host only (tests, tools): the
// wasm app passes the browser's fetch.
func HTTPDoer(c *http.Client) Doer {
	if c == nil {
		c = &http.Client{}
	}
	cc := *c
	cc.Jar = nil
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return func(ctx context.Context, r Request) (Response, error) {
		var body io.Reader
		if r.Body != nil {
			body = bytes.NewReader(r.Body)
		}
		req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
		if err != nil {
			return Response{}, err
		}
		for k, v := range r.Header {
			req.Header.Set(k, v)
		}
		res, err := cc.Do(req)
		if err != nil {
			return Response{}, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(io.LimitReader(res.Body, MaxManifest+1))
		if err != nil {
			return Response{}, err
		}
		if len(b) > MaxManifest {
			return Response{}, errors.New("share: answer too large")
		}
		return Response{Status: res.StatusCode, Body: b, ContentType: res.Header.Get("Content-Type"), RetryAfter: res.Header.Get("Retry-After")}, nil
	}
}
