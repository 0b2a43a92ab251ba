package share

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// SMART Health Links manifest protocol
// (https://docs.smarthealthit.org/smart-health-links/spec), both halves.
//
// A link without the "U" flag points at a manifest URL. The receiver POSTs
// a ManifestRequest (application/json) to it and gets a Manifest: a list of
// files, each a compact JWE under the link's key, either embedded or at a
// short-lived location the receiver GETs (application/jose). A link with
// "P" needs a passcode in the request; the server checks it against a slow
// hash, counts wrong ones over the link's lifetime and answers 401 with
// {"remainingAttempts": n}. The passcode decrypts nothing: the key is only
// in the link.
//
// Backpack's own server keeps manifest links under LinkPath:
//
//	POST   /api/shl        NewLink (owner)  → 201 Created {id, manageToken, expires}
//	POST   /api/shl/{id}   ManifestRequest  → 200 Manifest | 401 PasscodeError | 404
//	PUT    /api/shl/{id}   LinkUpdate (owner, Bearer manageToken) → 200 LinkStatus
//	GET    /api/shl/{id}   (owner, Bearer manageToken) → 200 LinkStatus
//	DELETE /api/shl/{id}   (owner, Bearer manageToken) → 204
//	GET    /api/shl/{id}/file/{n}?t={ticket}  → the JWE, application/jose
//
// The id is 32 random bytes in base64url (43 characters): a manifest URL
// carries 256 bits of entropy, as the specification asks.
const (
	LinkPath = "/api/shl"

	ContentTypeSHC       = "application/smart-health-card"
	ContentTypeFHIR      = "application/fhir+json"
	ContentTypeAPIAccess = "application/smart-api-access"
	ContentTypeJSON      = "application/json"

	// LinkIDLen is the length of a manifest link id.
	LinkIDLen = 43
	// LocationTTL is how long a manifest's file locations work (the
	// specification allows at most an hour).
	LocationTTL = 5 * time.Minute
	// MaxLinkTTL is the longest life of a manifest link (a wallet card).
	MaxLinkTTL = 5 * 365 * 24 * time.Hour
	// MaxPasscodeLen bounds a passcode in bytes.
	MaxPasscodeLen = 256
	// MaxRecipientLen bounds the recipient text of a manifest request.
	MaxRecipientLen = 256
	// MaxManifestFiles bounds the files of one manifest.
	MaxManifestFiles = 64
	// MaxManifest bounds a manifest answer, embedded files included.
	MaxManifest = 128 << 20
	// DefaultAttempts is how many wrong passcodes a link takes over its
	// lifetime before the server disables it.
	DefaultAttempts = 10
)

// ManifestRequest is the body of a manifest request.
type ManifestRequest struct {
	Recipient         string `json:"recipient"`
	Passcode          string `json:"passcode,omitempty"`
	EmbeddedLengthMax int    `json:"embeddedLengthMax,omitempty"`
}

// Manifest is a manifest answer.
type Manifest struct {
	Files []ManifestFile `json:"files"`
}

// ManifestFile is one file of a manifest: Embedded or Location is set.
type ManifestFile struct {
	ContentType string `json:"contentType"`
	Location    string `json:"location,omitempty"`
	Embedded    string `json:"embedded,omitempty"`
	LastUpdated string `json:"lastUpdated,omitempty"` // RFC 3339
}

// PasscodeError is a 401 answer to a manifest request: no passcode or a
// wrong one. Remaining is how many more wrong passcodes the link takes.
type PasscodeError struct{ Remaining int }

func (e *PasscodeError) Error() string {
	return fmt.Sprintf("share: wrong passcode (%d attempts left)", e.Remaining)
}

// ErrPasscodeNeeded is returned by Open for a "P" link opened without a
// passcode; nothing was sent.
var ErrPasscodeNeeded = errors.New("share: link needs a passcode")

// Owner side of Backpack's manifest links.

// NewLink is the body of POST /api/shl: the first version of the files, a
// passcode (empty for none) and a lifetime in seconds (0 → the server's
// default; longer than the server allows → its longest).
type NewLink struct {
	Files    []LinkFile `json:"files"`
	Passcode string     `json:"passcode,omitempty"`
	TTL      int64      `json:"ttl,omitempty"`
}

// LinkUpdate is the body of PUT /api/shl/{id}: the files now. The link,
// its key and its passcode stay the same.
type LinkUpdate struct {
	Files []LinkFile `json:"files"`
}

// LinkFile is one encrypted file as the owner uploads it.
type LinkFile struct {
	ContentType string `json:"contentType"`
	JWE         string `json:"jwe"`
}

// LinkStatus is what the owner can learn of a manifest link.
type LinkStatus struct {
	Expires           time.Time `json:"expires"`
	Updated           time.Time `json:"updated"`
	Passcode          bool      `json:"passcode"`
	RemainingAttempts int       `json:"remainingAttempts"`
	Disabled          bool      `json:"disabled"` // too many wrong passcodes
}

// Request is one HTTP request of the receiving side; a Doer sends it (the
// browser's fetch in the app, net/http in tests and tools).
type Request struct {
	Method string
	URL    string
	Body   []byte
	Header map[string]string
}

// Response is what a Doer got back.
type Response struct {
	Status      int
	Body        []byte
	ContentType string
	RetryAfter  string
}

