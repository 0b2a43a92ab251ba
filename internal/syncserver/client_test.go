//go:build !wasm

package syncserver

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"backpack/internal/syncproto"
)

// client is a test device speaking the protocol over HTTP as the app does.
type client struct {
	base   string // server URL
	hc     *http.Client
	dev    ed25519.PrivateKey
	vault  ed25519.PrivateKey // the vault key, once the device has it
	id     string
	chain  *syncproto.Chain
	now    func() time.Time
	last   *http.Request // the last request sent, for replays
	lastBd []byte
}

func newDevice(base string, hc *http.Client) *client {
	_, dev, _ := ed25519.GenerateKey(nil)
	return &client{base: base, hc: hc, dev: dev, now: time.Now}
}

// httpError is a non-2xx answer.
type httpError struct {
	status int
	body   syncproto.Error
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d %s", e.status, e.body.Code) }

func statusOf(err error) int {
	var h *httpError
	if errors.As(err, &h) {
		return h.status
	}
	return 0
}

func codeOf(err error) syncproto.Code {
	var h *httpError
	if errors.As(err, &h) {
		return h.body.Code
	}
	return ""
}

// do sends a request (signed unless sign is false), decoding a JSON answer
// into out (or raw bytes into *[]byte).
func (c *client) do(method, path string, in any, out any, sign bool) error {
	var body []byte
	switch v := in.(type) {
	case nil:
	case []byte:
		body = v
	default:
		body, _ = json.Marshal(v)
	}
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if sign {
		req.Header.Set("Authorization", syncproto.SignRequest(c.dev, method, path, c.now().Unix(), body))
	}
	c.last, c.lastBd = req, body
	return c.send(req, out)
}

func (c *client) send(req *http.Request, out any) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		e := &httpError{status: resp.StatusCode}
		json.Unmarshal(b, &e.body)
		return e
	}
	switch o := out.(type) {
	case nil:
	case *[]byte:
		*o = b
	default:
		return json.Unmarshal(b, out)
	}
	return nil
}

// replay sends the last request again, byte for byte.
func (c *client) replay(out any) error {
	req, _ := http.NewRequest(c.last.Method, c.last.URL.String(), bytes.NewReader(c.lastBd))
	req.Header = c.last.Header.Clone()
	return c.send(req, out)
}

// create registers a new vault with this device.
func (c *client) create() (syncproto.Info, error) {
	_, c.vault, _ = ed25519.GenerateKey(nil)
	var info syncproto.Info
	err := c.do("POST", syncproto.VaultsPath(), syncproto.NewCreate(c.vault, c.dev), &info, false)
	c.id = syncproto.VaultID(c.vault.Public().(ed25519.PublicKey))
	c.chain = syncproto.NewChain(c.vault.Public().(ed25519.PublicKey))
	return info, err
}

// pair adds device d to c's vault through an enrollment, as the QR code does.
func (c *client) pair(d *client) error {
	secret := make([]byte, 32)
	copy(secret, fmt.Sprint(time.Now().UnixNano()))
	ek := syncproto.EnrollKey(secret)
	if err := c.do("POST", syncproto.EnrollPath(c.id), syncproto.Enroll{EnrollKey: ek.Public().(ed25519.PublicKey)}, nil, true); err != nil {
		return err
	}
	var info syncproto.Info
	if err := d.do("POST", syncproto.DevicesPath(c.id), syncproto.NewJoin(c.id, secret, d.dev), &info, false); err != nil {
		return err
	}
	if syncproto.VaultID(info.VaultKey) != c.id {
		return errors.New("server gave another vault key")
	}
	d.id, d.vault = c.id, c.vault // the vault key arrives through the passphrase, not the server
	d.chain = syncproto.NewChain(info.VaultKey)
	return nil
}

// push sends envelopes on the chain's head.
func (c *client) push(envs []syncproto.Envelope) error {
	p := c.chain.Push(c.vault, envs)
	var r syncproto.PushResult
	if err := c.do("POST", syncproto.LogPath(c.id), p, &r, true); err != nil {
		return err
	}
	return c.chain.Accept(p, r)
}

// pull fetches and verifies everything new.
func (c *client) pull() ([]syncproto.Entry, error) {
	var all []syncproto.Entry
	for {
		var p syncproto.Pull
		if err := c.do("GET", syncproto.PullPath(c.id, c.chain.Seq, 0), nil, &p, true); err != nil {
			return all, err
		}
		if err := c.chain.Verify(p); err != nil {
			return all, err
		}
		all = append(all, p.Entries...)
		if !p.More {
			return all, nil
		}
	}
}

// sync pushes envs, pulling and retrying while another device got there first.
func (c *client) sync(envs []syncproto.Envelope) error {
	for range 100 {
		err := c.push(envs)
		if codeOf(err) != syncproto.CodeConflict {
			return err
		}
		if _, err := c.pull(); err != nil {
			return err
		}
	}
	return errors.New("push kept conflicting")
}
