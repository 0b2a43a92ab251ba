package vault

import (
	"context"
	"time"
)

type pauseKey struct{}

type pauser struct {
	every time.Duration
	pause func()
}

// WithPause returns ctx carrying pause, for long work on a thread that
// something else shares (a browser page: pause yields to its event loop,
// so it can paint and answer input). Under it a large Put or PutFiles (and
// the session's import) calls pause between slices of about every while it
// encrypts and places records, all before the store's write; the write
// itself holds only prepared bytes and never pauses (IndexedDB would
// commit its transaction).
func WithPause(ctx context.Context, every time.Duration, pause func()) context.Context {
	return context.WithValue(ctx, pauseKey{}, pauser{every, pause})
}

// Paced returns a step function for a loop of work under ctx: each call
// pauses (see WithPause) once every has passed since the last pause, or
// since Paced. Without a pause in ctx it does nothing. Anything may change
// during a pause: hold no lock across a step.
func Paced(ctx context.Context) func() {
	p, _ := ctx.Value(pauseKey{}).(pauser)
	if p.pause == nil {
		return func() {}
	}
	last := time.Now()
	return func() {
		if time.Since(last) >= p.every {
			p.pause()
			last = time.Now()
		}
	}
}

// Pause pauses now (see WithPause), whatever the time since the last
// pause: before a piece of work that cannot be split, so that it starts a
// task of its own rather than lengthening the one before it. Without a
// pause in ctx it does nothing.
func Pause(ctx context.Context) {
	if p, _ := ctx.Value(pauseKey{}).(pauser); p.pause != nil {
		p.pause()
	}
}
