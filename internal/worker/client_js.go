//go:build js && wasm

package worker

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/importer"
	"backpack/internal/portal"
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

// pulls runs the portal pulls: a pull may run in the background for long
// (unlocking refreshes connected health systems), and a file import started
// meanwhile must not wait for it in std's queue.
var pulls client

// running is one started worker.
type running struct {
	w        js.Value
	funcs    []js.Func
	ready    chan struct{}
	dead     chan struct{} // closed when the worker died or failed to start
	deadOnce sync.Once
	mu       sync.Mutex
	queue    [][]byte      // the job's messages but progress, in order: streamed files' pieces, then the reply
	wake     chan struct{} // signalled when queue grows
	progress chan []byte   // the job's progress messages (some dropped when they come faster than they are read)
	out      js.Value      // a JS Array, during a job that writes a file: its parts, kept in JS
}

// next takes the oldest queued message, or nil.
func (r *running) next() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return nil
	}
	msg := r.queue[0]
	r.queue[0] = nil
	r.queue = r.queue[1:]
	return msg
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
		case data.Get("out").Truthy():
			r.mu.Lock()
			if r.out.Truthy() {
				r.out.Call("push", data.Get("out"))
			}
			r.mu.Unlock()
		case data.Get("buf").Truthy():
			buf := data.Get("buf")
			msg := make([]byte, buf.Get("byteLength").Int())
			js.CopyBytesToGo(msg, buf)
			// Never block here: the page's event loop waits on this callback.
			r.mu.Lock()
			defer r.mu.Unlock()
			if _, ok := Progress(msg); ok {
				select {
				case r.progress <- msg:
				default:
				}
				break
			}
			if r.wake == nil {
				break // no job waits
			}
			r.queue = append(r.queue, msg)
			select {
			case r.wake <- struct{}{}:
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
// undefined); progress gets the worker's progress messages (some dropped)
// and piece its streamed files' messages (none dropped, in order), on the
// calling goroutine; out, a JS Array or undefined, gets the parts of the
// file the job writes.
func (c *client) call(ctx context.Context, msg []byte, file js.Value, size int64, progress, piece func([]byte), out js.Value) ([]byte, error) {
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
	r.queue, r.wake, r.progress, r.out = nil, make(chan struct{}, 1), make(chan []byte, 16), out
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
		if msg := r.next(); msg != nil {
			if _, ok := FilePiece(msg); ok && piece != nil {
				piece(msg)
				continue
			}
			reply = msg
			break
		}
		select {
		case <-r.wake:
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
	r.mu.Lock()
	r.queue, r.wake, r.out = nil, nil, js.Undefined()
	r.mu.Unlock()
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
func Prewarm() { std.prewarm() }

// prewarm starts c's worker unless it has one.
func (c *client) prewarm() { go c.startIdle() }

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
	if c != &std {
		return // the tests count the workers of file jobs
	}
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
	}, nil, js.Undefined())
	if err != nil {
		return Parsed{}, err
	}
	return ImportReply(reply)
}

// Pull pulls a record from a health system in the worker (q: the health
// system, the token, the options, the relay): the worker fetches, reads
// what came as an imported file and makes its entries. progress, when
// set, gets how far the pull is (some messages dropped). The report's
// token is the one to keep, also when the pull failed. The error is the
// portal's own (portal.ErrExpired…), a *Failure, or ctx's.
func Pull(ctx context.Context, q PullRequest, progress func(portal.Progress)) (Parsed, portal.Report, error) {
	msg := q.Encode()
	reply, err := pulls.call(ctx, msg, js.Undefined(), int64(len(msg)), func(msg []byte) {
		if p, ok := PullProgress(msg); ok && progress != nil {
			progress(p)
		}
	}, nil, js.Undefined())
	if err != nil {
		return Parsed{}, portal.Report{}, err
	}
	return PullReply(reply)
}

