//go:build !(js && wasm)

package vault

// webKey is WebCrypto's copy of the encryption key; outside the browser
// there is none and file chunks use the Go AEAD.
type webKey struct{}

func importWebKey([]byte) webKey { return webKey{} }

func (webKey) sealBatch(_, _ [][]byte) ([][]byte, bool) { return nil, false }

func (webKey) openBatch(_, _, _ [][]byte) ([][]byte, []error, bool) { return nil, nil, false }
