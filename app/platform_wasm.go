//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"io"
	"strconv"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/jsutil"
	"backpack/internal/vault"
	"backpack/internal/vault/idbstore"
)

// dbName is the IndexedDB database that holds the vault.
const dbName = "backpack"

func openStore(ctx context.Context) (vault.Store, error) { return idbstore.Open(ctx, dbName) }

// reloadTo replaces the page with path, dropping everything in memory.
func reloadTo(path string) { js.Global().Get("location").Call("replace", path) }

// printPage opens the browser's print dialog (print to PDF works from there).
func printPage() { js.Global().Call("print") }

// persistStorage asks the browser to keep the vault's storage (not evict it).
func persistStorage(ctx context.Context) (bool, error) { return idbstore.Persist(ctx) }

// storageEstimate returns bytes used and available to this site.
func storageEstimate(ctx context.Context) (usage, quota uint64, err error) {
	return idbstore.Estimate(ctx)
}

// jsFile is a file the user picked or dropped.
type jsFile struct {
	v js.Value
}

func (f jsFile) Name() string { return f.v.Get("name").String() }
func (f jsFile) Type() string { return f.v.Get("type").String() }
func (f jsFile) Size() int64  { return int64(f.v.Get("size").Float()) }

// Open streams the file's bytes without loading it whole.
func (f jsFile) Open() io.ReadCloser { return jsutil.BlobReader(f.v) }

// filesOf returns the files of an <input type=file> change event or a drop event.
func filesOf(e app.Event) []jsFile {
	ev := toJS(e.Value)
	list := ev.Get("target").Get("files")
	if dt := ev.Get("dataTransfer"); dt.Truthy() {
		list = dt.Get("files")
	}
	if !list.Truthy() {
		return nil
	}
	out := make([]jsFile, list.Length())
	for i := range out {
		out[i] = jsFile{v: list.Index(i)}
	}
	return out
}

// toJS unwraps a go-app value into a syscall/js value.
func toJS(v app.Value) js.Value {
	holder := js.Global().Get("Object").New()
	app.ValueOf(holder).Set("v", v)
	return holder.Get("v")
}

// blobWriter collects bytes into JS memory in pieces (so Go holds no full
// copy) and becomes a Blob for download or preview.
type blobWriter struct {
	parts js.Value
	blob  js.Value // the Blob URL made last
}

func newBlobWriter() *blobWriter { return &blobWriter{parts: js.Global().Get("Array").New()} }

func (w *blobWriter) Write(p []byte) (int, error) {
	a := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(a, p)
	w.parts.Call("push", a)
	return len(p), nil
}

// URL returns an object URL for the collected bytes; revoke it with revokeURL.
func (w *blobWriter) URL(mime string) string {
	opts := js.Global().Get("Object").New()
	opts.Set("type", mime)
	blob := js.Global().Get("Blob").New(w.parts, opts)
	w.parts = js.Global().Get("Array").New()
	w.blob = blob
	return js.Global().Get("URL").Call("createObjectURL", blob).String()
}

func revokeURL(u string) { js.Global().Get("URL").Call("revokeObjectURL", u) }

// download saves bytes from r as a file named name, streamed into a Blob.
func download(r io.Reader, name, mime string) error {
	w := newBlobWriter()
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	u := w.URL(mime)
	clickDownload(u, name)
	return nil
}

func clickDownload(u, name string) {
	doc := js.Global().Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", u)
	a.Set("download", exportdata.SafeName(name, "file")) // a shared file's name is anyone's
	a.Set("rel", "noopener")
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	time.AfterFunc(time.Minute, func() { revokeURL(u) })
}

// pref reads and writes device preferences (never health data) in localStorage.
func pref(key string) string {
	v := js.Global().Get("localStorage").Call("getItem", "backpack."+key)
	if v.IsNull() || v.IsUndefined() {
		return ""
	}
	return v.String()
}

func setPref(key, value string) {
	js.Global().Get("localStorage").Call("setItem", "backpack."+key, value)
}

// autoLockMinutes is the idle time before the vault locks (0 = never). Default 10.
func autoLockMinutes() int {
	v := pref("autolock")
	if v == "" {
		return defaultAutoLock
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return defaultAutoLock
	}
	return n
}

func setAutoLockMinutes(n int) { setPref("autolock", strconv.Itoa(n)) }

var errNoBrowser = errors.New("not in a browser")
