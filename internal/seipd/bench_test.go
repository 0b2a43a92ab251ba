package seipd

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkWrite encrypts 8 MiB (in a browser: through WebCrypto).
func BenchmarkWrite(b *testing.B) {
	data := payload(8 << 20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w, _ := NewWriter(io.Discard, testKey)
		w.Write(data)
		w.Close()
	}
}

// BenchmarkRead decrypts and checks 8 MiB.
func BenchmarkRead(b *testing.B) {
	msg := message(b, payload(8<<20), 1<<30)
	body, _ := io.ReadAll(seipdBody(b, msg))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(body), testKey)
		io.Copy(io.Discard, r)
	}
}
