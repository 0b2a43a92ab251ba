package vault

import (
	"crypto/cipher"
	"fmt"
)

// File chunks and record bodies are sealed and opened in batches through
// these methods, so that on js/wasm large values go to WebCrypto (native
// AES-GCM, an order of magnitude faster than Go's in wasm for big values)
// with one promise per batch. The output is the same nonce || ciphertext
// || tag as seal, so values written by either path open with the other.
// Callers must not hold Vault.mu: WebCrypto is awaited.
//
// A WebCrypto call has a fixed cost (some 15 µs in Chromium, plus copying
// the result back into Go), so values under webMinBytes, where Go's
// AES-GCM is faster, stay in Go (BenchmarkBatch in webcrypto_js_test.go).

// webMinBytes is the smallest value sealed or opened with WebCrypto.
var webMinBytes = 1 << 10

// cryptor is the AEAD of an unlocked vault, copied under Vault.mu so that
// it can be used after mu is released: Lock drops keys' fields, not this
// copy (whose AES key schedule could not be wiped anyway).
type cryptor struct {
	aead cipher.AEAD
	web  webKey
}

// cryptor returns the key's AEADs. The caller holds Vault.mu (or owns k).
func (k *keys) cryptor() cryptor { return cryptor{aead: k.aead, web: k.web} }

// sealBatch seals each plaintext under its AAD with a fresh random nonce.
func (k *keys) sealBatch(ads, pts [][]byte) ([][]byte, error) {
	return k.cryptor().sealBatch(ads, pts)
}

// openBatch opens each sealed value into the matching dst buffer (which may
// be nil). errs[i] is ErrCorrupt where authentication fails.
func (k *keys) openBatch(dst, ads, sealed [][]byte) (pts [][]byte, errs []error) {
	return k.cryptor().openBatch(dst, ads, sealed)
}

// webSplit returns the indices of the values of at least webMinBytes, or
// nil when there are none.
func webSplit(vals [][]byte, extra int) []int {
	var big []int
	for i, b := range vals {
		if len(b)+extra >= webMinBytes {
			big = append(big, i)
		}
	}
	return big
}

func pick(vals [][]byte, idx []int) [][]byte {
	out := make([][]byte, len(idx))
	for j, i := range idx {
		if i < len(vals) {
			out[j] = vals[i]
		}
	}
	return out
}

// webCheckMax bounds the value that sealBatch opens again with Go after
// WebCrypto sealed a batch: the last one, when that small (see
// webcrypto_js.go).
const webCheckMax = 8 << 10

// sealBatch seals each plaintext under its AAD with a fresh random nonce.
func (c cryptor) sealBatch(ads, pts [][]byte) ([][]byte, error) {
	out := make([][]byte, len(pts))
	if big := webSplit(pts, 0); len(big) > 0 {
		sealed, ok := c.web.sealBatch(pick(ads, big), pick(pts, big))
		if last := len(big) - 1; ok && len(pts[big[last]]) <= webCheckMax {
			_, err := open(c.aead, nil, ads[big[last]], sealed[last])
			ok = err == nil
		}
		if ok {
			for j, i := range big {
				out[i] = sealed[j]
			}
		}
	}
	for i := range pts {
		if out[i] == nil {
			out[i] = seal(c.aead, ads[i], pts[i])
		}
	}
	return out, nil
}

// openBatch opens each sealed value into the matching dst buffer (which may
// be nil). errs[i] is ErrCorrupt where authentication fails.
func (c cryptor) openBatch(dst, ads, sealed [][]byte) (pts [][]byte, errs []error) {
	pts, errs = make([][]byte, len(sealed)), make([]error, len(sealed))
	done := make([]bool, len(sealed))
	if big := webSplit(sealed, -overhead); len(big) > 0 {
		if p, e, ok := c.web.openBatch(pick(dst, big), pick(ads, big), pick(sealed, big)); ok {
			for j, i := range big {
				pts[i], errs[i], done[i] = p[j], e[j], true
			}
		}
	}
	for i := range sealed {
		if done[i] {
			continue
		}
		var d []byte
		if i < len(dst) {
			d = dst[i][:0]
		}
		pts[i], errs[i] = open(c.aead, d, ads[i], sealed[i])
	}
	return pts, errs
}

func checkSealed(sealed []byte) error {
	if len(sealed) < overhead {
		return fmt.Errorf("%w: value too short", ErrCorrupt)
	}
	return nil
}
