//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/jsutil"
	"backpack/internal/vault"
	"backpack/internal/worker"
)

// The worker's bootstrap at this version's URL (immutable), which the
// service worker keeps offline once precacheWorker has run.
func init() {
	if web := app.Getenv("GOAPP_STATIC_RESOURCES_URL"); web != "" {
		worker.URL = web + strings.TrimPrefix(worker.Path, "/web")
	}
}

// workerPrewarm starts the worker module ahead of its first job.
func workerPrewarm() { worker.Prewarm() }

// workerFault is a fault the e2e tests ask the worker for
// (window.backpackWorkerFault: worker.FaultPanic or worker.FaultExit), to
// show what the page does when its worker fails; "" otherwise.
func workerFault() string {
	v := js.Global().Get("backpackWorkerFault")
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// precacheWait is how long after the first screen the worker module is
// fetched into the service worker's cache: it is not part of the first
// download, and must not compete with it.
const precacheWait = 3 * time.Second

var (
	precacheOnce sync.Once
	errNoCache   = errors.New("precache: no service worker cache for this version")
)

// precacheWorker puts the worker module (bootstrap and wasm) into the
// service worker's cache for this version, once the first screen is up, so
// import works offline after one visit. Only into this version's cache and
// only when the service worker made it: a page of an older version must
// not bring back a cache the new worker deleted.
func precacheWorker() {
	precacheOnce.Do(func() {
		go func() {
			time.Sleep(precacheWait)
			if err := precacheWorkerNow(context.Background()); err == nil {
				js.Global().Set("backpackWorkerPrecached", true) // for the e2e tests
			}
		}()
	})
}

func precacheWorkerNow(ctx context.Context) error {
	sw := js.Global().Get("navigator").Get("serviceWorker")
	caches := js.Global().Get("caches")
	if !sw.Truthy() || !caches.Truthy() {
		return errNoCache
	}
	if _, err := jsutil.Await(ctx, sw.Get("ready")); err != nil {
		return err
	}
	has, err := jsutil.Await(ctx, caches.Call("has", swCache()))
	if err != nil || !has.Truthy() {
		return errNoCache
	}
	cache, err := jsutil.Await(ctx, caches.Call("open", swCache()))
	if err != nil {
		return err
	}
	dir := worker.URL[:strings.LastIndex(worker.URL, "/")+1]
	for _, u := range []string{worker.URL, dir + worker.WasmName} {
		if hit, err := jsutil.Await(ctx, cache.Call("match", u)); err == nil && hit.Truthy() {
			continue
		}
		if _, err := jsutil.Await(ctx, cache.Call("add", u)); err != nil {
			return err
		}
	}
	return nil
}

// xpOpenRead opens an export file in the worker module (internal/worker):
// the File and what opens it go there, and the records and files come
// back (with a sink, the files' bytes stream into it as they are read).
// A reader's panic or the worker's death is a *worker.Failure; the page
// stays as it was.
func xpOpenRead(ctx context.Context, f jsFile, q worker.OpenRequest, progress func(read int64), sink exportdata.FileSink) (worker.Opened, error) {
	q.Size, q.Fault, q.Stream = f.Size(), workerFault(), sink != nil
	return worker.Open(ctx, f.v, q, progress, sink)
}

// xpOpenBytes is xpOpenRead of a file held in memory (a share's decrypted
// export), handed to the worker as a Blob.
func xpOpenBytes(ctx context.Context, b []byte, q worker.OpenRequest) (worker.Opened, error) {
	q.Size, q.Fault = int64(len(b)), workerFault()
	return worker.Open(ctx, bytesBlob(b), q, nil, nil)
}

// bytesBlob is a Blob of a copy of b, to hand a file held in memory to the
// worker as a picked file is.
func bytesBlob(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return js.Global().Get("Blob").New([]any{u8})
}

// xpWrite writes an export file in the worker module (internal/worker):
// the selected records go as frames, the selected files' bytes as one
// Blob (each read from files once, a piece at a time, into JS memory), and
// the OpenPGP file comes back as a Blob, never copied into Go: xpWrite
// returns its object URL (revoke it with revokeURL) and size. A reader's
// panic or the worker's death is a *worker.Failure.
func xpWrite(ctx context.Context, files exportdata.FileSource, q worker.WriteRequest, progress func(done, total int64)) (string, int64, error) {
	blob, n, err := xpWriteBlob(ctx, files, q, progress)
	if err != nil {
		return "", 0, err
	}
	return js.Global().Get("URL").Call("createObjectURL", blob).String(), n, nil
}

// xpWriteBytes is xpWrite into memory (a share's export, which the page
// encrypts again).
func xpWriteBytes(ctx context.Context, files exportdata.FileSource, q worker.WriteRequest, progress func(done, total int64)) ([]byte, error) {
	blob, n, err := xpWriteBlob(ctx, files, q, progress)
	if err != nil {
		return nil, err
	}
	buf, err := jsutil.Await(ctx, blob.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	js.CopyBytesToGo(b, js.Global().Get("Uint8Array").New(buf))
	return b, nil
}

func xpWriteBlob(ctx context.Context, files exportdata.FileSource, q worker.WriteRequest, progress func(done, total int64)) (js.Value, int64, error) {
	parts := js.Global().Get("Array").New()
	q.Sizes = make([]int64, len(q.Data.Files))
	if len(q.Data.Files) > 0 && files == nil {
		return js.Undefined(), 0, exportdata.ErrNoFileSource
	}
	stages := newXPStages(q.Data, progress)
	buf := make([]byte, 1<<20)
	for i, f := range q.Data.Files {
		n, err := xpFileParts(ctx, files, f.ID, buf, parts, stages.gathered)
		if err != nil {
			return js.Undefined(), 0, err
		}
		q.Sizes[i] = n
	}
	q.Fault = workerFault()
	return worker.Write(ctx, js.Global().Get("Blob").New(parts), q, "application/pgp-encrypted", stages.writing)
}

// xpFileParts appends file id's bytes to parts, as Uint8Arrays of at most
// len(buf) bytes (read tells how many as they come), and returns how many
// there were.
func xpFileParts(ctx context.Context, files exportdata.FileSource, id string, buf []byte, parts js.Value, read func(n int64)) (int64, error) {
	rc, err := files.OpenFile(ctx, id)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	var total int64
	for {
		n, err := io.ReadFull(rc, buf)
		if n > 0 {
			u8 := js.Global().Get("Uint8Array").New(n)
			js.CopyBytesToJS(u8, buf[:n])
			parts.Call("push", u8)
			total += int64(n)
			read(int64(n))
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return total, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// xpCheckKey checks a public key in the worker module (the OpenPGP code
// is there): its fingerprint, or an error whose key xpOpenErrorKey gives.
func xpCheckKey(ctx context.Context, text string) (string, error) {
	return worker.CheckKey(ctx, text)
}

// xpBundles writes d as FHIR Bundles, one per profile, in the worker
// module.
func xpBundles(ctx context.Context, d exportdata.Data, files exportdata.MemFiles, now time.Time) ([][]byte, error) {
	return worker.Bundles(ctx, worker.BundlesRequest{Data: d, Files: files, Now: now, Fault: workerFault()})
}

// xpSummary writes summary.html of d in lang in the worker module and
// returns its object URL (revoke it with revokeURL).
func xpSummary(ctx context.Context, d exportdata.Data, lang i18n.Lang) (string, error) {
	q := worker.WriteRequest{Data: d, SummaryLang: string(lang), Fault: workerFault()}
	blob, _, err := worker.Write(ctx, js.Global().Get("Blob").New(), q, "text/html", nil)
	if err != nil {
		return "", err
	}
	return js.Global().Get("URL").Call("createObjectURL", blob).String(), nil
}

// xpDrawQR has the worker module draw a QR code (the encoder is there).
func xpDrawQR(ctx context.Context, text, title string) (string, error) {
	return worker.QR(ctx, worker.QRRequest{Text: text, Title: title, Fault: workerFault()})
}

// xpImportBytes reads a file held in memory (a health link's FHIR JSON or
// health card) in the worker module, handed to it as a Blob, as an
// imported file is read.
func xpImportBytes(ctx context.Context, name string, b []byte) (worker.Parsed, error) {
	q := worker.ImportRequest{Name: name, Size: int64(len(b)), Fault: workerFault()}
	p, err := worker.Import(ctx, bytesBlob(b), q, nil)
	return importParsed(name, p, err)
}

// xpCheckCards checks res's health cards again with keys in the worker
// module (the signature check is there), setting res's problems and
// whether it is verified.
func xpCheckCards(ctx context.Context, res *importer.Result, keys importer.JWKS) error {
	return worker.CheckCards(ctx, worker.CardsRequest{Result: *res, Keys: keys, Fault: workerFault()}, res)
}

// The passphrase KDF runs in a worker of its own when one is ready
// (kdfPrewarm starts it as the unlock page opens): the page's thread never
// spends Argon2id's 0.13–0.2 s in one task, and its 46 MiB are the
// worker's, given back when the worker ends. Not ready, or failing, the
// vault runs the KDF on the page as before.
func init() {
	vault.SetArgon2(func(ctx context.Context, secret, salt []byte, time, memory uint32, threads uint8, keyLen uint32) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, kdfWait)
		defer cancel()
		return worker.DeriveKey(ctx, worker.KDFRequest{Secret: secret, Salt: salt, Time: time, Memory: memory, Threads: threads, KeyLen: keyLen, Fault: workerFault()})
	})
}

// kdfWait bounds the KDF in the worker (0.13–0.8 s on phones); past it the
// vault runs it on the page.
const kdfWait = 10 * time.Second

// kdfPrewarm starts the passphrase KDF's worker.
func kdfPrewarm() { worker.PrewarmKDF(vault.DefaultKDF.Memory) }
