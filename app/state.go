package ui

import (
	"context"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// The running app holds at most one unlocked session, in memory only. It is
// never put in go-app state (which can persist or broadcast in plaintext).
var st struct {
	// mu guards the fields below it for moments only: JS event callbacks
	// (beforeunload, clicks) take it, and a callback that waits on a lock
	// held across an await freezes the page (design.md pitfall 7).
	mu      sync.Mutex
	storeMu sync.Mutex // held while IndexedDB opens; never taken in a JS callback
	store   vault.Store
	sess    *session.Session
	profile string // current profile id
	locking bool   // lockNow is saving drafts before it locks
}

// store opens the browser's vault store once (IndexedDB in the browser, an
// in-memory store elsewhere).
func store(ctx context.Context) (vault.Store, error) {
	st.storeMu.Lock()
	defer st.storeMu.Unlock()
	if st.store != nil {
		return st.store, nil
	}
	s, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	st.store = s
	return s, nil
}

// vaultExists reports whether this browser holds a vault. It waits on
// IndexedDB: call it from ctx.Async.
func vaultExists(ctx context.Context) (bool, error) {
	s, err := store(ctx)
	if err != nil {
		return false, err
	}
	return vault.Exists(ctx, s)
}

// current returns the unlocked session, or nil when locked.
func current() *session.Session {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.sess
}

// setSession installs a freshly unlocked session and picks a profile.
func setSession(s *session.Session) {
	st.mu.Lock()
	st.sess = s
	st.profile = ""
	st.mu.Unlock()
	currentProfile()
	startSync(s)
}

// currentProfile returns the profile being looked at: the chosen one, else the
// "self" profile, else the first. ok is false when there is no profile yet.
func currentProfile() (record.Profile, bool) {
	s := current()
	if s == nil {
		return record.Profile{}, false
	}
	st.mu.Lock()
	id := st.profile
	st.mu.Unlock()
	if p, ok := s.Book().Profile(id); ok {
		return p, true
	}
	ps := s.Book().Profiles()
	if len(ps) == 0 {
		return record.Profile{}, false
	}
	pick := ps[0]
	for _, p := range ps {
		if p.Relationship == "self" {
			pick = p
			break
		}
	}
	st.mu.Lock()
	st.profile = pick.ID
	st.mu.Unlock()
	return pick, true
}

// setProfile switches the profile being looked at.
func setProfile(id string) {
	st.mu.Lock()
	st.profile = id
	st.mu.Unlock()
}

// lockNow writes the drafts to the vault and notes where the person was,
// then wipes the key and every decrypted record and reloads the page, so
// nothing the app decrypted stays reachable in memory.
func lockNow() {
	st.mu.Lock()
	s := st.sess
	locking := st.locking
	st.locking = true
	st.mu.Unlock()
	if locking {
		return
	}
	wipe := func() {
		st.mu.Lock()
		st.sess = nil
		st.profile = ""
		st.mu.Unlock()
		if s != nil {
			s.Lock()
		}
		reloadTo(PathUnlock)
	}
	if s == nil {
		wipe()
		return
	}
	lockSaving(wipe)
}

// requireSession sends the user to the unlock page when the vault is locked
// (or to set-up when there is none). Pages call it from OnNav and render
// nothing private while it returns false.
func requireSession(ctx app.Context) bool {
	if current() != nil {
		return true
	}
	wantedWhileLocked(ctx.Page().URL().RequestURI())
	ctx.Navigate(PathUnlock)
	return false
}
