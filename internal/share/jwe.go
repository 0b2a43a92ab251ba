// Package share is the client half of Backpack's share links: the record is
// encrypted on the device as a JWE (compact serialization, "dir" +
// "A256GCM", as in SMART Health Links), the ciphertext is uploaded to the
// server, and the key travels only in the link's #fragment, which browsers
// never send to a server.
//
// This package is pure Go and is compiled into the wasm app: it must not
// import net/http (doer_host.go, for tests and tools, is not built for
// the wasm). The server half lives in backpack/internal/share/server.
package share

import (
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeySize is the size of a share key in bytes (AES-256).
const KeySize = 32

// MaxInflated bounds the plaintext of a compressed ("zip":"DEF") JWE, so a
// small hostile ciphertext cannot expand without limit.
const MaxInflated = 256 << 20

const (
	nonceSize = 12
	tagSize   = 16
)

// Errors returned by EncryptJWE and DecryptJWE. They never carry key,
// plaintext or ciphertext bytes.
var (
	ErrKeySize     = errors.New("share: key must be 32 bytes")
	ErrMalformed   = errors.New("share: malformed JWE")
	ErrUnsupported = errors.New("share: unsupported JWE algorithm")
	ErrDecrypt     = errors.New("share: cannot decrypt (wrong key or damaged data)")
	ErrTooLarge    = errors.New("share: decompressed content too large")
)

// b64 is the JOSE base64url alphabet without padding.
var b64 = base64.RawURLEncoding.Strict()

// NewKey returns a fresh random 32-byte key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails since Go 1.24
	return k
}

// Header is a JWE protected header as Backpack reads and writes it.
type Header struct {
	Alg  string   `json:"alg"`
	Enc  string   `json:"enc"`
	Cty  string   `json:"cty,omitempty"`
	Zip  string   `json:"zip,omitempty"`
	Kid  string   `json:"kid,omitempty"`
	Crit []string `json:"crit,omitempty"`
}

// EncryptJWE encrypts plaintext under key (32 bytes) and returns the JWE
// compact serialization: protected header {"alg":"dir","enc":"A256GCM"}
// (plus "cty" when contentType is not empty), an empty encrypted-key part,
// a random 96-bit nonce, the ciphertext and the 128-bit tag.
func EncryptJWE(key, plaintext []byte, contentType string) (string, error) {
	nonce := make([]byte, nonceSize)
	rand.Read(nonce)
	return encryptJWE(key, plaintext, contentType, nonce)
}

// encryptJWE is EncryptJWE with the nonce given, for test vectors.
func encryptJWE(key, plaintext []byte, contentType string, nonce []byte) (string, error) {
	if len(key) != KeySize {
		return "", ErrKeySize
	}
	if len(nonce) != nonceSize {
		return "", errors.New("share: nonce must be 12 bytes")
	}
	hdr, err := json.Marshal(Header{Alg: "dir", Enc: "A256GCM", Cty: contentType})
	if err != nil {
		return "", err
	}
	h := b64.EncodeToString(hdr)
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	sealed := gcm.Seal(nil, nonce, plaintext, []byte(h))
	ct, tag := sealed[:len(sealed)-tagSize], sealed[len(sealed)-tagSize:]

	var b strings.Builder
	b.Grow(len(h) + 2 + b64.EncodedLen(nonceSize) + 1 + b64.EncodedLen(len(ct)) + 1 + b64.EncodedLen(tagSize))
	b.WriteString(h)
	b.WriteString("..")
	b.WriteString(b64.EncodeToString(nonce))
	b.WriteByte('.')
	b.WriteString(b64.EncodeToString(ct))
	b.WriteByte('.')
	b.WriteString(b64.EncodeToString(tag))
	return b.String(), nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, ErrKeySize
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// jweParts is a split, decoded compact JWE.
type jweParts struct {
	header Header
	aad    []byte // the protected header exactly as encoded
	nonce  []byte
	sealed []byte // ciphertext || tag
}

// parseCompact splits and checks a compact JWE without decrypting it.
func parseCompact(compact string) (*jweParts, error) {
	compact = strings.TrimSpace(compact)
	parts := strings.Split(compact, ".")
	if len(parts) != 5 {
		return nil, fmt.Errorf("%w: want 5 parts, got %d", ErrMalformed, len(parts))
	}
	if parts[1] != "" {
		return nil, fmt.Errorf("%w: encrypted key must be empty for \"dir\"", ErrUnsupported)
	}
	raw, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header encoding", ErrMalformed)
	}
	var h Header
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("%w: header JSON", ErrMalformed)
	}
	switch {
	case h.Alg != "dir":
		return nil, fmt.Errorf("%w: alg", ErrUnsupported)
	case h.Enc != "A256GCM":
		return nil, fmt.Errorf("%w: enc", ErrUnsupported)
	case h.Zip != "" && h.Zip != "DEF":
		return nil, fmt.Errorf("%w: zip", ErrUnsupported)
	case len(h.Crit) > 0:
		return nil, fmt.Errorf("%w: crit", ErrUnsupported)
	}
	nonce, err := b64.DecodeString(parts[2])
	if err != nil || len(nonce) != nonceSize {
		return nil, fmt.Errorf("%w: iv", ErrMalformed)
	}
	tag, err := b64.DecodeString(parts[4])
	if err != nil || len(tag) != tagSize {
		return nil, fmt.Errorf("%w: tag", ErrMalformed)
	}
	sealed := make([]byte, b64.DecodedLen(len(parts[3])), b64.DecodedLen(len(parts[3]))+tagSize)
	n, err := b64.Decode(sealed, []byte(parts[3]))
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext encoding", ErrMalformed)
	}
	sealed = append(sealed[:n], tag...)
	return &jweParts{header: h, aad: []byte(parts[0]), nonce: nonce, sealed: sealed}, nil
}

// DecryptJWE checks and decrypts a compact JWE made by EncryptJWE or by any
// SMART Health Links producer ("dir" + "A256GCM", optionally "zip":"DEF").
// A wrong key and any change to the header, nonce, ciphertext or tag all give
// ErrDecrypt.
func DecryptJWE(key []byte, compact string) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	p, err := parseCompact(compact)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(p.sealed[:0], p.nonce, p.sealed, p.aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	if p.header.Zip == "DEF" {
		return inflate(plain)
	}
	return plain, nil
}

// JWEContentType returns the "cty" of a compact JWE's protected header
// without decrypting it. The header is authenticated only by DecryptJWE.
func JWEContentType(compact string) (string, error) {
	p, err := parseCompact(compact)
	if err != nil {
		return "", err
	}
	return p.header.Cty, nil
}

// LooksLikeJWE reports whether b is shaped like a Backpack/SHL compact JWE
// ("dir" + "A256GCM"). It does not decrypt. The server uses it to choose the
// content type it serves a blob with.
func LooksLikeJWE(b []byte) bool {
	i := bytes.IndexByte(b, '.')
	if i <= 0 || i > 4096 || len(b) < i+2 || b[i+1] != '.' || bytes.Count(b, []byte{'.'}) != 4 {
		return false
	}
	raw, err := b64.DecodeString(string(b[:i]))
	if err != nil {
		return false
	}
	var h Header
	return json.Unmarshal(raw, &h) == nil && h.Alg == "dir" && h.Enc == "A256GCM"
}

func inflate(b []byte) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(b))
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, MaxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("%w: deflate", ErrMalformed)
	}
	if len(out) > MaxInflated {
		return nil, ErrTooLarge
	}
	return out, nil
}
