//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/jsutil"
	"backpack/internal/worker"
)

// The worker's bootstrap at this version's URL (immutable), which the
// service worker keeps offline once precacheWorker has run.
func init() {
	if web := app.Getenv("GOAPP_STATIC_RESOURCES_URL"); web != "" {
		worker.URL = web + strings.TrimPrefix(worker.Path, "/web")
	}
}

// workerPrewarm starts the worker module ahead of its first job.
func workerPrewarm() { worker.Prewarm() }

// workerFault is a fault the e2e tests ask the worker for
// (window.backpackWorkerFault: worker.FaultPanic or worker.FaultExit), to
// show what the page does when its worker fails; "" otherwise.
func workerFault() string {
	v := js.Global().Get("backpackWorkerFault")
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// precacheWait is how long after the first screen the worker module is
// fetched into the service worker's cache: it is not part of the first
// download, and must not compete with it.
const precacheWait = 3 * time.Second

var (
	precacheOnce sync.Once
	errNoCache   = errors.New("precache: no service worker cache for this version")
)

// precacheWorker puts the worker module (bootstrap and wasm) into the
// service worker's cache for this version, once the first screen is up, so
// import works offline after one visit. Only into this version's cache and
// only when the service worker made it: a page of an older version must
// not bring back a cache the new worker deleted.
func precacheWorker() {
	precacheOnce.Do(func() {
		go func() {
			time.Sleep(precacheWait)
			if err := precacheWorkerNow(context.Background()); err == nil {
				js.Global().Set("backpackWorkerPrecached", true) // for the e2e tests
			}
		}()
	})
}

func precacheWorkerNow(ctx context.Context) error {
	sw := js.Global().Get("navigator").Get("serviceWorker")
	caches := js.Global().Get("caches")
	if !sw.Truthy() || !caches.Truthy() {
		return errNoCache
	}
	if _, err := jsutil.Await(ctx, sw.Get("ready")); err != nil {
		return err
	}
	has, err := jsutil.Await(ctx, caches.Call("has", swCache()))
	if err != nil || !has.Truthy() {
		return errNoCache
	}
	cache, err := jsutil.Await(ctx, caches.Call("open", swCache()))
	if err != nil {
		return err
	}
	dir := worker.URL[:strings.LastIndex(worker.URL, "/")+1]
	for _, u := range []string{worker.URL, dir + worker.WasmName} {
		if hit, err := jsutil.Await(ctx, cache.Call("match", u)); err == nil && hit.Truthy() {
			continue
		}
		if _, err := jsutil.Await(ctx, cache.Call("add", u)); err != nil {
			return err
		}
	}
	return nil
}
