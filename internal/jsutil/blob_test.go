//go:build js && wasm

package jsutil

import (
	"bytes"
	"io"
	"syscall/js"
	"testing"
)

// BlobReader streams a Blob's bytes, all of them, in order.
func TestBlobReader(t *testing.T) {
	want := bytes.Repeat([]byte("backpack\x00\xff"), 200000) // 2 MB: several stream chunks
	u8 := js.Global().Get("Uint8Array").New(len(want))
	js.CopyBytesToJS(u8, want)
	blob := js.Global().Get("Blob").New([]any{u8})
	r := BlobReader(blob)
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want %d (same: %v)", len(got), len(want), bytes.Equal(got, want))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// Closed before the end: the stream is cancelled, nothing throws.
	r = BlobReader(blob)
	if _, err := r.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