// End ends the workers now, if any run.
func End() {
	for _, c := range []*client{&std, &pulls} {
		c.mu.Lock()
		c.endLocked()
		c.mu.Unlock()
	}
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

// Open opens one export file in the worker (q says with what): the File
// goes there, not its bytes, and its records and files come back as
// frames. progress, when set, gets the bytes read so far. With q.Stream,
// the files' bytes go to sink as they are read (Opened.Files is empty).
// The error is a *Failure (export.ErrorKey's key, or the worker's own),
// ctx's, or sink's.
func Open(ctx context.Context, file js.Value, q OpenRequest, progress func(read int64), sink exportdata.FileSink) (Opened, error) {
	feed := NewFeed(sink)
	reply, err := std.call(ctx, q.Encode(), file, q.Size, func(msg []byte) {
		if n, ok := Progress(msg); ok && progress != nil {
			progress(n)
		}
	}, func(msg []byte) {
		if p, ok := FilePiece(msg); ok && sink != nil {
			feed.Put(p)
		}
	}, js.Undefined())
	if err != nil {
		feed.Close()
		return Opened{}, err
	}
	return feed.Reply(reply)
}

// Write writes an export file in the worker (q: the selected records and
// the recipient); files is a Blob of the selected files' bytes, one after
// the other in q.Data.Files' order (q.Sizes), handed over, not copied. The
// file comes back as a Blob of type mime, its parts kept in JS (never
// copied into the page's Go memory), with its size. progress, when set,
// gets the work done and the total. The error is a *Failure
// (export.ErrorKey's key, or the worker's own: KeyWrite…) or ctx's.
func Write(ctx context.Context, files js.Value, q WriteRequest, mime string, progress func(done, total int64)) (js.Value, int64, error) {
	parts := js.Global().Get("Array").New()
	msg := q.Encode()
	size := int64(len(msg))
	for _, n := range q.Sizes {
		size += n
	}
	reply, err := std.call(ctx, msg, files, size, func(msg []byte) {
		if done, total, ok := WriteProgress(msg); ok && progress != nil {
			progress(done, total)
		}
	}, nil, parts)
	if err != nil {
		return js.Undefined(), 0, asWriting(err)
	}
	n, err := WriteReply(reply)
	if err != nil {
		return js.Undefined(), 0, err
	}
	opts := js.Global().Get("Object").New()
	opts.Set("type", mime)
	blob := js.Global().Get("Blob").New(parts, opts)
	if got := int64(blob.Get("size").Int()); got != n {
		return js.Undefined(), 0, &Failure{Key: KeyWriteCrash} // a part went missing
	}
	return blob, n, nil
}

// CheckKey asks the worker whether text is a public key an export can be
// encrypted to: its fingerprint, or a *Failure whose key says why not.
func CheckKey(ctx context.Context, text string) (string, error) {
	reply, err := std.ask(ctx, KeyRequest{Text: text}.Encode())
	if err != nil {
		return "", err
	}
	return KeyReply(reply)
}

// Bundles has the worker write q.Data as FHIR Bundles, one per profile
// (BundlesRequest). The error is a *Failure or ctx's.
func Bundles(ctx context.Context, q BundlesRequest) ([][]byte, error) {
	reply, err := std.ask(ctx, q.Encode())
	if err != nil {
		return nil, err
	}
	return BundlesReply(reply)
}

// QR has the worker draw a QR code (QRRequest). The error is a *Failure
// or ctx's.
func QR(ctx context.Context, q QRRequest) (string, error) {
	reply, err := std.ask(ctx, q.Encode())
	if err != nil {
		return "", err
	}
	return QRReply(reply)
}

// CheckCards has the worker check q.Result's health cards again with
// q.Keys, and sets res's problems and whether it is verified from the
// answer (CardsReply). The error is a *Failure or ctx's.
func CheckCards(ctx context.Context, q CardsRequest, res *importer.Result) error {
	reply, err := std.ask(ctx, q.Encode())
	if err != nil {
		return err
	}
	return CardsReply(reply, res)
}

// kdfs derives passphrase keys (DeriveKey), in a worker of its own, so that
// unlocking never waits behind a file being read.
var kdfs client

// ErrNotReady: DeriveKey's worker was not started (PrewarmKDF was not
// called, or its worker ended or died); the caller runs the KDF itself
// rather than wait for a module to download and start.
var ErrNotReady = errors.New("worker: not ready")

// kdfWanted counts DeriveKey calls under way: the warm-up is skipped when
// the person's passphrase came first.
var kdfWanted atomic.Int32

// PrewarmKDF starts DeriveKey's worker (the unlock page calls it as it
// opens, and again as the passphrase is typed, which keeps it from ending
// idle), and once it is up has it derive a throwaway key with memory KiB
// (the passphrase slot's), so that the worker's memory has grown and the
// KDF's code is compiled before the person's passphrase comes; unused, it
// ends after IdleEnd.
func PrewarmKDF(memory uint32) {
	go func() {
		if r := kdfs.live(); r != nil {
			kdfs.keepAlive(r)
			return
		}
		r := kdfs.startIdle()
		if r == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), startWait)
		defer cancel()
		select {
		case <-r.ready:
		case <-r.dead:
			return
		case <-ctx.Done():
			return
		}
		if kdfWanted.Load() > 0 {
			return
		}
		warm := KDFRequest{Secret: []byte("warm up"), Salt: make([]byte, 16), Time: 1, Memory: max(memory, 8), Threads: 1, KeyLen: 32}
		kdfs.ask(ctx, warm.Encode())
	}()
}

