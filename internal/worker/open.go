package worker

import (
	"io"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/fhir"
	"backpack/internal/frame"
	"backpack/internal/record"
)

// Frame kinds of the export-opening job (after the import's).
const (
	kindOpen     = 0x10 // size; passphrase, or private key and its passphrase
	kindArchive  = 0x11 // the archive's name, time, flags and contents; its records follow
	kindProfile  = 0x12 // vault header, then the Patient resource
	kindRecEntry = 0x13 // vault header, then the resource
	kindFileInfo = 0x14 // vault header of a file's description
	kindQuestion = 0x15 // vault header of a question
	kindFileData = 0x16 // one file's bytes, by id
	kindPiece    = 0x17 // a streamed file: its description (vault header), then its bytes in parts, then an empty end
)

// OpenRequest asks the worker to open one export file (internal/export's
// reader: decryption, integrity check, zip, records) and send back what
// it holds. The passphrase or private key goes to our own worker only; it
// is never logged.
type OpenRequest struct {
	Size    int64 // as the browser reports it
	UseKey  bool  // open with KeyText (and KeyPass), else with Pass
	Pass    string
	KeyText string
	KeyPass string
	// Stream sends each file's bytes as messages while the file is read
	// (Pieces, in order, before the reply), not in the reply: a restore
	// writes them into the vault as they come.
	Stream bool
	Fault  string // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q OpenRequest) Encode() []byte {
	w, e := newRequest(64+len(q.KeyText), OpOpen, q.Fault)
	e.Int(q.Size).Bool(q.UseKey).String(q.Pass).String(q.KeyText).String(q.KeyPass).Bool(q.Stream)
	w.Frame(kindOpen, e.Payload())
	return w.Bytes()
}

// OpOf is a request's job ("" for a malformed request).
func OpOf(msg []byte) string {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindRequest {
		return ""
	}
	return r.Decoder().String()
}

// DecodeOpen reads an opening request.
func DecodeOpen(msg []byte) (OpenRequest, error) {
	var q OpenRequest
	r, fault, err := readRequest(msg, OpOpen, kindOpen)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	d := r.Decoder()
	q.Size, q.UseKey, q.Pass, q.KeyText, q.KeyPass, q.Stream = d.Int(), d.Bool(), d.String(), d.String(), d.String(), d.Bool()
	if d.Err() != nil || r.Next() {
		return q, errBadRequest
	}
	return q, nil
}

// Opened is an export as the worker read it.
type Opened struct {
	Archive *exportdata.Archive
	Files   exportdata.MemFiles // the files' bytes, by id
}

// EncodeOpened is an opening's reply: the archive, then the records in the vault's own encoding
// (internal/record), which keeps every field.
func EncodeOpened(o Opened) []byte {
	a, d := o.Archive, o.Archive.Data
	size := 256
	for _, e := range d.Entries {
		size += len(e.Resource.JSON) + 256
	}
	for _, b := range o.Files {
		size += len(b) + 64
	}
	w := frame.NewWriter(size)
	var e frame.Encoder
	e.String(a.Name).Int(a.Created.UnixNano()).Bool(!a.Created.IsZero()).Bool(a.Partial).Bool(a.Summary).Bool(a.IPS).Uint(uint64(len(a.Contents)))
	for _, c := range a.Contents {
		e.String(c)
	}
	w.Frame(kindArchive, e.Payload())
	putData(w, d)
	for id, b := range o.Files {
		e.Reset()
		e.String(id).Bytes(b)
		w.Frame(kindFileData, e.Payload())
	}
	return w.Bytes()
}

// OpenReply reads an opening's reply: the export, or a *Failure whose key
// is the catalog key explaining why it did not open (export.ErrorKey's,
// or the worker's own).
func OpenReply(msg []byte) (Opened, error) {
	crash := &Failure{Key: KeyCrash}
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return Opened{}, crash
	}
	if r.Kind() == kindFailed {
		d := r.Decoder()
		f := &Failure{Key: d.String(), Line: int(d.Int())}
		if d.Err() != nil || f.Key == "" {
			f = crash
		}
		return Opened{}, f
	}
	if r.Kind() != kindArchive {
		return Opened{}, crash
	}
	a := &exportdata.Archive{}
	d := r.Decoder()
	a.Name = d.String()
	created, hasTime := d.Int(), d.Bool()
	if hasTime {
		a.Created = time.Unix(0, created).UTC()
	}
	a.Partial, a.Summary, a.IPS = d.Bool(), d.Bool(), d.Bool()
	n := d.Uint()
	if n > uint64(d.Rest()) {
		return Opened{}, crash
	}
	for range n {
		a.Contents = append(a.Contents, d.String())
	}
	if d.Err() != nil {
		return Opened{}, crash
	}
	o := Opened{Archive: a, Files: exportdata.MemFiles{}}
	for r.Next() {
		d := r.Decoder()
		switch r.Kind() {
		case kindFileData:
			id, b := d.String(), d.Bytes()
			if d.Err() != nil {
				return Opened{}, crash
			}
			o.Files[id] = b
		default:
			if !getData(r, &a.Data) {
				return Opened{}, crash
			}
		}
	}
	if r.Err() != nil {
		return Opened{}, crash
	}
	return o, nil
}

