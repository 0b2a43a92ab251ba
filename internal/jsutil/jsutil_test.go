//go:build js && wasm

package jsutil

import (
	"context"
	"errors"
	"strings"
	"syscall/js"
	"testing"
	"time"
)

func TestAwait(t *testing.T) {
	ctx := context.Background()
	promise := js.Global().Get("Promise")
	if v, err := Await(ctx, promise.Call("resolve", 42)); err != nil || v.Int() != 42 {
		t.Fatal(v, err)
	}
	rejected := promise.Call("reject", js.Global().Get("Error").New("boom"))
	if _, err := Await(ctx, rejected); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatal(err)
	}
	never := promise.New(js.FuncOf(func(js.Value, []js.Value) any { return nil }))
	c, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := Await(c, never); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
}

func TestCall(t *testing.T) {
	if v, err := Call(js.Global().Get("Math"), "max", 3, 7); err != nil || v.Int() != 7 {
		t.Fatal(v, err)
	}
	if _, err := Call(js.Global().Get("JSON"), "parse", "{not json"); !errors.Is(err, ErrThrown) {
		t.Fatalf("a throwing call gave %v", err)
	}
}