// DeriveKey derives an Argon2id key in the worker (KDFRequest): once
// PrewarmKDF has started it, DeriveKey waits for it to be up (and for its
// warm-up to end), within ctx, rather than have the page's thread spend
// Argon2id's time in one task. With no worker started it returns
// ErrNotReady at once; otherwise a *Failure, or ctx's error. q's secret is
// wiped from the request's message after it is sent.
func DeriveKey(ctx context.Context, q KDFRequest) ([]byte, error) {
	kdfWanted.Add(1)
	defer kdfWanted.Add(-1)
	if kdfs.live() == nil {
		return nil, ErrNotReady
	}
	msg := q.Encode()
	reply, err := kdfs.ask(ctx, msg)
	clear(msg)
	if err != nil {
		return nil, err
	}
	key, err := KDFReply(reply)
	clear(reply)
	if err == nil {
		// For the e2e tests: how many keys the worker derived (a count,
		// never a key or passphrase).
		js.Global().Set("backpackKDFInWorker", kdfDerived.Add(1))
	}
	return key, err
}

var kdfDerived atomic.Int32

// live returns c's started worker unless it died, or nil. It waits for a
// job under way.
func (c *client) live() *running {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w == nil {
		return nil
	}
	select {
	case <-c.w.dead:
		return nil
	default:
		return c.w
	}
}

// keepAlive restarts r's idle countdown, if r is still c's worker and
// idle.
func (c *client) keepAlive(r *running) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w == r && c.idle != nil {
		c.idle.Stop()
		c.endIdle(r)
	}
}

// startIdle starts a worker for c, which ends after IdleEnd unless a job
// comes, and returns it; nil when c has one already (another call started
// it) or it cannot start.
func (c *client) startIdle() *running {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w != nil {
		select {
		case <-c.w.dead: // died idle: start another
			c.endLocked()
		default:
			return nil
		}
	}
	w, err := start(URL)
	if err != nil {
		return nil
	}
	c.w = w
	c.started++
	c.publish()
	c.endIdle(w)
	return w
}

// ask runs a small job: a request message alone, no file beside it, no
// progress, a reply.
func (c *client) ask(ctx context.Context, msg []byte) ([]byte, error) {
	return c.call(ctx, msg, js.Undefined(), int64(len(msg)), nil, nil, js.Undefined())
}
