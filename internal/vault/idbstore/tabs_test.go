//go:build js && wasm

package idbstore

import (
	"sync"
	"syscall/js"
	"testing"
	"time"
)

// Exclusive lets one holder in at a time (the browser's Web Locks), and
// Announce sends the other tabs the word "changed" and nothing else.
func TestTabsExclusiveAndAnnounce(t *testing.T) {
	s := open(t)
	var mu sync.Mutex
	inside, most := 0, 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Exclusive(ctx, func() error {
				mu.Lock()
				inside++
				most = max(most, inside)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
				mu.Lock()
				inside--
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("%d holders at once", most)
	}

	got := make(chan string, 1)
	other := js.Global().Get("BroadcastChannel").New(channelName) // as another tab
	defer other.Call("close")
	other.Set("onmessage", js.FuncOf(func(this js.Value, args []js.Value) any {
		got <- args[0].Get("data").String()
		return nil
	}))
	s.Announce()
	select {
	case msg := <-got:
		if msg != "changed" {
			t.Fatalf("announced %q", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing announced")
	}
}

func TestTryExclusive(t *testing.T) {
	var inner, outer bool
	outer = TryExclusive("backpack-test-try", func() {
		inner = TryExclusive("backpack-test-try", func() {})
	})
	if !outer || inner {
		t.Fatalf("outer ran %v, inner (lock taken) ran %v", outer, inner)
	}
	// The browser frees the lock a moment after it is released.
	for i := 0; !TryExclusive("backpack-test-try", func() {}); i++ {
		if i == 40 {
			t.Fatal("the lock was not given back")
		}
		time.Sleep(25 * time.Millisecond)
	}
}
