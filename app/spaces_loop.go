package ui

import (
	"context"
	"time"

	"backpack/internal/session"
)

// The shared people sync beside the vault, whether or not the vault itself
// syncs (a member may use sync for nothing else): a loop per unlocked
// session looks every few seconds for changes waiting and syncs them, and
// pulls at least every minute. It takes the same cross-tab lock as the
// vault's sync, so one tab writes what it pulled at a time.

var spaceWake = make(chan struct{}, 1)

// wakeSpaces asks the loop to sync the shared people now.
func wakeSpaces() {
	select {
	case spaceWake <- struct{}{}:
	default:
	}
}

// startSpaces runs the loop of s until s is locked or replaced.
func startSpaces(s *session.Session) {
	if s == nil {
		return
	}
	go spaceLoop(s)
}

func spaceLoop(s *session.Session) {
	ctx := context.Background()
	last := time.Time{}
	for current() == s && !s.Locked() {
		refreshSpaces(ctx, s)
		b := spaces()
		if b != nil && (spacesWaiting() || time.Since(last) >= syncEvery) && len(sharedList()) > 0 {
			last = time.Now()
			syncSpacesOnce(ctx, s, b)
		}
		select {
		case <-spaceWake:
			last = time.Time{}
		case <-time.After(syncCheck):
		}
	}
}

// syncSpacesOnce syncs every shared person and shows the result.
func syncSpacesOnce(ctx context.Context, s *session.Session, b spaceBackend) {
	var pulled bool
	if !syncExclusive(func() { pulled, _ = b.Sync(ctx, s) }) {
		return // another tab syncs now
	}
	if pulled {
		followChange() // what the other person changed shows as another tab's change would
	}
}

// spacesWaiting reports whether changes to a shared person wait here.
func spacesWaiting() bool {
	for _, in := range sharedList() {
		if in.Waiting > 0 && !in.Removed {
			return true
		}
	}
	return false
}
