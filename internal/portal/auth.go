package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"backpack/internal/fetch"
)

// Launch is one sign-in round trip in progress: what must survive the
// redirect to the health system and back (it holds no health data).
type Launch struct {
	FHIR        string `json:"fhir"`
	Authorize   string `json:"authorize"`
	Token       string `json:"token"`
	Revoke      string `json:"revoke,omitempty"`
	ClientID    string `json:"clientId"`
	RedirectURI string `json:"redirectUri"`
	Scope       string `json:"scope"`
	State       string `json:"state"`
	Verifier    string `json:"verifier"`
	Name        string `json:"name,omitempty"` // the health system, as the person chose it
}

// NewLaunch starts a sign-in: a fresh random state and PKCE verifier.
func NewLaunch(cfg Config, clientID, redirectURI, name string) Launch {
	return Launch{FHIR: cfg.FHIR, Authorize: cfg.Authorize, Token: cfg.Token, Revoke: cfg.Revoke,
		ClientID: clientID, RedirectURI: redirectURI, Scope: cfg.Scope(), Name: name,
		State: random(16), Verifier: random(32)}
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Challenge is the PKCE S256 code challenge of a verifier.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// URL is where to send the browser to sign in.
func (l Launch) URL() string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {l.ClientID},
		"redirect_uri":          {l.RedirectURI},
		"scope":                 {l.Scope},
		"state":                 {l.State},
		"aud":                   {l.FHIR},
		"code_challenge":        {Challenge(l.Verifier)},
		"code_challenge_method": {"S256"},
	}
	sep := "?"
	if strings.Contains(l.Authorize, "?") {
		sep = "&"
	}
	return l.Authorize + sep + q.Encode()
}

// Code reads the redirect's query: the authorization code, after checking
// state. An answer with another state is ErrState; an error answer is
// ErrDenied.
func (l Launch) Code(q url.Values) (string, error) {
	if q.Get("state") == "" || q.Get("state") != l.State {
		return "", ErrState
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		return "", ErrDenied
	}
	return q.Get("code"), nil
}

// Token is what a token endpoint granted. It is a secret: kept only in the
// encrypted vault.
type Token struct {
	Access  string    `json:"access"`
	Refresh string    `json:"refresh,omitempty"`
	Scope   string    `json:"scope,omitempty"`
	Patient string    `json:"patient,omitempty"`
	Expires time.Time `json:"expires,omitzero"` // zero: not said
}

// tokenAnswer is a token endpoint's JSON.
type tokenAnswer struct {
	Access    string          `json:"access_token"`
	Type      string          `json:"token_type"`
	ExpiresIn json.Number     `json:"expires_in"`
	Refresh   string          `json:"refresh_token"`
	Scope     string          `json:"scope"`
	Patient   string          `json:"patient"`
	Error     string          `json:"error"`
	IDToken   json.RawMessage `json:"id_token"`
}

// Exchange trades the authorization code for tokens (public client: the
// PKCE verifier proves it is the same app).
func (l Launch) Exchange(ctx context.Context, c fetch.Doer, code string, now time.Time) (Token, error) {
	return postToken(ctx, c, l.Token, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {l.RedirectURI},
		"client_id":     {l.ClientID},
		"code_verifier": {l.Verifier},
	}, Token{}, now)
}

// Refresh asks tokenURL for a new access token with t's refresh token. A
// refresh answer without a new refresh token or patient keeps the old ones.
func Refresh(ctx context.Context, c fetch.Doer, tokenURL, clientID string, t Token, now time.Time) (Token, error) {
	if t.Refresh == "" {
		return Token{}, ErrExpired
	}
	nt, err := postToken(ctx, c, tokenURL, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {t.Refresh},
		"client_id":     {clientID},
	}, t, now)
	if err == ErrToken {
		return Token{}, ErrExpired
	}
	return nt, err
}

func postToken(ctx context.Context, c fetch.Doer, tokenURL string, form url.Values, old Token, now time.Time) (Token, error) {
	if !parses(tokenURL) {
		return Token{}, ErrBadAddress
	}
	resp, err := c.Do(ctx, fetch.Request{Method: http.MethodPost, URL: tokenURL, Body: []byte(form.Encode()), Limit: 1 << 20,
		Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}})
	if err != nil {
		if ctx.Err() != nil {
			return Token{}, ctx.Err()
		}
		return Token{}, ErrUnreached
	}
	b := resp.Body
	var a tokenAnswer
	if resp.Status != http.StatusOK || json.Unmarshal(b, &a) != nil || a.Access == "" || a.Error != "" {
		return Token{}, ErrToken
	}
	if a.Type != "" && !strings.EqualFold(a.Type, "bearer") {
		return Token{}, ErrToken
	}
	t := Token{Access: a.Access, Refresh: old.Refresh, Scope: old.Scope, Patient: old.Patient}
	if a.Refresh != "" {
		t.Refresh = a.Refresh
	}
	if a.Scope != "" {
		t.Scope = a.Scope
	}
	if a.Patient != "" {
		t.Patient = a.Patient
	}
	if n, err := a.ExpiresIn.Int64(); err == nil && n > 0 {
		t.Expires = now.Add(time.Duration(n) * time.Second)
	} else if f, err := a.ExpiresIn.Float64(); err == nil && f > 0 {
		t.Expires = now.Add(time.Duration(f * float64(time.Second)))
	}
	return t, nil
}

// Revoke asks the server to forget t's tokens (RFC 7009) where it offers
// revocation; errors are ignored by callers, who forget the tokens anyway.
func Revoke(ctx context.Context, c fetch.Doer, revokeURL, clientID string, t Token) error {
	if revokeURL == "" {
		return nil
	}
	for _, tok := range []struct{ v, hint string }{{t.Refresh, "refresh_token"}, {t.Access, "access_token"}} {
		if tok.v == "" {
			continue
		}
		form := url.Values{"token": {tok.v}, "token_type_hint": {tok.hint}, "client_id": {clientID}}
		if !parses(revokeURL) {
			return ErrBadAddress
		}
		_, err := c.Do(ctx, fetch.Request{Method: http.MethodPost, URL: revokeURL, Body: []byte(form.Encode()),
			Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
		if err != nil && !errors.Is(err, fetch.ErrTooLarge) {
			return ErrUnreached
		}
	}
	return nil
}
