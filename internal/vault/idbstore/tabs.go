//go:build js && wasm

package idbstore

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"backpack/internal/vault"
)

var _ vault.Shared = (*Store)(nil)

// lockName is the Web Lock every tab of this origin takes to write the vault.
const lockName = "backpack-vault-write"

// channelName is the BroadcastChannel on which tabs say "changed". Messages
// carry that word only: no id, no data (the channel is not encrypted).
const channelName = "backpack-vault"

const changedMsg = "changed"

// tabs holds the BroadcastChannel this tab announces on and listens to.
var tabs struct {
	once     sync.Once
	ch       js.Value
	mu       sync.Mutex
	watchers []func()
	fallback sync.Mutex   // when the browser has no Web Locks
	held     atomic.Int32 // this tab's Exclusive calls holding the lock
	onWait   atomic.Pointer[func(bool)]
}

// waitNotice is how long a write waits for the lock before OnWait's
// function hears that another tab holds it.
const waitNotice = time.Second

// OnWait sets fn, called (in a goroutine) with true when a write of this
// tab has waited waitNotice for the lock while another tab holds it (a
// long import or restore there), and with false once it has it.
func (s *Store) OnWait(fn func(waiting bool)) { tabs.onWait.Store(&fn) }

// noticeWait starts the wait notice of one lock request; stop ends it.
func noticeWait() (stop func()) {
	var told atomic.Bool
	t := time.AfterFunc(waitNotice, func() {
		if fn := tabs.onWait.Load(); fn != nil && tabs.held.Load() == 0 {
			told.Store(true)
			go (*fn)(true)
		}
	})
	return func() {
		t.Stop()
		if told.Load() {
			go (*tabs.onWait.Load())(false)
		}
	}
}

func channel() js.Value {
	tabs.once.Do(func() {
		bc := js.Global().Get("BroadcastChannel")
		if !bc.Truthy() {
			return
		}
		tabs.ch = bc.New(channelName)
		tabs.ch.Set("onmessage", js.FuncOf(func(this js.Value, args []js.Value) any {
			if len(args) == 0 || args[0].Get("data").Type() != js.TypeString || args[0].Get("data").String() != changedMsg {
				return nil
			}
			tabs.mu.Lock()
			ws := append([]func(){}, tabs.watchers...)
			tabs.mu.Unlock()
			for _, w := range ws {
				go w() // never block in a callback
			}
			return nil
		}))
	})
	return tabs.ch
}

// Exclusive implements vault.Shared with the Web Locks API: the lock is
// held across tabs of this origin until fn returns. Without Web Locks
// (very old browsers) it only orders this tab's writers.
func (s *Store) Exclusive(ctx context.Context, fn func() error) error {
	locks := js.Global().Get("navigator").Get("locks")
	if !locks.Truthy() {
		tabs.fallback.Lock()
		defer tabs.fallback.Unlock()
		return fn()
	}
	granted := make(chan js.Value, 1) // the function that releases the lock
	failed := make(chan error, 1)
	cb := js.FuncOf(func(this js.Value, args []js.Value) any {
		var release js.Value
		exec := js.FuncOf(func(this js.Value, a []js.Value) any {
			release = a[0]
			return nil
		})
		p := js.Global().Get("Promise").New(exec) // the executor runs at once
		exec.Release()
		granted <- release
		return p
	})
	onErr := js.FuncOf(func(this js.Value, args []js.Value) any {
		failed <- &DOMError{Name: "LockError", Message: "the vault's write lock was refused"}
		return nil
	})
	locks.Call("request", lockName, cb).Call("catch", onErr)
	stop := noticeWait()
	var release js.Value
	select {
	case release = <-granted:
		stop()
		cb.Release() // onErr stays: the request's promise settles later
	case err := <-failed:
		stop()
		cb.Release()
		onErr.Release()
		return err
	case <-ctx.Done():
		stop()
		// The request stays queued: release the lock as soon as it comes.
		go func() {
			select {
			case r := <-granted:
				r.Invoke()
			case <-failed:
			}
		}()
		return ctx.Err()
	}
	defer release.Invoke()
	tabs.held.Add(1)
	defer tabs.held.Add(-1)
	return fn()
}

// Announce implements vault.Shared: it tells the other tabs "changed".
func (s *Store) Announce() {
	if ch := channel(); ch.Truthy() {
		ch.Call("postMessage", changedMsg)
	}
}

// Watch calls fn (in a goroutine) whenever another tab announces a change.
func (s *Store) Watch(fn func()) {
	channel()
	tabs.mu.Lock()
	tabs.watchers = append(tabs.watchers, fn)
	tabs.mu.Unlock()
}
