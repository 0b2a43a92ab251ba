//go:build js && wasm

package worker

import (
	"context"
	"sync"
	"syscall/js"
	"time"
)

// URL is the same-origin URL of JS (the app sets it: the versioned one,
// which the service worker keeps offline).
var URL = Path

// BigJob is the size of input or reply after which the worker is ended as
// soon as its job is done, so that the memory it grew to goes back (a Go program's
// memory never shrinks); after a smaller job it stays for IdleEnd, ready
// for the next file.
const (
	BigJob  = 4 << 20
	IdleEnd = 30 * time.Second
)

// startWait is how long a worker has to load and start.
const startWait = 60 * time.Second

// client runs one job at a time in one worker, started when first needed.
type client struct {
	mu   sync.Mutex
	w    *running
	idle *time.Timer
	jobs int // jobs started: an idle timer that fired as a job began ends nothing

	started, ended int // workers, for publish
}

var std client

// running is one started worker.
type running struct {
	w        js.Value
	funcs    []js.Func
	ready    chan struct{}
	dead     chan struct{} // closed when the worker died or failed to start
	deadOnce sync.Once
	mu       sync.Mutex
	reply    chan []byte // the job's reply
	progress chan []byte // the job's progress messages (some dropped when they come faster than they are read)
}

func (r *running) die() { r.deadOnce.Do(func() { close(r.dead) }) }

func start(url string) (*running, error) {
	r := &running{ready: make(chan struct{}), dead: make(chan struct{})}
	var w js.Value
	if err := catch(func() {
		w = js.Global().Get("Worker").New(url)
	}); err != nil {
		return nil, err
	}
	r.w = w
	onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		data := args[0].Get("data")
		switch {
		case data.Get("ready").Truthy():
			select {
			case <-r.ready:
			default:
				close(r.ready)
			}
		case data.Get("dead").Truthy():
			r.die()
		case data.Get("buf").Truthy():
			buf := data.Get("buf")
			msg := make([]byte, buf.Get("byteLength").Int())
			js.CopyBytesToGo(msg, buf)
			r.mu.Lock()
			reply, progress := r.reply, r.progress
			r.mu.Unlock()
			// Never block here: the page's event loop waits on this callback.
			to := reply
			if _, ok := Progress(msg); ok {
				to = progress
			}
			select {
			case to <- msg:
			default:
			}
		}
		return nil
	})
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 {
			args[0].Call("preventDefault") // the page's console keeps no file details
		}
		r.die()
		return nil
	})
	r.funcs = []js.Func{onMessage, onError}
	w.Set("onmessage", onMessage)
	w.Set("onerror", onError)
	w.Set("onmessageerror", onError)
	return r, nil
}

func (r *running) end() {
	r.w.Call("terminate")
	r.die()
	for _, f := range r.funcs {
		f.Release()
	}
}

// call runs one job: msg, with file beside it (a File or Blob, or
// undefined); progress gets the worker's progress messages, on the
// calling goroutine.
func (c *client) call(ctx context.Context, msg []byte, file js.Value, size int64, progress func([]byte)) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.jobs++
	if c.idle != nil {
		c.idle.Stop()
		c.idle = nil
	}
	if c.w != nil {
		select {
		case <-c.w.dead: // died idle (or never started): start another
			c.endLocked()
		default:
		}
	}
	if c.w == nil {
		w, err := start(URL)
		if err != nil {
			return nil, &Failure{Key: KeyStart}
		}
		c.w = w
		c.started++
		c.publish()
	}
	r := c.w
	select {
	case <-r.ready:
	case <-r.dead:
		c.endLocked()
		return nil, &Failure{Key: KeyStart}
	case <-time.After(startWait):
		c.endLocked()
		return nil, &Failure{Key: KeyStart}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	r.reply, r.progress = make(chan []byte, 1), make(chan []byte, 16)
	r.mu.Unlock()
	u8 := js.Global().Get("Uint8Array").New(len(msg))
	js.CopyBytesToJS(u8, msg)
	if err := catch(func() {
		r.w.Call("postMessage", map[string]any{"buf": u8, "file": file}, []any{u8.Get("buffer")})
	}); err != nil {
		c.endLocked()
		return nil, &Failure{Key: KeyStart}
	}
	var reply []byte
	for reply == nil {
		select {
		case reply = <-r.reply:
		case msg := <-r.progress:
			if progress != nil {
				progress(msg)
			}
		case <-r.dead:
			c.endLocked()
			return nil, &Failure{Key: KeyDied}
		case <-ctx.Done():
			c.endLocked()
			return nil, ctx.Err()
		}
	}
	if size > BigJob || len(reply) > BigJob {
		c.endLocked()
	} else {
		c.endIdle(r)
	}
	return reply, nil
}

// endIdle ends r after IdleEnd unless a job comes first. c.mu is held.
func (c *client) endIdle(r *running) {
	jobs := c.jobs
	c.idle = time.AfterFunc(IdleEnd, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.w == r && c.jobs == jobs {
			c.endLocked()
		}
	})
}

// Prewarm starts a worker ahead of its first job (the import page calls it
// when it opens), so that the first file does not wait for the module to
// load and start; unused, it ends after IdleEnd.
func Prewarm() {
	go func() {
		std.mu.Lock()
		defer std.mu.Unlock()
		if std.w != nil {
			return
		}
		if w, err := start(URL); err == nil {
			std.w = w
			std.started++
			std.publish()
			std.endIdle(w)
		}
	}()
}

func (c *client) endLocked() {
	if c.w != nil {
		c.w.end()
		c.w = nil
		c.ended++
		c.publish()
	}
}

// publish leaves counts (never data) in window.backpackWorkerStats, for
// the e2e tests: workers started and ended, whether one runs.
func (c *client) publish() {
	o := js.Global().Get("Object").New()
	o.Set("started", c.started)
	o.Set("ended", c.ended)
	o.Set("running", c.w != nil)
	js.Global().Set("backpackWorkerStats", o)
}

// Import reads one file in the worker: the file itself (a File from a
// picker or a drop) goes to the worker, which streams it, so the page
// never holds the file's bytes. progress, when set, gets the bytes read so
// far. The error is a *Failure (or ctx's).
func Import(ctx context.Context, file js.Value, q ImportRequest, progress func(read int64)) (Parsed, error) {
	reply, err := std.call(ctx, q.Encode(), file, q.Size, func(msg []byte) {
		if n, ok := Progress(msg); ok && progress != nil {
			progress(n)
		}
	})
	if err != nil {
		return Parsed{}, err
	}
	return ImportReply(reply)
}

// End ends the worker now, if one runs.
func End() {
	std.mu.Lock()
	defer std.mu.Unlock()
	std.endLocked()
}

// catch turns a JS exception (a panic in syscall/js) into an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &Failure{Key: KeyStart}
		}
	}()
	f()
	return nil
}