// getData reads one of putData's frames (r's current one) into d; false
// for a malformed one or another kind.
func getData(r *frame.Reader, d *exportdata.Data) bool {
	switch r.Kind() {
	case kindProfile, kindRecEntry:
		dec := r.Decoder()
		hb := dec.Bytes()
		x := fhir.Resource{Type: dec.String(), ID: dec.String(), JSON: dec.Bytes()}
		if len(x.JSON) == 0 {
			x.JSON = nil // as it was (a profile without its Patient): JSON null, not nothing
		}
		h, err := record.DecodeHeader(hb)
		if err != nil || dec.Err() != nil {
			return false
		}
		switch {
		case r.Kind() == kindProfile && h.Profile != nil:
			p := *h.Profile
			p.Patient = x
			d.Profiles = append(d.Profiles, p)
		case r.Kind() == kindRecEntry && h.Entry != nil:
			e := *h.Entry
			e.Resource = x
			d.Entries = append(d.Entries, e)
		default:
			return false
		}
	case kindFileInfo, kindQuestion:
		h, err := record.DecodeHeader(r.Payload())
		switch {
		case err != nil:
			return false
		case r.Kind() == kindFileInfo && h.File != nil:
			d.Files = append(d.Files, *h.File)
		case r.Kind() == kindQuestion && h.Question != nil:
			d.Questions = append(d.Questions, *h.Question)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

// PieceSize is the most of a file's bytes one message carries.
const PieceSize = 1 << 20

// EncodePiece is a streamed file's message (a Piece): its description
// (head, a vault header), some of its bytes, or neither (its end).
func EncodePiece(head, data []byte) []byte {
	w := frame.NewWriter(len(head) + len(data) + 16)
	var e frame.Encoder
	e.Bytes(head).Bytes(data)
	w.Frame(kindPiece, e.Payload())
	return w.Bytes()
}

// A Piece is one message of a streamed file: its start (Info), some of its
// bytes (Data), or its end (neither).
type Piece struct {
	Info *record.FileInfo
	Data []byte
}

// FilePiece reads a streamed file's message; ok is false for any other.
func FilePiece(msg []byte) (p Piece, ok bool) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindPiece {
		return Piece{}, false
	}
	d := r.Decoder()
	head, data := d.Bytes(), d.Bytes()
	if d.Err() != nil {
		return Piece{}, false
	}
	if len(head) > 0 {
		h, err := record.DecodeHeader(head)
		if err != nil || h.File == nil {
			return Piece{}, false
		}
		p.Info = h.File
	}
	p.Data = data
	return p, true
}

// Feed hands streamed files to a FileSink as their Pieces come: each file
// is read by the sink, on its own goroutine, through a pipe, so a Piece
// waits until the sink has taken the one before.
type Feed struct {
	sink exportdata.FileSink
	pw   *io.PipeWriter
	done chan error
	err  error
}

// NewFeed returns a Feed into sink.
func NewFeed(sink exportdata.FileSink) *Feed { return &Feed{sink: sink} }

// Put hands one Piece on; after an error the rest are dropped (Close
// returns it).
func (f *Feed) Put(p Piece) {
	if f.err != nil {
		return
	}
	switch {
	case p.Info != nil:
		f.end()
		if f.err != nil {
			return
		}
		pr, pw := io.Pipe()
		f.pw, f.done = pw, make(chan error, 1)
		info := *p.Info
		go func() {
			err := f.sink(info, pr)
			if err == nil {
				_, err = io.Copy(io.Discard, pr) // what the sink left unread
			}
			pr.CloseWithError(err)
			f.done <- err
		}()
	case len(p.Data) > 0 && f.pw != nil:
		if _, err := f.pw.Write(p.Data); err != nil {
			f.end()
			if f.err == nil {
				f.err = err
			}
		}
	case len(p.Data) == 0:
		f.end()
	}
}

// end closes the file being fed and waits for its sink.
func (f *Feed) end() {
	if f.pw == nil {
		return
	}
	f.pw.Close()
	if err := <-f.done; err != nil && f.err == nil {
		f.err = err
	}
	f.pw, f.done = nil, nil
}

// Close ends the last file and returns the first error of the sink.
func (f *Feed) Close() error {
	if f.pw != nil {
		f.pw.CloseWithError(io.ErrUnexpectedEOF) // a file cut short: its sink must not keep it
		<-f.done
		f.pw, f.done = nil, nil
		if f.err == nil {
			f.err = io.ErrUnexpectedEOF
		}
	}
	return f.err
}

// Reply ends the feed (Close) and reads the opening's reply (OpenReply):
// the reply's error first, else the sink's.
func (f *Feed) Reply(reply []byte) (Opened, error) {
	ferr := f.Close()
	o, err := OpenReply(reply)
	if err == nil && ferr != nil {
		return Opened{}, ferr
	}
	return o, err
}
