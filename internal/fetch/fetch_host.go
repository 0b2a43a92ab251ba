//go:build !(js && wasm)

package fetch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// HTTP returns a Doer that sends with c (tests: an httptest server's
// Client). Host only: the page has no net/http client.
func HTTP(c *http.Client) Doer { return client{c} }

type defaultDoer struct{}

func (defaultDoer) Do(ctx context.Context, r Request) (Response, error) {
	return client{http.DefaultClient}.Do(ctx, r)
}

type client struct{ c *http.Client }

var errRedirect = errors.New("fetch: redirected")

func (c client) Do(ctx context.Context, r Request) (Response, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method(), r.URL, body)
	if err != nil {
		return Response{}, errors.New("fetch: bad request")
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	hc := c.c
	if r.SameOrigin {
		// As the page's fetch with redirect "error" and credentials "omit".
		cc := *hc
		cc.Jar = nil
		cc.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }
		hc = &cc
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Response{}, ctx.Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return Response{}, err
	}
	defer resp.Body.Close()
	out := Response{Status: resp.StatusCode, Header: make(map[string]string, len(resp.Header))}
	for k, vs := range resp.Header {
		out.Header[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	limit := r.limit()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		return out, err
	}
	if int64(len(b)) > limit {
		return out, ErrTooLarge
	}
	out.Body = b
	return out, nil
}
