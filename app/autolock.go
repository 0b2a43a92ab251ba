package ui

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

// Auto-lock: activity (pointer, keys, wheel, touch) resets an idle timer.
// A minute before it runs out the shell asks "Still there?"; when it runs
// out, drafts are written to the vault, where the person was is noted, and
// the vault locks. After unlocking (also after a reload or from a deep
// link) the app goes back to that page, person and scroll position.

var idle struct {
	mu     sync.Mutex
	last   time.Time
	warned bool
}

// touched records activity; it takes the warning away.
func touched() {
	idle.mu.Lock()
	idle.last = time.Now()
	was := idle.warned
	idle.warned = false
	idle.mu.Unlock()
	if was {
		updateShell()
	}
}

// idleWarned reports whether the shell shows the "Still there?" warning.
func idleWarned() bool {
	idle.mu.Lock()
	defer idle.mu.Unlock()
	return idle.warned
}

// lockWarning is how long before the auto-lock the warning shows: a
// minute, or half the idle time when that is shorter.
func lockWarning(limit time.Duration) time.Duration { return min(time.Minute, limit/2) }

// idleCheck runs every second while the app is open.
func idleCheck() {
	limit := autoLockAfter()
	if limit <= 0 || current() == nil {
		return
	}
	idle.mu.Lock()
	if idle.last.IsZero() {
		idle.last = time.Now()
	}
	quiet := time.Since(idle.last)
	warn := quiet >= limit-lockWarning(limit) && !idle.warned
	if warn {
		idle.warned = true
	}
	idle.mu.Unlock()
	switch {
	case quiet >= limit:
		lockNow()
	case warn:
		updateShell()
	}
}

// autoLockAfter is the idle time before the vault locks (0 = never): the
// setting in minutes (default 10); "autolock.s", in seconds, overrides it
// (tests, kiosks).
func autoLockAfter() time.Duration {
	if n, err := strconv.Atoi(pref("autolock.s")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return time.Duration(autoLockMinutes()) * time.Minute
}

// idleBanner is the warning the shell shows before the auto-lock.
func idleBanner() app.UI {
	return app.Div().ID("idle-warning").Class("banner idle-warning").Role("alert").Body(
		app.Span().Text(i18n.T("drafts.idle")),
		app.Button().ID("stay-unlocked").Class("btn btn-small").Text(i18n.T("drafts.idle.stay")).
			OnClick(func(ctx app.Context, e app.Event) { touched() }),
	)
}

// --- where the person was

// where is the page, person and scroll position to come back to after an
// unlock. It lives in the tab's sessionStorage: a path of random ids (as
// the address bar shows), a random profile id and a number; no health data.
type where struct {
	Path    string `json:"path"`
	Profile string `json:"profile,omitempty"`
	Scroll  int    `json:"scroll,omitempty"`
}

const whereKey = "backpack.where"

// noReturn are pages never gone back to after an unlock.
var noReturn = []string{PathUnlock, PathSetup, PathView}

func returnable(path string) bool {
	if path == "" || path == PathHome {
		return false
	}
	for _, p := range noReturn {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return true
}

func loadWhere() (where, bool) {
	var w where
	v := app.Window().Get("sessionStorage")
	if !v.Truthy() {
		return w, false
	}
	s := v.Call("getItem", whereKey)
	if !s.Truthy() || json.Unmarshal([]byte(s.String()), &w) != nil || !returnable(w.Path) {
		return where{}, false
	}
	return w, true
}

func saveWhere(w where) {
	if !returnable(w.Path) {
		return
	}
	if v := app.Window().Get("sessionStorage"); v.Truthy() {
		b, _ := json.Marshal(w)
		v.Call("setItem", whereKey, string(b))
	}
}

// noteWhere records the page on screen, the person and the scroll position.
func noteWhere() {
	if current() == nil {
		return
	}
	loc := app.Window().Get("location")
	path := loc.Get("pathname").String() + loc.Get("search").String()
	st.mu.Lock()
	prof := st.profile
	st.mu.Unlock()
	saveWhere(where{Path: path, Profile: prof, Scroll: app.Window().Get("scrollY").Int()})
}

// wantedWhileLocked notes a page asked for while the vault is locked (a
// reload or a deep link): the unlock goes there. The scroll position is
// kept when it is the page noted before.
func wantedWhileLocked(path string) {
	if !returnable(path) {
		return
	}
	w, ok := loadWhere()
	if ok && w.Path == path {
		return
	}
	saveWhere(where{Path: path, Profile: w.Profile})
}

// pendingScroll is the position to restore on the next page shown.
var pendingScroll struct {
	mu   sync.Mutex
	path string
	y    int
}

// goBackAfterUnlock navigates to where the person was and reports whether
// there was such a place.
func goBackAfterUnlock(ctx app.Context) bool {
	w, ok := loadWhere()
	if !ok {
		return false
	}
	if s := current(); s != nil && w.Profile != "" {
		if _, known := s.Book().Profile(w.Profile); known {
			setProfile(w.Profile)
		}
	}
	pendingScroll.mu.Lock()
	pendingScroll.path, pendingScroll.y = pathOnly(w.Path), w.Scroll
	pendingScroll.mu.Unlock()
	ctx.Navigate(w.Path)
	return true
}

func pathOnly(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}

// placePage runs when a page is shown: a page the unlock went back to
// scrolls to where it was (as soon as its content is long enough), every
// other new page opens at the top.
func placePage(ctx app.Context) {
	path := ctx.Page().URL().Path
	pendingScroll.mu.Lock()
	y := 0
	if pendingScroll.path == path {
		y = pendingScroll.y
	}
	pendingScroll.path, pendingScroll.y = "", 0
	pendingScroll.mu.Unlock()
	if ctx.Page().URL().Fragment != "" {
		return // go-app scrolls to the fragment
	}
	app.Window().Call("scrollTo", 0, 0)
	if y > 0 {
		scrollWhenReady(ctx, y, 30, -1)
	}
}

// scrollWhenReady scrolls to y, again every 100 ms while the page is too
// short to get there (its content still coming), tries times at most. It
// stops as soon as the page is scrolled by anything else (the person, a
// link to a part of it): where they went wins, and a button they are
// about to tap does not move away under their finger. last is where it
// left the page the time before (-1 at first).
func scrollWhenReady(ctx app.Context, y, tries, last int) {
	if last >= 0 && app.Window().Get("scrollY").Int() != last {
		return
	}
	app.Window().Call("scrollTo", 0, y)
	now := app.Window().Get("scrollY").Int()
	if now >= y-2 || tries <= 0 {
		return
	}
	ctx.After(100*time.Millisecond, func(ctx app.Context) { scrollWhenReady(ctx, y, tries-1, now) })
}

// lockSaving writes the drafts and notes where the person was, then locks.
func lockSaving(done func()) {
	noteWhere()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		flushDrafts(ctx)
		done()
	}()
}
