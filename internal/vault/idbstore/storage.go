//go:build js && wasm

package idbstore

import (
	"context"
	"errors"
	"syscall/js"

	"backpack/internal/jsutil"
)

// ErrUnsupported is returned when the browser has no navigator.storage (an
// insecure context or an old browser).
var ErrUnsupported = errors.New("idbstore: navigator.storage is not available")

func storageManager() (js.Value, error) {
	nav := js.Global().Get("navigator")
	if nav.IsUndefined() {
		return js.Value{}, ErrUnsupported
	}
	sm := nav.Get("storage")
	if sm.IsUndefined() || sm.IsNull() {
		return js.Value{}, ErrUnsupported
	}
	return sm, nil
}

// callPromise calls method on the storage manager and awaits its promise.
func callPromise(ctx context.Context, method string) (js.Value, error) {
	sm, err := storageManager()
	if err != nil {
		return js.Value{}, err
	}
	if sm.Get(method).Type() != js.TypeFunction {
		return js.Value{}, ErrUnsupported
	}
	return jsutil.Await(ctx, sm.Call(method))
}

// Persist asks the browser to keep Backpack's storage when space runs low
// (navigator.storage.persist). It reports whether storage is now persistent;
// browsers may say no without asking the user.
func Persist(ctx context.Context) (bool, error) {
	v, err := callPromise(ctx, "persist")
	if err != nil {
		return false, err
	}
	return v.Truthy(), nil
}

// Persisted reports whether storage is already persistent, without asking.
func Persisted(ctx context.Context) (bool, error) {
	v, err := callPromise(ctx, "persisted")
	if err != nil {
		return false, err
	}
	return v.Truthy(), nil
}

// Estimate returns the bytes this origin uses and the quota the browser
// grants it (navigator.storage.estimate). Both are estimates.
func Estimate(ctx context.Context) (usage, quota uint64, err error) {
	v, err := callPromise(ctx, "estimate")
	if err != nil {
		return 0, 0, err
	}
	num := func(name string) uint64 {
		if x := v.Get(name); x.Type() == js.TypeNumber && x.Float() > 0 {
			return uint64(x.Float())
		}
		return 0
	}
	return num("usage"), num("quota"), nil
}
