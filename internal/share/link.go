package share

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ViewerPath is where the app shows a received share; links look like
// "<viewer-origin>/view#shlink:/<payload>".
const ViewerPath = "/view"

// Limits of a share link, from the SMART Health Links specification where it
// sets one.
const (
	MaxURLLen   = 128  // SHL: url SHALL NOT exceed 128 characters
	MaxLabelLen = 80   // SHL: label SHALL NOT exceed 80 characters
	MaxLinkLen  = 4096 // whole link text ParseLink accepts
)

// Flags a link may carry (SHL). Backpack's direct-file links carry FlagDirect
// (the url returns the JWE itself); its manifest links carry FlagLongTerm
// and FlagPasscode as chosen. Flags are written in alphabetical order.
const (
	FlagLongTerm = "L" // url may be polled for updates
	FlagPasscode = "P" // the server asks for a passcode
	FlagDirect   = "U" // url points straight at the encrypted file
)

const shlinkPrefix = "shlink:/"

// ErrLink is wrapped by every ParseLink and Encode error. The wrapping error
// names the part that is wrong (never its value).
var ErrLink = errors.New("share: invalid share link")

// Link is what a share link carries: where the ciphertext is, the key to read
// it, when it expires, a label and SHL flags.
type Link struct {
	URL   string    // absolute http(s) URL of the ciphertext on the share server
	Key   []byte    // 32-byte AES key; only ever travels in the #fragment
	Exp   time.Time // expiry; zero means none given
	Label string    // short text for the recipient (≤ 80 characters)
	Flag  string    // SHL flags, letters from "LPU" (others are dropped by ParseLink)
	V     int       // SHL protocol version; 0 means 1
}

// payload is the SHL JSON form of a Link.
type payload struct {
	URL   string      `json:"url"`
	Key   string      `json:"key"`
	Exp   json.Number `json:"exp,omitempty"`
	Flag  string      `json:"flag,omitempty"`
	Label string      `json:"label,omitempty"`
	V     int         `json:"v,omitempty"`
}

func linkErr(part string) error { return fmt.Errorf("%w: %s", ErrLink, part) }

// Encode returns the link text. With a viewer origin such as
// "https://backpack.example" it is "https://backpack.example/view#shlink:/…";
// with an empty origin it is the bare "shlink:/…" form.
func (l Link) Encode(viewerOrigin string) (string, error) {
	if err := l.validate(); err != nil {
		return "", err
	}
	p := payload{URL: l.URL, Key: base64.RawURLEncoding.EncodeToString(l.Key), Flag: l.Flag, Label: l.Label, V: l.V}
	if !l.Exp.IsZero() {
		p.Exp = json.Number(fmt.Sprint(l.Exp.Unix()))
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	s := shlinkPrefix + base64.RawURLEncoding.EncodeToString(raw)
	if viewerOrigin != "" {
		o, err := url.Parse(viewerOrigin)
		if err != nil || (o.Scheme != "https" && o.Scheme != "http") || o.Host == "" || o.User != nil ||
			(o.Path != "" && o.Path != "/") || o.RawQuery != "" || o.Fragment != "" {
			return "", linkErr("viewer origin")
		}
		s = o.Scheme + "://" + o.Host + ViewerPath + "#" + s
	}
	if len(s) > MaxLinkLen {
		return "", linkErr("too long")
	}
	return s, nil
}

// ParseLink reads a link made by Encode, or any SHL link: a bare
// "shlink:/…", or a viewer URL whose fragment is one. It checks the shape of
// every field; it does not check expiry (see Expired) and cannot tell a wrong
// key from a right one: DecryptJWE does that.
func ParseLink(s string) (Link, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxLinkLen {
		return Link{}, linkErr("too long")
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[i+1:]
	}
	if !strings.HasPrefix(s, shlinkPrefix) {
		return Link{}, linkErr("missing shlink:/")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s[len(shlinkPrefix):], "="))
	if err != nil {
		return Link{}, linkErr("payload encoding")
	}
	var p payload
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return Link{}, linkErr("payload JSON")
	}
	if dec.More() {
		return Link{}, linkErr("payload JSON")
	}
	if len(p.Key) != base64.RawURLEncoding.EncodedLen(KeySize) {
		return Link{}, linkErr("key")
	}
	key, err := base64.RawURLEncoding.Strict().DecodeString(p.Key)
	if err != nil || len(key) != KeySize {
		return Link{}, linkErr("key")
	}
	// A receiver ignores flags it does not know (SHL "Protocol Versioning");
	// the ones it knows are kept in alphabetical order.
	var flag []byte
	for _, c := range "LPU" {
		if strings.ContainsRune(p.Flag, c) {
			flag = append(flag, byte(c))
		}
	}
	if len(p.Flag) > 16 {
		return Link{}, linkErr("flag")
	}
	l := Link{URL: p.URL, Key: key, Flag: string(flag), Label: p.Label, V: p.V}
	if p.Exp != "" {
		f, err := p.Exp.Float64()
		if err != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
			return Link{}, linkErr("exp")
		}
		l.Exp = time.Unix(int64(f), 0)
	}
	if err := l.validate(); err != nil {
		return Link{}, err
	}
	return l, nil
}

func (l Link) validate() error {
	if len(l.Key) != KeySize {
		return linkErr("key")
	}
	if len(l.URL) > MaxURLLen {
		return linkErr("url too long")
	}
	u, err := url.Parse(l.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" ||
		strings.ContainsAny(l.URL, " \t\r\n#") {
		return linkErr("url")
	}
	if !utf8.ValidString(l.Label) || utf8.RuneCountInString(l.Label) > MaxLabelLen ||
		strings.IndexFunc(l.Label, unicode.IsControl) >= 0 {
		return linkErr("label")
	}
	if len(l.Flag) > 3 {
		return linkErr("flag")
	}
	last := rune(0)
	for _, c := range l.Flag {
		if !strings.ContainsRune("LPU", c) || c <= last {
			return linkErr("flag") // unknown, repeated or out of order
		}
		last = c
	}
	if l.Has(FlagPasscode) && l.Has(FlagDirect) {
		return linkErr("flag") // SHL: U SHALL NOT be used with P
	}
	if l.V < 0 || l.V > 1<<20 {
		return linkErr("v")
	}
	if !l.Exp.IsZero() && (l.Exp.Unix() < 0 || l.Exp.Unix() > 1<<40) {
		return linkErr("exp")
	}
	return nil
}

// Expired reports whether the link's expiry has passed at now. A link with no
// expiry never expires (the server still may).
func (l Link) Expired(now time.Time) bool {
	return !l.Exp.IsZero() && !now.Before(l.Exp)
}

// Has reports whether the link carries the flag f ("L", "P" or "U").
func (l Link) Has(f string) bool { return len(f) == 1 && strings.Contains(l.Flag, f) }

// Errors a viewer reports for a link that parses but cannot be opened.
var (
	ErrExpired         = errors.New("share: link expired")
	ErrUnsupportedLink = errors.New("share: link of a newer SMART Health Links version")
)

// Version is the SMART Health Links protocol version Backpack speaks.
const Version = 1

// Openable reports why a viewer cannot open the link at now, or nil:
// ErrExpired past its expiry, ErrUnsupportedLink for a link of a newer
// protocol version ("v" > 1), which a receiver should not try.
func (l Link) Openable(now time.Time) error {
	switch {
	case l.Expired(now):
		return ErrExpired
	case l.V > Version:
		return ErrUnsupportedLink
	}
	return nil
}
