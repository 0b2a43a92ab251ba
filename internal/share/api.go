package share

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The share API as both halves see it. The server mounts it at APIPath:
//
//	POST   /api/share        body: the JWE (or any ciphertext); ttl: query "ttl" or header TTLHeader, seconds
//	                         → 201 Created (JSON), Location: /api/share/{id}
//	GET    /api/share/{id}   → 200 the ciphertext (application/jose or application/octet-stream), Cache-Control: no-store
//	DELETE /api/share/{id}   Authorization: Bearer {manageToken} → 204
//
// Errors are JSON {"error": code} with one of the Code constants; 429 and
// 503 carry Retry-After (seconds).
const (
	APIPath   = "/api/share"
	TTLHeader = "Backpack-Share-TTL"
	TTLQuery  = "ttl"

	ContentTypeJWE    = "application/jose"
	ContentTypeBinary = "application/octet-stream"

	DefaultTTL = 24 * time.Hour
	MaxTTL     = 30 * 24 * time.Hour
	MinTTL     = time.Minute
)

// Created is the server's answer to an upload.
type Created struct {
	ID          string    `json:"id"`          // 26 characters, base32 lowercase, 128 random bits
	ManageToken string    `json:"manageToken"` // secret for DELETE; the server keeps only its SHA-256
	Expires     time.Time `json:"expires"`     // RFC 3339
}

// Error codes of the share API.
const (
	CodeBadRequest  = "bad_request"
	CodeNotFound    = "not_found" // unknown, expired and revoked look the same
	CodeForbidden   = "forbidden" // wrong or missing manage token
	CodeMethod      = "method_not_allowed"
	CodeTooLarge    = "too_large"
	CodeRateLimited = "rate_limited"
	CodeStorageFull = "storage_full"
	CodeBusy        = "busy"
	CodeDisabled    = "disabled" // the server runs without the share API
	CodeInternal    = "internal"
)

// APIError is a failed share API call as the client sees it.
type APIError struct {
	Status     int           // HTTP status
	Code       string        // one of the Code constants ("" if the body had none)
	RetryAfter time.Duration // from Retry-After, for 429 and 503
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("share: server answered %d", e.Status)
	}
	return fmt.Sprintf("share: server answered %d (%s)", e.Status, e.Code)
}

// ResponseError turns a non-2xx answer into an *APIError, reading the JSON
// error body (at most the first 1 KiB matters) and a Retry-After in seconds.
func ResponseError(status int, body []byte, retryAfter string) error {
	e := &APIError{Status: status}
	var v struct {
		Error string `json:"error"`
	}
	if len(body) > 1024 {
		body = body[:1024]
	}
	if json.Unmarshal(body, &v) == nil && len(v.Error) <= 32 && isCode(v.Error) {
		e.Code = v.Error
	}
	if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 && s < 86400 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

func isCode(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return s != ""
}

// MessageKey returns the i18n key (catalog_share.go, shl.go) of the message
// to show for err, so the app can say what went wrong in the reader's
// language. A *PasscodeError's key takes its Remaining count (i18n.N).
func MessageKey(err error) string {
	var api *APIError
	var pe *PasscodeError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		if pe.Remaining <= 0 {
			return "shl.err.locked"
		}
		return "shl.err.passcode"
	case errors.Is(err, ErrPasscodeNeeded):
		return "shl.err.passcode.none"
	case errors.Is(err, ErrManifest):
		return "shl.err.manifest"
	case errors.As(err, &api):
		switch {
		case api.Code == CodeNotFound || (api.Code == "" && api.Status == 404):
			return "share.err.notfound"
		case api.Code == CodeForbidden || (api.Code == "" && api.Status == 403):
			return "share.err.forbidden"
		case api.Code == CodeTooLarge || (api.Code == "" && api.Status == 413):
			return "share.err.toolarge"
		case api.Code == CodeRateLimited || (api.Code == "" && api.Status == 429):
			return "share.err.ratelimited"
		case api.Code == CodeStorageFull || (api.Code == "" && api.Status == 507):
			return "share.err.full"
		case api.Code == CodeDisabled:
			return "share.err.disabled"
		case api.Code == CodeBusy || (api.Code == "" && api.Status == 503):
			return "share.err.busy"
		}
		return "share.err.server"
	case errors.Is(err, ErrExpired):
		return "share.err.expired"
	case errors.Is(err, ErrUnsupportedLink):
		return "shl.err.version"
	case errors.Is(err, ErrLink):
		return "share.err.link"
	case errors.Is(err, ErrDecrypt), errors.Is(err, ErrMalformed), errors.Is(err, ErrUnsupported), errors.Is(err, ErrTooLarge):
		return "share.err.decrypt"
	case errors.Is(err, ErrKeySize):
		return "share.err.link"
	}
	return "share.err.server"
}
