//go:build js && wasm

package seipd

import (
	"bytes"
	"crypto/sha1"
	"syscall/js"
	"testing"
	"time"
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

// In the browser every test runs with the MDC worker, loaded from a blob:
// URL of its embedded source (the app serves it from its own origin).
func init() {
	blob := js.Global().Get("Blob").New([]any{WorkerJS}, map[string]any{"type": "text/javascript"})
	WorkerURL = js.Global().Get("URL").Call("createObjectURL", blob).String()
}

// TestWorkerUsed checks that the worker answers and hashes as Go does.
func TestWorkerUsed(t *testing.T) {
	h := newMDCHash()
	if _, ok := h.(*workerHash); !ok {
		t.Fatalf("got %T, want the worker", h)
	}
	data := payload(3<<20 + 5)
	for p := data; len(p) > 0; {
		n := min(len(p), 100003)
		h.Write(p[:n])
		p = p[n:]
	}
	got, err := h.sum()
	want := sha1.Sum(data)
	if err != nil || !bytes.Equal(got, want[:]) {
		t.Fatalf("worker digest %x, %v; want %x", got, err, want)
	}
	saved := WorkerURL
	WorkerURL = "/no-such-worker.js"
	defer func() { WorkerURL = saved }()
	if _, ok := newMDCHash().(goSHA1); !ok {
		t.Fatal("no fallback to Go when the worker cannot start")
	}
}

// TestPrewarm checks that a prewarmed worker is the next one used.
func TestPrewarm(t *testing.T) {
	Prewarm()
	for i := 0; i < 100; i++ {
		spareMu.Lock()
		ok := spare != nil
		spareMu.Unlock()
		if ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	spareMu.Lock()
	w := spare
	spareMu.Unlock()
	if w == nil {
		t.Fatal("no spare worker")
	}
	if h := newMDCHash(); h != mdcHash(w) {
		t.Fatal("the spare worker was not used")
	}
	w.done()
}
