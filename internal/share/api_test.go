package share

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"backpack/internal/i18n"
)

func TestResponseError(t *testing.T) {
	err := ResponseError(429, []byte(`{"error":"rate_limited"}`), "7")
	var api *APIError
	if !errors.As(err, &api) || api.Code != CodeRateLimited || api.RetryAfter != 7*time.Second || api.Status != 429 {
		t.Fatalf("%#v", err)
	}
	// Garbage bodies give no code, and no body text in the error.
	err = ResponseError(500, []byte(`<html>secret stuff</html>`), "soon")
	if !errors.As(err, &api) || api.Code != "" || api.RetryAfter != 0 || strings.Contains(err.Error(), "secret") {
		t.Fatalf("%#v", err)
	}
	err = ResponseError(400, []byte(`{"error":"<script>"}`), "")
	if errors.As(err, &api); api.Code != "" {
		t.Fatalf("code %q accepted", api.Code)
	}
}

func TestMessageKeys(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{ResponseError(404, nil, ""), "share.err.notfound"},
		{ResponseError(404, []byte(`{"error":"disabled"}`), ""), "share.err.disabled"},
		{ResponseError(403, []byte(`{"error":"forbidden"}`), ""), "share.err.forbidden"},
		{ResponseError(413, nil, ""), "share.err.toolarge"},
		{ResponseError(429, nil, ""), "share.err.ratelimited"},
		{ResponseError(507, []byte(`{"error":"storage_full"}`), ""), "share.err.full"},
		{ResponseError(503, []byte(`{"error":"busy"}`), ""), "share.err.busy"},
		{ResponseError(500, nil, ""), "share.err.server"},
		{fmt.Errorf("open: %w", ErrDecrypt), "share.err.decrypt"},
		{ErrMalformed, "share.err.decrypt"},
		{ErrLink, "share.err.link"},
		{ErrExpired, "share.err.expired"},
		{ErrUnsupportedLink, "shl.err.version"},
		{ErrPasscodeNeeded, "shl.err.passcode.none"},
		{fmt.Errorf("x: %w", ErrManifest), "shl.err.manifest"},
		{&PasscodeError{Remaining: 0}, "shl.err.locked"},
		{errors.New("network down"), "share.err.server"},
	}
	for _, tt := range tests {
		got := MessageKey(tt.err)
		if got != tt.want {
			t.Errorf("%v: %q, want %q", tt.err, got, tt.want)
		}
		if !i18n.Has(got) && !hasPlural(got) {
			t.Errorf("%q is not in the catalog", got)
		}
	}
	if MessageKey(nil) != "" {
		t.Fatal("nil error has a message")
	}
}

// A link whose key was altered still parses (a link has no MAC of its own),
// but the JWE then fails to decrypt: tampering never yields wrong data.
func TestTamperedKeyFailsDecrypt(t *testing.T) {
	l := testLink()
	c, _ := EncryptJWE(l.Key, []byte("record"), "")
	s, _ := l.Encode("")
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, "shlink:/"))
	i := strings.Index(string(raw), `"key":"`) + 8
	raw[i] = 'B' // "AAEC…" → "ABEC…"
	got, err := ParseLink("shlink:/" + base64.RawURLEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got.Key, l.Key) {
		t.Fatal("key not changed")
	}
	if _, err := DecryptJWE(got.Key, c); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("tampered key: %v", err)
	}
}

func hasPlural(key string) bool {
	_, ok := i18n.PluralIn(i18n.English, key)
	return ok
}

// A wrong passcode's message says how many tries are left, in words.
func TestPasscodeMessage(t *testing.T) {
	err := error(&PasscodeError{Remaining: 3})
	if k := MessageKey(err); k != "shl.err.passcode" || !strings.Contains(i18n.NIn(i18n.English, k, 3), "3 tries left") {
		t.Fatalf("%q: %q", k, i18n.NIn(i18n.English, k, 3))
	}
}
