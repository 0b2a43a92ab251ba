package worker

import (
	"bufio"
	"context"
	"errors"
	"io"
	"time"

	"backpack/internal/export"
	"backpack/internal/frame"
	"backpack/internal/record"
)

// Frame kinds of the export-writing job (after the opening's).
const (
	kindWrite    = 0x20 // recipient (passphrase or public key text) and the selection's flags
	kindIDs      = 0x21 // one of the selection's id lists: which, whether set, the ids
	kindFileSpan = 0x22 // a selected file's id and size, in the order of the files' Blob
	kindOut      = 0x23 // a part of the written file
	kindWritten  = 0x24 // the reply: the written file's size
)

const opWrite = "write"

// The selection's id lists, as kindIDs names them.
const (
	idsProfiles = iota
	idsEntries
	idsFiles
)

// WriteRequest asks the worker to write one export file (export.Write):
// the records, already the selected part (export.Data.Select of Sel), go
// in the message as the vault's binary headers; the files' bytes go beside
// it as one Blob, one file after the other in Data.Files' order, Sizes[i]
// bytes for Data.Files[i]. The passphrase or key goes to our own worker
// only; it is never logged.
type WriteRequest struct {
	Data    export.Data
	Sel     export.Selection
	Sizes   []int64 // each file's bytes in the Blob
	UseKey  bool    // encrypt to KeyText (an OpenPGP public key), else with Pass
	Pass    string
	KeyText string
	Fault   string // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q WriteRequest) Encode() []byte {
	size := 256 + len(q.KeyText)
	for _, e := range q.Data.Entries {
		size += len(e.Resource.JSON) + 256
	}
	size += 64 * (len(q.Data.Files) + len(q.Sel.Entries) + len(q.Sel.Files))
	w := frame.NewWriter(size)
	var e frame.Encoder
	e.String(opWrite).String(q.Fault)
	w.Frame(kindRequest, e.Payload())
	e.Reset()
	e.Bool(q.UseKey).String(q.Pass).String(q.KeyText).Bool(q.Sel.IncludeSummary).Bool(q.Sel.IncludeIPS)
	w.Frame(kindWrite, e.Payload())
	for which, ids := range [][]string{idsProfiles: q.Sel.Profiles, idsEntries: q.Sel.Entries, idsFiles: q.Sel.Files} {
		e.Reset()
		// nil and empty differ (Selection): no files at all, or the entries' files.
		e.Uint(uint64(which)).Bool(ids != nil).Uint(uint64(len(ids)))
		for _, id := range ids {
			e.String(id)
		}
		w.Frame(kindIDs, e.Payload())
	}
	putData(w, q.Data)
	for i, f := range q.Data.Files {
		var n int64
		if i < len(q.Sizes) {
			n = q.Sizes[i]
		}
		e.Reset()
		e.String(f.ID).Int(n)
		w.Frame(kindFileSpan, e.Payload())
	}
	return w.Bytes()
}

func decodeWrite(msg []byte) (q WriteRequest, spans []fileSpan, err error) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindRequest {
		return q, nil, errBadRequest
	}
	d := r.Decoder()
	if d.String() != opWrite {
		return q, nil, errBadRequest
	}
	q.Fault = d.String()
	if !r.Next() || r.Kind() != kindWrite {
		return q, nil, errBadRequest
	}
	d = r.Decoder()
	q.UseKey, q.Pass, q.KeyText, q.Sel.IncludeSummary, q.Sel.IncludeIPS = d.Bool(), d.String(), d.String(), d.Bool(), d.Bool()
	if d.Err() != nil {
		return q, nil, errBadRequest
	}
	var off int64
	for r.Next() {
		d := r.Decoder()
		switch r.Kind() {
		case kindIDs:
			which, set, n := d.Uint(), d.Bool(), d.Uint()
			if n > uint64(d.Rest()) || which > idsFiles {
				return q, nil, errBadRequest
			}
			var ids []string
			if set {
				ids = make([]string, 0, n)
			}
			for range n {
				ids = append(ids, d.String())
			}
			switch which {
			case idsProfiles:
				q.Sel.Profiles = ids
			case idsEntries:
				q.Sel.Entries = ids
			case idsFiles:
				q.Sel.Files = ids
			}
		case kindFileSpan:
			s := fileSpan{id: d.String(), off: off, size: d.Int()}
			if s.size < 0 {
				return q, nil, errBadRequest
			}
			off += s.size
			spans = append(spans, s)
			q.Sizes = append(q.Sizes, s.size)
		default:
			if !getData(r, &q.Data) {
				return q, nil, errBadRequest
			}
		}
		if d.Err() != nil {
			return q, nil, errBadRequest
		}
	}
	if r.Err() != nil || len(spans) != len(q.Data.Files) {
		return q, nil, errBadRequest
	}
	return q, spans, nil
}

