//go:build js && wasm

// Package jsutil holds what every browser-side package needs from
// syscall/js: waiting for a promise, and calling into JavaScript without a
// thrown exception becoming a panic.
package jsutil

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
)

// Await waits for a JS promise, from a goroutine (never from inside a
// js.FuncOf callback, which would block the event loop the promise needs).
// A rejection becomes an error holding the reason's name and message.
func Await(ctx context.Context, promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1) // buffered: the callbacks never block
	resolve := js.FuncOf(func(_ js.Value, args []js.Value) any {
		var v js.Value
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{v: v}
		return nil
	})
	reject := js.FuncOf(func(_ js.Value, args []js.Value) any {
		err := errors.New("promise rejected")
		if len(args) > 0 {
			err = jsError(args[0])
		}
		ch <- result{err: err}
		return nil
	})
	release := func() { resolve.Release(); reject.Release() }
	promise.Call("then", resolve, reject)
	select {
	case r := <-ch:
		release()
		return r.v, r.err
	case <-ctx.Done():
		// Keep the callbacks until the promise settles: calling a released
		// function is an error in the page.
		go func() { <-ch; release() }()
		return js.Value{}, ctx.Err()
	}
}

func jsError(v js.Value) error {
	if v.Type() == js.TypeObject {
		name, msg := v.Get("name"), v.Get("message")
		if name.Type() == js.TypeString {
			return fmt.Errorf("%s: %s", name.String(), msg.String())
		}
	}
	return fmt.Errorf("promise rejected: %s", v.Type())
}

// ErrThrown is returned by Call and Catch when JavaScript threw.
var ErrThrown = errors.New("jsutil: JavaScript call threw")

// Call calls a method, turning a JS exception into ErrThrown.
func Call(v js.Value, method string, args ...any) (res js.Value, err error) {
	err = Catch(func() { res = v.Call(method, args...) })
	return res, err
}

// Catch runs f, turning a JS exception (which syscall/js raises as a
// panic) into ErrThrown. Callers fall back to Go on any error, so any panic
// of f is caught alike.
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = ErrThrown
		}
	}()
	f()
	return nil
}
