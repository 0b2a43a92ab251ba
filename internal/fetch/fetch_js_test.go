//go:build js && wasm

package fetch

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall/js"
	"testing"
)

// blobURL is a same-origin URL of b, served by the browser itself.
func blobURL(t *testing.T, b []byte, ctype string) string {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	opts := js.Global().Get("Object").New()
	opts.Set("type", ctype)
	blob := js.Global().Get("Blob").New([]any{a}, opts)
	u := js.Global().Get("URL").Call("createObjectURL", blob).String()
	t.Cleanup(func() { js.Global().Get("URL").Call("revokeObjectURL", u) })
	return u
}

func TestBrowserDo(t *testing.T) {
	ctx := context.Background()
	u := blobURL(t, []byte("hello world"), "text/plain")
	res, err := Default.Do(ctx, Request{URL: u})
	if err != nil || res.Status != 200 || string(res.Body) != "hello world" || res.Get("Content-Type") != "text/plain" {
		t.Fatalf("%v %d %q %v", err, res.Status, res.Body, res.Header)
	}
	if res, err := Default.Do(ctx, Request{URL: u, Limit: 5}); !errors.Is(err, ErrTooLarge) || res.Status != 200 || res.Body != nil {
		t.Errorf("over the limit: %v %d %q", err, res.Status, res.Body)
	}

	// Several chunks of the body's stream, put together.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	res, err = Default.Do(ctx, Request{URL: blobURL(t, big, "application/octet-stream"), Limit: int64(len(big))})
	if err != nil || !bytes.Equal(res.Body, big) {
		t.Errorf("4 MiB: %v, %d bytes back", err, len(res.Body))
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Default.Do(cctx, Request{URL: u}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// The browser's message for a failed fetch can hold the URL; the error
// does not.
func TestBrowserErrorHasNoURL(t *testing.T) {
	res, err := Default.Do(context.Background(), Request{URL: "http://[bad/fhir/Observation?patient=secret-id"})
	if err == nil || res.Status != 0 {
		t.Fatalf("a bad URL: %v %d", err, res.Status)
	}
	if strings.Contains(err.Error(), "secret-id") {
		t.Errorf("error holds the URL: %v", err)
	}
}
