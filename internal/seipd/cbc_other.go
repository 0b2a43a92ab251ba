//go:build !(js && wasm)

package seipd

import "crypto/cipher"

func newCBC(b cipher.Block, _ []byte) cbcEncrypter { return goCBC{b} }

// usedWebCrypto reports whether the last writer encrypted with WebCrypto.
func usedWebCrypto(cbcEncrypter) bool { return false }
