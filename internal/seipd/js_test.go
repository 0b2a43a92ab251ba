//go:build js && wasm

package seipd

import (
	"bytes"
	"testing"
)

// TestWebCryptoUsed checks that in a browser the writer encrypts with
// WebCrypto (the other tests then check its bytes), and that the Go
// fallback writes the same bytes.
func TestWebCryptoUsed(t *testing.T) {
	var a, b bytes.Buffer
	w, err := newWriter(&a, testKey, bytes.NewReader(make([]byte, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if !usedWebCrypto(w.enc) {
		t.Fatal("WebCrypto not used")
	}
	data := payload(chunk + 77)
	w.Write(data)
	w.Close()
	useWebCrypto = false
	defer func() { useWebCrypto = true }()
	w, _ = newWriter(&b, testKey, bytes.NewReader(make([]byte, 16)))
	if usedWebCrypto(w.enc) {
		t.Fatal("WebCrypto used")
	}
	w.Write(data)
	w.Close()
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("WebCrypto and Go differ")
	}
}
