package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"backpack/internal/i18n"
	"backpack/internal/replica"
	"backpack/internal/session"
	"backpack/internal/syncproto"
)

// Sync runs beside the app, never in its way: once a session is unlocked
// and its vault syncs, a loop syncs at once, then whenever changes wait
// (checked every few seconds) and at least every minute to pull. A failed
// sync is shown on the Devices page and tried again later; edits never
// wait for it (the engine holds the vault's write lock only to store what
// it pulled).

// syncEvery is how often the loop pulls when nothing waits here; syncCheck
// how often it looks for changes of this device.
const (
	syncEvery = time.Minute
	syncCheck = 4 * time.Second
)

var syncer struct {
	mu      sync.Mutex
	sess    *session.Session // the session the engine belongs to
	eng     *replica.Engine
	status  replica.Status
	err     error
	running bool
	wake    chan struct{}
}

// syncOptions reach this page's own server.
func syncOptions() replica.Options {
	origin, _ := xpLocation()
	return replica.Options{Origin: origin}
}

// startSync opens the engine of a freshly unlocked session (when its vault
// syncs) and runs the loop until the session is locked or replaced.
func startSync(s *session.Session) {
	if s == nil {
		return
	}
	startSpaces(s) // shared people sync whether or not the vault does
	go func() {
		eng, err := replica.Open(context.Background(), s, syncOptions())
		if err != nil {
			return // sync is off (or the state is unreadable: the Devices page says so)
		}
		useEngine(s, eng)
	}()
}

// useEngine installs eng as the engine of s and starts its loop.
func useEngine(s *session.Session, eng *replica.Engine) {
	syncer.mu.Lock()
	syncer.sess, syncer.eng, syncer.err = s, eng, nil
	wake := make(chan struct{}, 1)
	syncer.wake = wake
	syncer.mu.Unlock()
	go syncLoop(s, eng, wake)
}

// stopSync forgets the engine (sync was turned off on this device); its
// loop ends at its next look.
func stopSync() {
	syncer.mu.Lock()
	syncer.sess, syncer.eng, syncer.wake, syncer.err = nil, nil, nil, nil
	syncer.status = replica.Status{}
	syncer.mu.Unlock()
}

// engine returns the running engine of the current session, or nil.
func engine() *replica.Engine {
	syncer.mu.Lock()
	defer syncer.mu.Unlock()
	if syncer.sess == nil || syncer.sess != current() {
		return nil
	}
	return syncer.eng
}

// wakeSync asks the loop to sync now.
func wakeSync() {
	wakeSpaces()
	syncer.mu.Lock()
	w := syncer.wake
	syncer.mu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

func syncLoop(s *session.Session, eng *replica.Engine, wake chan struct{}) {
	ctx := context.Background()
	last := time.Time{}
	for {
		syncer.mu.Lock()
		mine := syncer.eng == eng
		syncer.mu.Unlock()
		if !mine || current() != s || s.Locked() {
			return
		}
		st, err := eng.Status(ctx)
		if err != nil {
			return // locked, or sync turned off here
		}
		if st.Waiting > 0 || time.Since(last) >= syncEvery {
			last = time.Now()
			runSync(ctx, eng)
		}
		select {
		case <-wake:
			last = time.Time{}
		case <-time.After(syncCheck):
		}
	}
}

// runSync syncs once and shows the result.
func runSync(ctx context.Context, eng *replica.Engine) {
	syncer.mu.Lock()
	if syncer.running {
		syncer.mu.Unlock()
		return
	}
	syncer.running = true
	syncer.mu.Unlock()
	var res replica.Result
	var err error
	t0 := time.Now()
	if !syncExclusive(func() { res, err = eng.Sync(ctx); syncStats(res, time.Since(t0)) }) {
		syncer.mu.Lock()
		syncer.running = false
		syncer.mu.Unlock()
		return // another tab syncs now
	}
	st, _ := eng.Status(ctx)
	syncer.mu.Lock()
	syncer.running, syncer.err, syncer.status = false, err, st
	syncer.mu.Unlock()
	if res.Pulled > 0 {
		followChange() // what another device changed shows as another tab's would
	} else {
		updateShell()
	}
}

// syncState is what the status line says.
func syncState() (st replica.Status, err error, running bool) {
	syncer.mu.Lock()
	defer syncer.mu.Unlock()
	return syncer.status, syncer.err, syncer.running
}

// syncStatusText is "Synced 2 min ago", and "3 changes waiting" when some do.
func syncStatusText(st replica.Status, now time.Time) (synced, waiting string) {
	switch d := now.Sub(st.Synced); {
	case st.Synced.IsZero():
		synced = i18n.T("sync.status.never")
	case d < time.Minute:
		synced = i18n.T("sync.status.now")
	case d < time.Hour:
		synced = i18n.N("sync.status.min", int(d/time.Minute))
	case d < 24*time.Hour:
		synced = i18n.N("sync.status.hours", int(d/time.Hour))
	default:
		synced = i18n.T("sync.status.date", fileDate(st.Synced))
	}
	if st.Waiting > 0 {
		waiting = i18n.N("sync.waiting", st.Waiting)
	}
	return synced, waiting
}

// syncErrorText says why a sync failed, in plain words.
func syncErrorText(err error) string {
	var pe *syncproto.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, replica.ErrOffline):
		return i18n.T("sync.offline")
	case errors.Is(err, syncproto.ErrTampered), errors.Is(err, syncproto.ErrRollback), errors.Is(err, syncproto.ErrBadSignature):
		return i18n.T("sync.err.tampered")
	case errors.As(err, &pe) && pe.Code == syncproto.CodeUnauthorized:
		return i18n.T("sync.err.removed")
	case errors.As(err, &pe) && pe.Code == syncproto.CodeUnavailable:
		return i18n.T("sync.err.off")
	case errors.As(err, &pe) && pe.Code == syncproto.CodeQuota:
		return i18n.T("sync.err.quota")
	}
	return i18n.T("sync.err.generic")
}
