// Package jobs is what Backpack's worker module (cmd/worker) runs: the
// jobs of internal/worker's requests — import, opening an export, writing
// one, a patient portal's pull — each from a request message to its reply,
// with progress and streamed parts posted meanwhile. It links the readers,
// the portal's pull and the export's OpenPGP writer and reader
// (internal/export, gopenpgp), which the page's module does not: the page
// only speaks the messages (internal/worker).
// Serve runs on the host too, so the page's side is tested there.
package jobs

import (
	"io"
	"time"

	"golang.org/x/crypto/argon2"

	"backpack/internal/importer"
	"backpack/internal/worker"
)

// Parse is the import job: one file, bounded and streamed, read and
// parsed. size is the file's size as the browser reports it (a larger one
// is refused without reading); progress, when set, is called with the
// bytes read so far.
func Parse(name string, size int64, open func() io.ReadCloser, keys importer.JWKS, progress func(read int64)) (importer.Result, error) {
	if size > worker.MaxBytes {
		return importer.Result{File: name, Format: importer.FormatUnknown, Counts: map[string]int{}},
			&importer.Error{Code: importer.ErrCodeTooLarge, Offset: worker.MaxBytes}
	}
	rc := open()
	defer rc.Close()
	return importer.Import(name, &counter{r: rc, progress: progress}, importer.Options{MaxBytes: worker.MaxBytes, Keys: keys})
}

// counter reports how many bytes went through it.
type counter struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(c.n)
	}
	return n, err
}

// Serve runs one request and returns its reply; post, when set, sends
// progress messages meanwhile. A panic in a reader becomes a worker.Failure
// reply (worker.KeyCrash): the worker lives on.
func Serve(msg []byte, open func() io.ReadCloser, post func(msg []byte)) (reply []byte) {
	defer func() {
		if r := recover(); r != nil {
			reply = worker.Failed(&worker.Failure{Key: worker.KeyCrash}) // never the panic's value: it may quote the file
		}
	}()
	switch worker.OpOf(msg) {
	case worker.OpOpen:
		return serveOpen(msg, open, post)
	case worker.OpWrite:
		return serveWrite(msg, open, post)
	case worker.OpKey:
		return serveKey(msg)
	case worker.OpBundles:
		return serveBundles(msg)
	case worker.OpQR:
		return serveQR(msg)
	case worker.OpCards:
		return serveCards(msg)
	case worker.OpKDF:
		return serveKDF(msg)
	case worker.OpPull:
		return servePull(msg, post)
	}
	q, err := worker.DecodeImport(msg)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	res, err := Parse(q.Name, q.Size, open, q.Keys, progressPoster(q.Size, post))
	if err != nil {
		return worker.Failed(err)
	}
	// The entries too: the projection is most of the work after parsing.
	return worker.EncodeImported(res, importer.ToEntries(res, "", time.Now()))
}

// progressEvery is how often the worker reports progress.
const progressEvery = 50 * time.Millisecond

// serveCards checks a file's health cards again with the keys the person
// added (importer.CheckCards).
func serveCards(msg []byte) []byte {
	q, err := worker.DecodeCards(msg)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	importer.CheckCards(&q.Result, q.Keys)
	return worker.EncodeCards(q.Result)
}

// serveKDF derives an Argon2id key (vault.Argon2), and wipes the secret.
func serveKDF(msg []byte) []byte {
	q, err := worker.DecodeKDF(msg)
	defer clear(q.Secret)
	if err != nil {
		return worker.Failed(&worker.Failure{Key: worker.KeyCrash})
	}
	if q.Fault == worker.FaultPanic {
		panic("worker: a fault asked for")
	}
	key := argon2.IDKey(q.Secret, q.Salt, q.Time, q.Memory, q.Threads, q.KeyLen)
	defer clear(key)
	return worker.EncodeKDFKey(key)
}
