package vault

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Keyslot names in BucketMeta.
const (
	slotPassphrase = "slot.passphrase"
	slotRecovery   = "slot.recovery"
	metaSchema     = "schema"
)

// KDFParams are the Argon2id parameters of a passphrase keyslot. They are
// stored in the slot, so they can change without breaking older vaults.
type KDFParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultKDF is used for new passphrase keyslots: 46 MiB, t=1, p=1 (the
// OWASP minimum for Argon2id; 0.13–0.19 s in Chromium).
var DefaultKDF = KDFParams{Memory: 46 * 1024, Time: 1, Threads: 1}

// Limits accepted when reading a slot, so a tampered slot cannot make Unlock
// allocate gigabytes or spin for minutes.
const (
	maxKDFMemory = 1 << 20 // 1 GiB
	maxKDFTime   = 64
)

const (
	kdfArgon2id = "argon2id"
	kdfHKDF     = "hkdf-sha256" // recovery keys carry 128 random bits
)

// keyslot is one way to unwrap the data key. It holds no health data: KDF
// parameters, a salt and the wrapped key. Stored as JSON in BucketMeta.
type keyslot struct {
	V       int    `json:"v"`
	KDF     string `json:"kdf"`
	Memory  uint32 `json:"m,omitempty"`
	Time    uint32 `json:"t,omitempty"`
	Threads uint8  `json:"p,omitempty"`
	Salt    []byte `json:"salt"`
	Wrapped []byte `json:"wrapped"` // nonce || AES-GCM(wrapping key, data key)
}

func slotAAD(name string) []byte { return []byte("backpack keyslot v1\x00" + name) }

// Argon2 derives an Argon2id key as argon2.IDKey does, elsewhere: the app
// runs it in its worker module, so that the page's thread never spends the
// KDF's 0.13–0.2 s in one task nor keeps its memory (Go's wasm memory never
// shrinks). An error, or a key of another length, and the KDF runs here.
type Argon2 func(ctx context.Context, secret, salt []byte, time, memory uint32, threads uint8, keyLen uint32) ([]byte, error)

var argon2Elsewhere atomic.Pointer[Argon2]

// SetArgon2 hands passphrase keyslots' KDF to f (nil: back to running it
// here). Slots are checked against the limits before f is called.
func SetArgon2(f Argon2) {
	if f == nil {
		argon2Elsewhere.Store(nil)
		return
	}
	argon2Elsewhere.Store(&f)
}

// idKey is argon2.IDKey, through SetArgon2's function when there is one.
func idKey(ctx context.Context, secret, salt []byte, time, memory uint32, threads uint8) []byte {
	if f := argon2Elsewhere.Load(); f != nil {
		if k, err := (*f)(ctx, secret, salt, time, memory, threads, keySize); err == nil && len(k) == keySize {
			return k
		}
	}
	return argon2.IDKey(secret, salt, time, memory, threads, keySize)
}

// wrapKey derives the slot's wrapping key from a passphrase or recovery secret.
func (s *keyslot) wrapKey(ctx context.Context, secret []byte) ([]byte, error) {
	if len(s.Salt) < 16 {
		return nil, fmt.Errorf("%w: keyslot salt too short", ErrCorrupt)
	}
	switch s.KDF {
	case kdfArgon2id:
		if s.Memory < 8*uint32(max(s.Threads, 1)) || s.Memory > maxKDFMemory ||
			s.Time < 1 || s.Time > maxKDFTime || s.Threads < 1 {
			return nil, fmt.Errorf("%w: keyslot KDF parameters out of range", ErrCorrupt)
		}
		return idKey(ctx, secret, s.Salt, s.Time, s.Memory, s.Threads), nil
	case kdfHKDF:
		return hkdf.Key(sha256.New, secret, s.Salt, "backpack recovery keyslot", keySize)
	}
	return nil, fmt.Errorf("%w: keyslot KDF unknown", ErrCorrupt)
}

// newSlot wraps data under secret with fresh salt.
func newSlot(ctx context.Context, name, kdf string, p KDFParams, secret, data []byte) ([]byte, error) {
	s := &keyslot{V: 1, KDF: kdf, Salt: randomBytes(16)}
	if kdf == kdfArgon2id {
		s.Memory, s.Time, s.Threads = p.Memory, p.Time, p.Threads
	}
	wk, err := s.wrapKey(ctx, secret)
	if err != nil {
		return nil, err
	}
	defer wipe(wk)
	a, err := newGCM(wk)
	if err != nil {
		return nil, err
	}
	s.Wrapped = seal(a, slotAAD(name), data)
	return json.Marshal(s)
}

// openSlot unwraps the data key; ok is false when the secret is wrong.
func openSlot(ctx context.Context, name string, raw, secret []byte) (data []byte, ok bool, err error) {
	var s keyslot
	if err := json.Unmarshal(raw, &s); err != nil || s.V != 1 {
		return nil, false, fmt.Errorf("%w: keyslot %s unreadable", ErrCorrupt, name)
	}
	wk, err := s.wrapKey(ctx, secret)
	if err != nil {
		return nil, false, err
	}
	defer wipe(wk)
	a, err := newGCM(wk)
	if err != nil {
		return nil, false, err
	}
	data, err = open(a, nil, slotAAD(name), s.Wrapped)
	if err != nil {
		return nil, false, nil // wrong secret (or a tampered slot: the same to us)
	}
	if len(data) != keySize {
		return nil, false, fmt.Errorf("%w: keyslot %s holds a key of the wrong size", ErrCorrupt, name)
	}
	return data, true, nil
}

// normPassphrase returns the NFC form, so the same passphrase typed on
// systems that compose accents differently unlocks the same vault.
func normPassphrase(p string) []byte { return []byte(norm.NFC.String(p)) }
