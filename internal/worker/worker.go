// Package worker is what the page and Backpack's worker module (cmd/worker,
// plain syscall/js, run in a dedicated Web Worker) say to each other: the
// jobs' requests and replies (import; opening an export: open.go; writing
// one, or the viewer's summary: write.go; checking a public key and a
// living link's bundles: docs.go; a patient portal's pull: pull.go), and
// the page's client (client_js.go).
// Messages are frames (internal/frame) in transferred buffers, never JSON
// of records: a request (the job and its parameters; a file travels beside
// it as the browser's File or a Blob, which is not copied), progress
// messages (and a streamed file's pieces, or a written file's parts), and
// one reply.
//
// The jobs themselves are internal/worker/jobs, which only the worker
// module links (with internal/export and gopenpgp); jobs.Serve runs on the
// host too, so the page's code is tested there through the same messages.
package worker

import (
	_ "embed"
	"errors"
	"fmt"

	"backpack/internal/frame"
	"backpack/internal/importer"
	"backpack/internal/importer/ccda"
	"backpack/internal/record"
)

// Path is where the server and the static site serve JS, the worker's
// bootstrap; the worker module is WasmName beside it.
const (
	Path     = "/web/backpack-worker.js"
	WasmName = "worker.wasm"
)

// JS starts the worker: it loads wasm_exec.js and WasmName, runs the Go
// module and tells the page when the module is ready, and when it has died
// (a crash or running out of memory ends a Go program).
//
//go:embed bootstrap.js
var JS string

// Frame kinds of the messages.
const (
	kindRequest  = 0x01 // op, fault
	kindImport   = 0x02 // file name, size
	kindKey      = 0x03 // one health card issuer key
	kindProgress = 0x04 // bytes read so far
	kindFailed   = 0x05 // catalog key, line
	kindDone     = 0x06 // entries' frames, then the result's, follow
	kindEntry    = 0x07 // one resource made into an entry: its vault header (record.EncodeEntry)
)

// Ops: the jobs a request asks for.
const (
	OpImport  = "import"
	OpOpen    = "open"    // open.go
	OpWrite   = "write"   // write.go
	OpKey     = "key"     // docs.go
	OpBundles = "bundles" // docs.go
	OpQR      = "qr"      // qr.go
	OpCards   = "cards"   // cards.go
	OpKDF     = "kdf"     // kdf.go
)

// Faults a request may ask for, so that tests can show what the page does
// when the worker fails: FaultPanic panics inside the job (Serve recovers),
// FaultExit ends the worker module (cmd/worker), as a crash or running out
// of memory does.
const (
	FaultPanic = "panic"
	FaultExit  = "exit"
)

// ImportRequest asks the worker to read one file.
type ImportRequest struct {
	Name  string
	Size  int64         // as the browser reports it; a larger file than MaxBytes is refused unread
	Keys  importer.JWKS // health card issuer keys, tied to their issuers
	Fault string        // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q ImportRequest) Encode() []byte {
	w, e := newRequest(64, OpImport, q.Fault)
	e.String(q.Name).Int(q.Size)
	w.Frame(kindImport, e.Payload())
	putKeys(w, e, q.Keys)
	return w.Bytes()
}

var errBadRequest = errors.New("worker: a malformed request")

// DecodeImport reads an import request.
func DecodeImport(msg []byte) (ImportRequest, error) {
	var q ImportRequest
	r, err := frame.NewReader(msg)
	if err != nil {
		return q, err
	}
	if !r.Next() || r.Kind() != kindRequest {
		return q, errBadRequest
	}
	d := r.Decoder()
	if op := d.String(); op != OpImport {
		return q, fmt.Errorf("worker: unknown job %q", op)
	}
	q.Fault = d.String()
	if !r.Next() || r.Kind() != kindImport {
		return q, errBadRequest
	}
	d = r.Decoder()
	q.Name, q.Size = d.String(), d.Int()
	if d.Err() != nil {
		return q, errBadRequest
	}
	for r.Next() {
		if r.Kind() != kindKey {
			return q, errBadRequest
		}
		k, ok := getKey(r.Decoder())
		if !ok {
			return q, errBadRequest
		}
		q.Keys.Keys = append(q.Keys.Keys, k)
	}
	return q, r.Err()
}