// fileSpan is where a file's bytes are in the files' Blob.
type fileSpan struct {
	id        string
	off, size int64
}

// blobFiles is the export's FileSource in the worker: each file a span of
// the one Blob the page sent, read forward (export.Write asks for the files
// in Data.Files' order, the Blob's); a file asked for out of order opens
// the Blob again.
type blobFiles struct {
	open  func() io.ReadCloser
	spans map[string]fileSpan
	rc    io.ReadCloser
	pos   int64
}

var errNoFile = errors.New("worker: no such file in the request")

func (b *blobFiles) OpenFile(_ context.Context, id string) (io.ReadCloser, error) {
	s, ok := b.spans[id]
	if !ok {
		return nil, errNoFile
	}
	if b.rc == nil || s.off < b.pos {
		b.close()
		b.rc, b.pos = b.open(), 0
	}
	if s.off > b.pos {
		n, err := io.CopyN(io.Discard, b.rc, s.off-b.pos)
		b.pos += n
		if err != nil {
			return nil, err
		}
	}
	return &span{b: b, left: s.size}, nil
}

func (b *blobFiles) close() {
	if b.rc != nil {
		b.rc.Close()
		b.rc = nil
	}
}

// span reads one file of a blobFiles.
type span struct {
	b    *blobFiles
	left int64
}

func (s *span) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.b.rc.Read(p)
	s.left -= int64(n)
	s.b.pos += int64(n)
	if err == io.EOF && s.left > 0 {
		err = io.ErrUnexpectedEOF // the Blob is shorter than the request said
	}
	return n, err
}

func (s *span) Close() error { return nil }

// WriteExport is the writing job, in this process: the recipient made from
// q, then export.Write of q.Data into w, the files read from the Blob open
// opens. progress, when set, gets the work done and the total.
func WriteExport(ctx context.Context, q WriteRequest, open func() io.ReadCloser, w io.Writer, progress func(done, total int64)) error {
	var to export.Recipient
	var err error
	if q.UseKey {
		to, err = export.PublicKey(q.KeyText)
	} else {
		to, err = export.Passphrase(q.Pass)
	}
	if err != nil {
		return err
	}
	files := &blobFiles{open: open, spans: make(map[string]fileSpan, len(q.Data.Files))}
	defer files.close()
	var off int64
	for i, f := range q.Data.Files {
		var n int64
		if i < len(q.Sizes) {
			n = q.Sizes[i]
		}
		files.spans[f.ID] = fileSpan{id: f.ID, off: off, size: n}
		off += n
	}
	return export.Write(ctx, w, q.Data, q.Sel, files, to, progress)
}

