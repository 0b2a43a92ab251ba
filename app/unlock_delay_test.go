package ui

import (
	"testing"
	"time"
)

func TestGuessDelayGrows(t *testing.T) {
	for fails, want := range map[int]time.Duration{0: 0, 2: 0, 3: time.Second, 4: 2 * time.Second, 8: 32 * time.Second, 100: maxGuessDelay} {
		if got := guessDelay(fails); got != want {
			t.Errorf("after %d wrong tries: %v, want %v", fails, got, want)
		}
	}
}

// The state survives a reload (it goes through its text form) and a clock
// set back cannot make the wait endless.
func TestGuessStateKept(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	var g guessState
	for range 5 {
		g = g.failed(now)
	}
	back := parseGuessState(g.String())
	if back.fails != 5 || back.wait(now) != 4*time.Second {
		t.Fatalf("after a reload: %d fails, wait %v", back.fails, back.wait(now))
	}
	if w := back.wait(now.Add(5 * time.Second)); w != 0 {
		t.Fatalf("after the wait: %v", w)
	}
	if w := (guessState{fails: 9, next: now.Add(1000 * time.Hour)}).wait(now); w != maxGuessDelay {
		t.Fatalf("clock set back: %v", w)
	}
	for _, bad := range []string{"", "x", "3", "-1,5", "a,b"} {
		if g := parseGuessState(bad); g.fails != 0 || g.wait(now) != 0 {
			t.Errorf("%q: %+v", bad, g)
		}
	}
}