// FaultOf is the fault a request asks for ("" for none or a malformed one).
func FaultOf(msg []byte) string {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindRequest {
		return ""
	}
	d := r.Decoder()
	d.Bytes() // the op
	return d.String()
}

// MaxBytes is the largest file read (compressed or not).
const MaxBytes = importer.DefaultMaxBytes

// Failure is a job that did not finish, explained by a catalog key.
type Failure struct {
	Key  string // catalog key
	Line int    // where in the file, when known
}

func (f *Failure) Error() string { return "worker: " + f.Key }

// Catalog keys of a job the worker could not finish.
const (
	KeyCrash = "worker.error.crash" // a reader failed (a panic, recovered)
	KeyDied  = "worker.error.died"  // the worker module ended (a crash, out of memory)
	KeyStart = "worker.error.start" // the worker could not be started or loaded

	// The same, for a job that writes a file (an export).
	KeyWriteCrash = "worker.error.write.crash"
	KeyWriteDied  = "worker.error.write.died"
	KeyWriteStart = "worker.error.write.start"

	// A QR code's text too long for one (the link still works).
	KeyQRTooLong = "qr.error.long"
)

// asWriting says a Failure of the worker's own in a writing job's words.
func asWriting(err error) error {
	var f *Failure
	if !errors.As(err, &f) {
		return err
	}
	switch f.Key {
	case KeyCrash:
		return &Failure{Key: KeyWriteCrash}
	case KeyDied:
		return &Failure{Key: KeyWriteDied}
	case KeyStart:
		return &Failure{Key: KeyWriteStart}
	}
	return err
}

// ErrorKey is the catalog key that explains a whole-file import error:
// a Failure's own, else "import.error.<code>", with the C-CDA converter's
// finer codes (such as the refused entity declarations) when it has one.
func ErrorKey(err error) string {
	var f *Failure
	if errors.As(err, &f) {
		return f.Key
	}
	var ie *importer.Error
	if !errors.As(err, &ie) {
		return "import.error.read"
	}
	if ie.Code == importer.ErrCodeCCDA {
		if c := ccda.ErrorCode(ie.Err); c != "" {
			return "import.error." + c
		}
	}
	return "import.error." + ie.Code
}

// ErrorLine is the line an import error names, 0 for none.
func ErrorLine(err error) int {
	var f *Failure
	if errors.As(err, &f) {
		return f.Line
	}
	var ie *importer.Error
	if errors.As(err, &ie) {
		return ie.Line
	}
	return 0
}

// Failed is the reply of a job that failed with err: its catalog key
// (ErrorKey) and line, never err's text.
func Failed(err error) []byte {
	w := frame.NewWriter(32)
	putFailed(w, err)
	return w.Bytes()
}

// putFailed writes Failed's frame.
func putFailed(w *frame.Writer, err error) {
	var e frame.Encoder
	e.String(ErrorKey(err)).Int(int64(ErrorLine(err)))
	w.Frame(kindFailed, e.Payload())
}

// EncodeProgress is a progress message: the bytes read so far.
func EncodeProgress(read int64) []byte {
	w := frame.NewWriter(12)
	var e frame.Encoder
	e.Int(read)
	w.Frame(kindProgress, e.Payload())
	return w.Bytes()
}

// EncodeImported is an import's reply: the entries made of res's resources
// (as the vault's binary headers: their bodies are the resources' JSON,
// sent once, in the result), then res.
func EncodeImported(res importer.Result, entries []record.Entry) []byte {
	size := 256
	for _, x := range res.Resources {
		size += len(x.JSON) + 32
	}
	for _, f := range res.Files {
		size += len(f.Data) + 128
	}
	w := frame.NewWriter(size + 160*len(entries))
	putImported(w, res, entries)
	return w.Bytes()
}

// putImported writes EncodeImported's frames.
func putImported(w *frame.Writer, res importer.Result, entries []record.Entry) {
	w.Frame(kindDone, nil)
	for _, e := range entries {
		h, _ := record.EncodeEntry(e)
		w.Frame(kindEntry, h)
	}
	importer.EncodeResult(w, res)
}

// Progress reads a progress message: the bytes read so far; ok is false
// for any other message.
func Progress(msg []byte) (read int64, ok bool) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindProgress {
		return 0, false
	}
	d := r.Decoder()
	n := d.Int()
	return n, d.Err() == nil
}

