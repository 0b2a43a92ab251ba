package worker

import (
	"backpack/internal/exportdata"
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

// The selection's id lists, as kindIDs names them.
const (
	idsProfiles = iota
	idsEntries
	idsFiles
)

// WriteRequest asks the worker to write one export file (export.Write):
// the records, already the selected part (exportdata.Data.Select of Sel), go
// in the message as the vault's binary headers; the files' bytes go beside
// it as one Blob, one file after the other in Data.Files' order, Sizes[i]
// bytes for Data.Files[i]. The passphrase or key goes to our own worker
// only; it is never logged.
type WriteRequest struct {
	Data    exportdata.Data
	Sel     exportdata.Selection
	Sizes   []int64 // each file's bytes in the Blob
	UseKey  bool    // encrypt to KeyText (an OpenPGP public key), else with Pass
	Pass    string
	KeyText string
	// SummaryLang, when set, asks for summary.html in that language
	// (export.HTMLSummary of Data and Sel) instead of an export file: no
	// recipient, no files.
	SummaryLang string
	Fault       string // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q WriteRequest) Encode() []byte {
	size := 256 + len(q.KeyText)
	for _, e := range q.Data.Entries {
		size += len(e.Resource.JSON) + 256
	}
	size += 64 * (len(q.Data.Files) + len(q.Sel.Entries) + len(q.Sel.Files))
	w, e := newRequest(size, OpWrite, q.Fault)
	e.Bool(q.UseKey).String(q.Pass).String(q.KeyText).Bool(q.Sel.IncludeSummary).Bool(q.Sel.IncludeIPS).String(q.SummaryLang)
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

// DecodeWrite reads a writing request.
func DecodeWrite(msg []byte) (q WriteRequest, err error) {
	r, fault, err := readRequest(msg, OpWrite, kindWrite)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	d := r.Decoder()
	q.UseKey, q.Pass, q.KeyText, q.Sel.IncludeSummary, q.Sel.IncludeIPS, q.SummaryLang = d.Bool(), d.String(), d.String(), d.Bool(), d.Bool(), d.String()
	if d.Err() != nil {
		return q, errBadRequest
	}
	for r.Next() {
		d := r.Decoder()
		switch r.Kind() {
		case kindIDs:
			which, set, n := d.Uint(), d.Bool(), d.Uint()
			if n > uint64(d.Rest()) || which > idsFiles {
				return q, errBadRequest
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
			id, n := d.String(), d.Int()
			if n < 0 || len(q.Sizes) >= len(q.Data.Files) || q.Data.Files[len(q.Sizes)].ID != id {
				return q, errBadRequest // the files' spans follow the records, in their order
			}
			q.Sizes = append(q.Sizes, n)
		default:
			if !getData(r, &q.Data) {
				return q, errBadRequest
			}
		}
		if d.Err() != nil {
			return q, errBadRequest
		}
	}
	if r.Err() != nil || len(q.Sizes) != len(q.Data.Files) {
		return q, errBadRequest
	}
	return q, nil
}

// EncodeOut is a part of a written file.
func EncodeOut(part []byte) []byte {
	w := frame.NewWriter(len(part) + 8)
	w.Frame(kindOut, part)
	return w.Bytes()
}

// EncodeWriteProgress is a writing job's progress message.
func EncodeWriteProgress(done, total int64) []byte {
	w := frame.NewWriter(24)
	var e frame.Encoder
	e.Int(done).Int(total)
	w.Frame(kindProgress, e.Payload())
	return w.Bytes()
}

// EncodeWritten is a writing job's reply: the written file's size.
func EncodeWritten(size int64) []byte {
	w := frame.NewWriter(16)
	var e frame.Encoder
	e.Int(size)
	w.Frame(kindWritten, e.Payload())
	return w.Bytes()
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
func putData(w *frame.Writer, d exportdata.Data) {
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
