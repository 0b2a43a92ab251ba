package syncproto

import "errors"

// Code names what went wrong, in an Error body and as the HTTP status of Status.
type Code string

const (
	CodeBadRequest   Code = "bad_request"   // 400: malformed, or outside the protocol's limits
	CodeUnauthorized Code = "unauthorized"  // 401: no, bad or stale signature; unknown or removed device
	CodeNotFound     Code = "not_found"     // 404: no such vault, file or chunk (or not this device's)
	CodeConflict     Code = "conflict"      // 409: Base is not the head (Error.Head is): pull, then push again
	CodeBadChain     Code = "bad_chain"     // 422: the envelopes do not lead from Base to Head
	CodeBadSignature Code = "bad_signature" // 422: Head (or CreateVault, Join) not signed by the right key
	CodeExists       Code = "exists"        // 409: vault already registered, or a complete file's chunk
	CodeTooLarge     Code = "too_large"     // 413: an envelope, chunk or push over the server's limit
	CodeQuota        Code = "quota"         // 507: the vault's storage or device quota is used up
	CodeRateLimited  Code = "rate_limited"  // 429: too many requests; Error.RetryAfter says when to try
	CodeUnavailable  Code = "unavailable"   // 503: sync is off on this server, or its store is down
)

// Status is the HTTP status the server answers with for c.
func (c Code) Status() int {
	switch c {
	case CodeBadRequest:
		return 400
	case CodeUnauthorized:
		return 401
	case CodeNotFound:
		return 404
	case CodeForbidden:
		return 403
	case CodeConflict, CodeExists:
		return 409
	case CodeTooLarge:
		return 413
	case CodeBadChain, CodeBadSignature:
		return 422
	case CodeRateLimited:
		return 429
	case CodeQuota:
		return 507
	case CodeUnavailable:
		return 503
	}
	return 500
}

// Error is the JSON body of every error answer. It never holds data.
type Error struct {
	Code       Code  `json:"error"`
	Head       *Head `json:"head,omitempty"`        // CodeConflict: the server's head
	RetryAfter int   `json:"retry_after,omitempty"` // CodeRateLimited: seconds
	// Now is the server's Unix time on CodeUnauthorized: a device whose
	// clock is off by more than MaxClockSkew signs with its offset.
	Now int64 `json:"now,omitempty"`
}

func (e *Error) Error() string { return "sync: " + string(e.Code) }

// Errors a client's Chain reports about what a server returned.
var (
	ErrTampered     = errors.New("sync: the server's log does not match what this device verified")
	ErrRollback     = errors.New("sync: the server returned an older state of the log than this device has seen")
	ErrBadSignature = errors.New("sync: a head is not signed by the vault")
)
