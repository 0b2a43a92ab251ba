package replica

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/syncproto"
)

// client makes the sync API's requests, signed with the device's key.
type client struct {
	http   fetch.Doer
	origin string             // scheme://host of the server, no slash at the end
	device ed25519.PrivateKey // nil for unsigned requests (create, join)
	now    func() time.Time
}

// ErrOffline wraps every failure to reach the server (no network, the
// server down or answering something that is not the sync API).
var ErrOffline = errors.New("replica: the server cannot be reached")

// maxAnswer bounds what is read of one answer (a pull page, a chunk).
const maxAnswer = 64 << 20

// do sends one request; out, when not nil, receives the JSON answer. A
// protocol error comes back as *syncproto.Error.
func (c *client) do(ctx context.Context, method, path string, body []byte, ctype string, out any) ([]byte, error) {
	h := map[string]string{"Cache-Control": "no-store"}
	if body != nil {
		h["Content-Type"] = ctype
	}
	if c.device != nil {
		h["Authorization"] = syncproto.SignRequest(c.device, method, path, c.now().Unix(), body)
	}
	// Same origin only, no cookies, no redirects: the sync API is the
	// page's own server's, and is never redirected.
	resp, err := c.http.Do(ctx, fetch.Request{Method: method, URL: c.origin + path, Header: h, Body: body, Limit: maxAnswer, SameOrigin: true})
	switch {
	case errors.Is(err, fetch.ErrTooLarge):
		return nil, fmt.Errorf("%w: answer too large", ErrOffline)
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %v", ErrOffline, err)
	}
	b := resp.Body
	if resp.Status/100 != 2 {
		var pe syncproto.Error
		if json.Unmarshal(b, &pe) == nil && pe.Code != "" {
			return nil, &pe
		}
		if resp.Status == http.StatusNotFound || resp.Status == http.StatusNotImplemented {
			return nil, &syncproto.Error{Code: syncproto.CodeUnavailable} // a server without sync
		}
		return nil, fmt.Errorf("%w: status %d", ErrOffline, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%w: unreadable answer", ErrOffline)
		}
	}
	return b, nil
}

func (c *client) json(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	_, err := c.do(ctx, method, path, body, "application/json", out)
	return err
}

// code returns the protocol error code of err, or "".
func code(err error) syncproto.Code {
	var pe *syncproto.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
