//go:build js && wasm

package ui

import (
	"errors"
	"syscall/js"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// await waits for a JS promise. Call it from a goroutine (ctx.Async), never
// from inside a js.FuncOf callback.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var onOK, onErr js.Func
	onOK = js.FuncOf(func(this js.Value, args []js.Value) any {
		var v js.Value
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{v: v}
		return nil
	})
	onErr = js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "promise rejected"
		if len(args) > 0 && args[0].Truthy() {
			if m := args[0].Get("message"); m.Type() == js.TypeString {
				msg = m.String()
			}
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	p.Call("then", onOK, onErr)
	r := <-ch
	onOK.Release()
	onErr.Release()
	return r.v, r.err
}

// newVersionInstalled reports whether the service worker that is now active
// caches another version than the one running. (go-app reports an update on
// the very first install too, when the worker claims the page.)
func newVersionInstalled() bool {
	caches := js.Global().Get("caches")
	if !caches.Truthy() {
		return false
	}
	keys, err := await(caches.Call("keys"))
	if err != nil {
		return false
	}
	running := "backpack-" + app.Getenv("GOAPP_VERSION")
	n := keys.Length()
	for i := 0; i < n; i++ {
		if keys.Index(i).String() == running {
			return false
		}
	}
	return n > 0
}
