package vault

import "fmt"

// File chunks are sealed and opened in batches through these two methods,
// so that on js/wasm they can go to WebCrypto (native AES-GCM, an order of
// magnitude faster than Go's in wasm) with one promise per batch. The
// output is the same nonce || ciphertext || tag as seal, so values written
// by either path open with the other. Callers must not hold Vault.mu:
// WebCrypto is awaited.

// sealBatch seals each plaintext under its AAD with a fresh random nonce.
func (k *keys) sealBatch(ads, pts [][]byte) ([][]byte, error) {
	if out, ok := k.web.sealBatch(ads, pts); ok {
		return out, nil
	}
	out := make([][]byte, len(pts))
	for i := range pts {
		out[i] = seal(k.aead, ads[i], pts[i])
	}
	return out, nil
}

// openBatch opens each sealed value into the matching dst buffer (which may
// be nil). errs[i] is ErrCorrupt where authentication fails.
func (k *keys) openBatch(dst, ads, sealed [][]byte) (pts [][]byte, errs []error) {
	if pts, errs, ok := k.web.openBatch(dst, ads, sealed); ok {
		return pts, errs
	}
	pts, errs = make([][]byte, len(sealed)), make([]error, len(sealed))
	for i := range sealed {
		var d []byte
		if i < len(dst) {
			d = dst[i][:0]
		}
		pts[i], errs[i] = open(k.aead, d, ads[i], sealed[i])
	}
	return pts, errs
}

func checkSealed(sealed []byte) error {
	if len(sealed) < overhead {
		return fmt.Errorf("%w: value too short", ErrCorrupt)
	}
	return nil
}
