package ui

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/vault"
)

// zxcvbn's word lists (web/zxcvbn.dat, about 0.35 MB brotli) are not in
// the page module: a page that shows a new-passphrase field asks for them
// (wantWordLists) and re-renders when they are here. Until then the meter
// says "Checking…" and no passphrase is strong enough; a submit waits for
// them (waitWordLists). The file is precached by the service worker with
// the app, so this works offline after one visit.
var wordListsLoad struct {
	sync.Mutex
	running bool
	failed  bool
	done    chan struct{} // closed when the current attempt ends
	waiting []app.Context // components to re-render then
}

// wantWordLists starts loading the word lists unless they are loaded or
// loading, and re-renders ctx's component (a page's own context) when
// they are, or when loading failed. Calling it after a failure tries again.
func wantWordLists(ctx app.Context) {
	if vault.WordListsLoaded() || !wordListsFetchable {
		return
	}
	l := &wordListsLoad
	l.Lock()
	defer l.Unlock()
	l.waiting = append(l.waiting, ctx)
	if l.running {
		return
	}
	l.running, l.failed, l.done = true, false, make(chan struct{})
	ctx.Async(func() {
		b, err := fetchWordLists(ctx)
		if err == nil {
			err = vault.LoadWordLists(b)
		}
		l.Lock()
		l.running, l.failed = false, err != nil
		waiting := l.waiting
		l.waiting = nil
		close(l.done)
		l.Unlock()
		for _, c := range waiting {
			c.Dispatch(func(app.Context) {})
		}
	})
}

// wordListsFailed: the last attempt to load the word lists failed.
func wordListsFailed() bool {
	wordListsLoad.Lock()
	defer wordListsLoad.Unlock()
	return wordListsLoad.failed && !vault.WordListsLoaded()
}

// waitWordLists is for a submit that checks a new passphrase: when the word
// lists are still loading it sets *busy, waits for them in the background
// and then calls again (through ctx, the page's own context), and returns
// true; when they are loaded, or failed to (the check then says so, and
// the meter's Try again loads them again), it returns false at once.
func waitWordLists(ctx app.Context, busy *bool, again func(app.Context)) bool {
	if vault.WordListsLoaded() || !wordListsFetchable || wordListsFailed() {
		return false
	}
	wantWordLists(ctx)
	l := &wordListsLoad
	l.Lock()
	running, done := l.running, l.done
	l.Unlock()
	if !running {
		return false
	}
	*busy = true
	ctx.Async(func() {
		<-done
		ctx.Dispatch(func(ctx app.Context) {
			*busy = false
			again(ctx)
		})
	})
	return true
}