// serveWrite runs a writing request (Serve's recover covers it): the file
// goes to post in parts (OutPart) of at most pieceSize, progress between
// them, and the reply says how long it was.
func serveWrite(msg []byte, open func() io.ReadCloser, post func([]byte)) []byte {
	q, _, err := decodeWrite(msg)
	if err != nil || post == nil {
		return failed(&Failure{Key: KeyCrash})
	}
	if q.Fault == FaultPanic {
		panic("worker: a fault asked for")
	}
	out := &outPoster{post: post}
	bw := bufio.NewWriterSize(out, pieceSize)
	err = WriteExport(context.Background(), q, open, bw, writeProgress(post))
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return failed(&Failure{Key: export.ErrorKey(err)})
	}
	w := frame.NewWriter(16)
	var e frame.Encoder
	e.Int(out.n)
	w.Frame(kindWritten, e.Payload())
	return w.Bytes()
}

// outPoster posts what is written to it as OutPart messages.
type outPoster struct {
	post func([]byte)
	n    int64
}

func (o *outPoster) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		part := rest[:min(len(rest), pieceSize)]
		rest = rest[len(part):]
		w := frame.NewWriter(len(part) + 8)
		w.Frame(kindOut, part)
		o.post(w.Bytes())
	}
	o.n += int64(len(p))
	return len(p), nil
}

// OutPart reads a part of a written file; ok is false for any other
// message. The worker module sends the part's bytes alone (not the
// message) to the page, which keeps them in JS.
func OutPart(msg []byte) (part []byte, ok bool) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindOut {
		return nil, false
	}
	return r.Payload(), true
}

// writeProgress posts (done, total) progress messages at most every
// progressEvery, and the last.
func writeProgress(post func([]byte)) func(done, total int64) {
	var last time.Time
	return func(done, total int64) {
		if time.Since(last) < progressEvery && done < total {
			return
		}
		last = time.Now()
		w := frame.NewWriter(24)
		var e frame.Encoder
		e.Int(done).Int(total)
		w.Frame(kindProgress, e.Payload())
		post(w.Bytes())
	}
}

// WriteProgress reads a writing job's progress message: the work done and
// the total; ok is false for any other message.
func WriteProgress(msg []byte) (done, total int64, ok bool) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindProgress {
		return 0, 0, false
	}
	d := r.Decoder()
	done, total = d.Int(), d.Int()
	return done, total, d.Err() == nil
}

// WriteReply reads a writing job's reply: the file's size, or a *Failure
// whose key explains why it was not written (export.ErrorKey's, or the
// worker's own: KeyWriteCrash).
func WriteReply(msg []byte) (int64, error) {
	n, err := writeReply(msg)
	return n, asWriting(err)
}

func writeReply(msg []byte) (int64, error) {
	crash := &Failure{Key: KeyCrash}
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return 0, crash
	}
	d := r.Decoder()
	switch r.Kind() {
	case kindFailed:
		f := &Failure{Key: d.String(), Line: int(d.Int())}
		if d.Err() != nil || f.Key == "" {
			f = crash
		}
		return 0, f
	case kindWritten:
		n := d.Int()
		if d.Err() != nil || r.Next() {
			return 0, crash
		}
		return n, nil
	}
	return 0, crash
}

// putData writes d's records in the vault's own encoding (internal/record),
// which keeps every field: a frame per profile, entry, file and question.
func putData(w *frame.Writer, d export.Data) {
	var e frame.Encoder
	res := func(h []byte, typ, id string, body []byte) []byte {
		e.Reset()
		e.Bytes(h).String(typ).String(id).Bytes(body)
		return e.Payload()
	}
	for _, p := range d.Profiles {
		h, _ := record.EncodeProfile(p)
		w.Frame(kindProfile, res(h, p.Patient.Type, p.Patient.ID, p.Patient.JSON))
	}
	for _, x := range d.Entries {
		h, _ := record.EncodeEntry(x)
		w.Frame(kindRecEntry, res(h, x.Resource.Type, x.Resource.ID, x.Resource.JSON))
	}
	for _, f := range d.Files {
		w.Frame(kindFileInfo, record.EncodeFile(f))
	}
	for _, q := range d.Questions {
		w.Frame(kindQuestion, record.EncodeQuestion(q))
	}
}