// Doer sends one request. It must not follow redirects or send cookies.
type Doer func(ctx context.Context, r Request) (Response, error)

// File is one decrypted file of a link.
type File struct {
	ContentType string // from the manifest (a "U" link: the JWE's cty)
	Data        []byte
	LastUpdated time.Time
}

// Open resolves a link and decrypts its files: a "U" link by GET url?recipient=…,
// any other by a manifest request and then each file (embedded, or fetched
// from its location). A "P" link needs passcode. A wrong passcode is a
// *PasscodeError; server refusals are *APIError (404: gone).
func Open(ctx context.Context, do Doer, l Link, recipient, passcode string) ([]File, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if l.Has(FlagDirect) {
		u, err := withQuery(l.URL, "recipient", recipient)
		if err != nil {
			return nil, err
		}
		res, err := do(ctx, Request{Method: "GET", URL: u})
		if err != nil {
			return nil, err
		}
		if res.Status != 200 {
			return nil, ResponseError(res.Status, res.Body, res.RetryAfter)
		}
		return decryptFiles(l.Key, []ManifestFile{{Embedded: string(res.Body)}}, nil)
	}
	if l.Has(FlagPasscode) && passcode == "" {
		return nil, ErrPasscodeNeeded
	}
	m, err := FetchManifest(ctx, do, l, recipient, passcode, 0)
	if err != nil {
		return nil, err
	}
	return decryptFiles(l.Key, m.Files, func(loc string) (string, error) {
		if err := checkURL(loc); err != nil {
			return "", fmt.Errorf("%w: file location", ErrManifest)
		}
		res, err := do(ctx, Request{Method: "GET", URL: loc})
		if err != nil {
			return "", err
		}
		if res.Status != 200 {
			return "", ResponseError(res.Status, res.Body, res.RetryAfter)
		}
		return string(res.Body), nil
	})
}

// ErrManifest is wrapped by every error about a manifest's shape.
var ErrManifest = errors.New("share: invalid manifest")

// FetchManifest makes the manifest request of a link (no "U") and checks
// the answer's shape. embeddedMax, when > 0, asks for files up to that
// length to be embedded.
func FetchManifest(ctx context.Context, do Doer, l Link, recipient, passcode string, embeddedMax int) (Manifest, error) {
	body, err := json.Marshal(ManifestRequest{Recipient: recipient, Passcode: passcode, EmbeddedLengthMax: embeddedMax})
	if err != nil {
		return Manifest{}, err
	}
	res, err := do(ctx, Request{Method: "POST", URL: l.URL, Body: body, Header: map[string]string{"Content-Type": ContentTypeJSON}})
	if err != nil {
		return Manifest{}, err
	}
	switch {
	case res.Status == 401:
		return Manifest{}, readPasscodeError(res.Body)
	case res.Status != 200:
		return Manifest{}, ResponseError(res.Status, res.Body, res.RetryAfter)
	case len(res.Body) > MaxManifest:
		return Manifest{}, ErrTooLarge
	}
	var m Manifest
	if err := json.Unmarshal(res.Body, &m); err != nil {
		return Manifest{}, fmt.Errorf("%w: JSON", ErrManifest)
	}
	if len(m.Files) > MaxManifestFiles {
		return Manifest{}, fmt.Errorf("%w: too many files", ErrManifest)
	}
	for _, f := range m.Files {
		if (f.Embedded == "") == (f.Location == "") || f.ContentType == "" || len(f.ContentType) > 128 {
			return Manifest{}, fmt.Errorf("%w: file", ErrManifest)
		}
	}
	return m, nil
}

// readPasscodeError reads a 401 body; one without remainingAttempts still
// means the passcode was refused.
func readPasscodeError(body []byte) error {
	var v struct {
		Remaining *int `json:"remainingAttempts"`
	}
	if len(body) > 1024 {
		body = body[:1024]
	}
	e := &PasscodeError{}
	if json.Unmarshal(body, &v) == nil && v.Remaining != nil && *v.Remaining >= 0 {
		e.Remaining = *v.Remaining
	}
	return e
}

// decryptFiles decrypts each file; fetch gets a location's JWE.
func decryptFiles(key []byte, files []ManifestFile, fetch func(string) (string, error)) ([]File, error) {
	var out []File
	var total int64
	for _, f := range files {
		jwe := f.Embedded
		if jwe == "" {
			var err error
			if jwe, err = fetch(f.Location); err != nil {
				return nil, err
			}
		}
		plain, err := DecryptJWE(key, jwe)
		if err != nil {
			return nil, err
		}
		if total += int64(len(plain)); total > MaxInflated {
			return nil, ErrTooLarge
		}
		ct := f.ContentType
		if ct == "" {
			ct, _ = JWEContentType(jwe)
		}
		file := File{ContentType: ct, Data: plain}
		if t, err := time.Parse(time.RFC3339, f.LastUpdated); err == nil {
			file.LastUpdated = t
		}
		out = append(out, file)
	}
	return out, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(s) > 4096 {
		return errors.New("bad url")
	}
	return nil
}

// withQuery adds name=value to a URL's query.
func withQuery(s, name, value string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", linkErr("url")
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// ValidLinkID reports whether s is shaped like a manifest link id.
func ValidLinkID(s string) bool {
	if len(s) != LinkIDLen {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}
