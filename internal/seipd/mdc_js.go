//go:build js && wasm

package seipd

import (
	"errors"
	"runtime"
	"sync"
	"syscall/js"
	"time"
)

// WorkerURL is the same-origin URL of WorkerJS (the app sets it). When it
// is empty, or the worker does not answer, SHA-1 runs in Go on the page's
// main thread — about a third of the time encryption takes there.
var WorkerURL string

// newMDCHash returns a SHA-1 computed by an MDC worker when one starts,
// else Go's.
func newMDCHash() mdcHash {
	if WorkerURL == "" {
		return newGoSHA1()
	}
	spareMu.Lock()
	w := spare
	spare = nil
	spareMu.Unlock()
	if w == nil {
		w = startWorker(WorkerURL)
	}
	if w != nil {
		return w
	}
	return newGoSHA1()
}

var (
	spareMu sync.Mutex
	spare   *workerHash // started by Prewarm, not used yet
)

// Prewarm starts a worker in the background for the next Writer or
// reader, so that a page about to export or restore does not wait for it.
func Prewarm() {
	if WorkerURL == "" {
		return
	}
	spareMu.Lock()
	have := spare != nil
	spareMu.Unlock()
	if have {
		return
	}
	go func() {
		w := startWorker(WorkerURL)
		if w == nil {
			return
		}
		spareMu.Lock()
		defer spareMu.Unlock()
		if spare == nil {
			spare = w
		} else {
			w.stop()
		}
	}()
}

// workerHash posts the plaintext to a worker in 256 KiB messages.
type workerHash struct {
	w          js.Value
	msgs       chan js.Value // "pong" and digests; undefined for an error
	onMsg, onE js.Func
	buf        []byte
	dead       bool
	npending   int    // ciphertexts still to come
	cbuf       []byte // the last ciphertext, returned by next
}

var errWorker = errors.New("seipd: the MDC worker failed")

func startWorker(url string) (wh *workerHash) {
	defer func() {
		if recover() != nil {
			wh = nil
		}
	}()
	ctor := js.Global().Get("Worker")
	if ctor.Type() != js.TypeFunction {
		return nil
	}
	w := ctor.New(url)
	h := &workerHash{w: w, msgs: make(chan js.Value, 16), buf: make([]byte, 0, 256<<10)}
	h.onMsg = js.FuncOf(func(_ js.Value, args []js.Value) any {
		select {
		case h.msgs <- args[0].Get("data"):
		default:
		}
		return nil
	})
	h.onE = js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 && args[0].Truthy() {
			args[0].Call("preventDefault")
		}
		select {
		case h.msgs <- js.Undefined():
		default:
		}
		return nil
	})
	w.Set("onmessage", h.onMsg)
	w.Set("onerror", h.onE)
	w.Call("postMessage", "ping")
	if v, ok := h.wait(5 * time.Second); !ok || v.Type() != js.TypeString || v.String() != "pong" {
		h.stop()
		return nil
	}
	runtime.SetFinalizer(h, (*workerHash).stop)
	return h
}

func (h *workerHash) wait(d time.Duration) (js.Value, bool) {
	select {
	case v := <-h.msgs:
		return v, !v.IsUndefined()
	case <-time.After(d):
		return js.Undefined(), false
	}
}

func (h *workerHash) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := copy(h.buf[len(h.buf):cap(h.buf)], p)
		h.buf = h.buf[:len(h.buf)+k]
		p = p[k:]
		if len(h.buf) == cap(h.buf) {
			h.post()
		}
	}
	return n, nil
}

func (h *workerHash) post() {
	if len(h.buf) == 0 || h.dead {
		return
	}
	a := js.Global().Get("Uint8Array").New(len(h.buf))
	js.CopyBytesToJS(a, h.buf)
	h.w.Call("postMessage", a, []any{a.Get("buffer")})
	h.buf = h.buf[:0]
}

func (h *workerHash) sum() ([]byte, error) {
	if h.dead {
		return nil, errWorker
	}
	h.post()
	h.w.Call("postMessage", "sum")
	v, ok := h.wait(time.Minute)
	if !ok || !v.InstanceOf(uint8Array) || v.Length() != 20 {
		h.stop()
		return nil, errWorker
	}
	out := make([]byte, 20)
	js.CopyBytesToGo(out, v)
	return out, nil
}

func (h *workerHash) done() { h.stop() }

func (h *workerHash) stop() {
	if h.dead {
		return
	}
	h.dead = true
	h.w.Call("terminate")
	h.onMsg.Release()
	h.onE.Release()
}

// The Writer's offload: the worker encrypts as well as hashes.

var uint8Array = js.Global().Get("Uint8Array")

func (h *workerHash) toJS(p []byte) js.Value {
	a := uint8Array.New(len(p))
	js.CopyBytesToJS(a, p)
	return a
}

func (h *workerHash) startEnc(key, ks []byte) error {
	if h.dead {
		return errWorker
	}
	k := h.toJS(key)
	h.w.Call("postMessage", map[string]any{"key": k, "ks": h.toJS(ks)}, []any{k.Get("buffer")})
	return nil
}

func (h *workerHash) enc(p []byte, from int) error {
	if h.dead {
		return errWorker
	}
	h.post() // what is queued for hashing comes first
	a := h.toJS(p)
	h.w.Call("postMessage", map[string]any{"enc": a, "from": from}, []any{a.Get("buffer")})
	h.npending++
	return nil
}

func (h *workerHash) tail(p []byte) error {
	if h.dead {
		return errWorker
	}
	h.post()
	a := h.toJS(p)
	h.w.Call("postMessage", map[string]any{"tail": a}, []any{a.Get("buffer")})
	h.npending++
	return nil
}

func (h *workerHash) pending() int { return h.npending }

func (h *workerHash) next() ([]byte, error) {
	if h.dead || h.npending == 0 {
		return nil, errWorker
	}
	v, ok := h.wait(time.Minute)
	if !ok || !v.InstanceOf(uint8Array) {
		h.stop()
		return nil, errWorker
	}
	h.npending--
	n := v.Length()
	if cap(h.cbuf) < n {
		h.cbuf = make([]byte, n)
	}
	h.cbuf = h.cbuf[:n]
	js.CopyBytesToGo(h.cbuf, v)
	return h.cbuf, nil
}