// Parsed is what the worker made of a file.
type Parsed struct {
	Result importer.Result
	// Headers are the result's resources made into entries that belong
	// to no profile yet (importer.ToEntries), as vault headers, one per
	// resource, in order; Entries decodes them.
	Headers [][]byte
}

// ImportReply reads an import's reply: what the worker made of the file,
// or a *Failure.
func ImportReply(msg []byte) (Parsed, error) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return Parsed{}, &Failure{Key: KeyCrash}
	}
	return readImported(r)
}

// readImported reads ImportReply's frames, from r's current one.
func readImported(r *frame.Reader) (Parsed, error) {
	crash := &Failure{Key: KeyCrash}
	var err error
	switch r.Kind() {
	case kindFailed:
		d := r.Decoder()
		f := &Failure{Key: d.String(), Line: int(d.Int())}
		if d.Err() != nil || f.Key == "" {
			f = crash
		}
		return Parsed{}, f
	case kindDone:
		var p Parsed
		for k, ok := r.Peek(); ok && k == kindEntry; k, ok = r.Peek() {
			r.Next()
			p.Headers = append(p.Headers, r.Payload())
		}
		if p.Result, err = importer.DecodeResult(r); err != nil || len(p.Headers) != len(p.Result.Resources) {
			return Parsed{}, crash
		}
		return p, nil
	}
	return Parsed{}, crash
}

// Entries decodes the entries of headers[from:to] (the page decodes a
// long file's in parts, between which it paints).
func (p Parsed) Entries(from, to int) ([]record.Entry, error) {
	out := make([]record.Entry, 0, to-from)
	for i := from; i < to; i++ {
		h, err := record.DecodeHeader(p.Headers[i])
		if err != nil || h.Entry == nil {
			return nil, &Failure{Key: KeyCrash}
		}
		e := *h.Entry
		e.Resource = p.Result.Resources[i]
		out = append(out, e)
	}
	return out, nil
}

// newRequest starts a request's message of size bytes or so: its first
// frame (the op and the fault), and an empty encoder for the next ones.
func newRequest(size int, op, fault string) (*frame.Writer, *frame.Encoder) {
	w := frame.NewWriter(size)
	e := new(frame.Encoder)
	e.String(op).String(fault)
	w.Frame(kindRequest, e.Payload())
	e.Reset()
	return w, e
}

// readRequest opens a request's message for op, whose second frame is of
// the kind given: the fault it asks for, and the reader at that frame.
func readRequest(msg []byte, op string, kind byte) (*frame.Reader, string, error) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindRequest {
		return nil, "", errBadRequest
	}
	d := r.Decoder()
	if d.String() != op {
		return nil, "", errBadRequest
	}
	fault := d.String()
	if d.Err() != nil || !r.Next() || r.Kind() != kind {
		return nil, "", errBadRequest
	}
	return r, fault, nil
}

// putKeys writes health card issuer keys, a kindKey frame each.
func putKeys(w *frame.Writer, e *frame.Encoder, keys importer.JWKS) {
	for _, k := range keys.Keys {
		e.Reset()
		e.String(k.Kty).String(k.Kid).String(k.Use).String(k.Alg).String(k.Crv).String(k.X).String(k.Y).String(k.Issuer)
		w.Frame(kindKey, e.Payload())
	}
}

// getKey reads one kindKey frame's key.
func getKey(d *frame.Decoder) (importer.JWK, bool) {
	k := importer.JWK{Kty: d.String(), Kid: d.String(), Use: d.String(), Alg: d.String(), Crv: d.String(), X: d.String(), Y: d.String(), Issuer: d.String()}
	return k, d.Err() == nil
}

// encodeText is a reply of one string in a frame of kind.
func encodeText(kind byte, s string) []byte {
	w := frame.NewWriter(16 + len(s))
	var e frame.Encoder
	e.String(s)
	w.Frame(kind, e.Payload())
	return w.Bytes()
}

// textReply reads encodeText's reply of kind: its string (never empty),
// or a *Failure.
func textReply(msg []byte, kind byte) (string, error) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return "", &Failure{Key: KeyCrash}
	}
	d := r.Decoder()
	switch r.Kind() {
	case kindFailed:
		return "", failure(d)
	case kind:
		s := d.String()
		if d.Err() != nil || s == "" || r.Next() {
			return "", &Failure{Key: KeyCrash}
		}
		return s, nil
	}
	return "", &Failure{Key: KeyCrash}
}
