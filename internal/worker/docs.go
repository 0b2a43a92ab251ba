package worker

import (
	"maps"
	"slices"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/frame"
)

// Frame kinds of the small jobs that need the export's code but write no
// export: checking a public key, and FHIR Bundles for a living link.
// (summary.html is a WriteRequest with SummaryLang.)
const (
	kindKeyText    = 0x25 // the key's text
	kindKeyOK      = 0x26 // the reply: the key's fingerprint
	kindBundles    = 0x27 // when the bundles are written; the records follow
	kindBundle     = 0x28 // the reply: one bundle per profile, in order
	kindBundleFile = 0x29 // a file's bytes for the bundles: its id, then the bytes
)

// KeyRequest asks whether Text is an OpenPGP public key an export can be
// encrypted to (export.PublicKey's checks), and for its fingerprint.
type KeyRequest struct {
	Text  string
	Fault string // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q KeyRequest) Encode() []byte {
	w, e := newRequest(32+len(q.Text), OpKey, q.Fault)
	e.String(q.Text)
	w.Frame(kindKeyText, e.Payload())
	return w.Bytes()
}

// DecodeKey reads a key-checking request.
func DecodeKey(msg []byte) (KeyRequest, error) {
	var q KeyRequest
	r, fault, err := readRequest(msg, OpKey, kindKeyText)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	d := r.Decoder()
	q.Text = d.String()
	if d.Err() != nil || r.Next() {
		return q, errBadRequest
	}
	return q, nil
}

// EncodeKeyOK is a key check's reply for a usable key.
func EncodeKeyOK(fingerprint string) []byte { return encodeText(kindKeyOK, fingerprint) }

// KeyReply reads a key check's reply: the key's fingerprint, or a *Failure
// whose key says why the key cannot be used (export.ErrorKey's).
func KeyReply(msg []byte) (string, error) { return textReply(msg, kindKeyOK) }

// BundlesRequest asks for the records of Data as FHIR R4 collection
// Bundles (export.Bundle), one per profile with its entries, written at
// Now: what a living link shares.
type BundlesRequest struct {
	Data  exportdata.Data
	Files exportdata.MemFiles // the bytes of Data.Files by id: they go inline (export.InlineBundle)
	Now   time.Time
	Fault string // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q BundlesRequest) Encode() []byte {
	size := 128
	for _, e := range q.Data.Entries {
		size += len(e.Resource.JSON) + 256
	}
	for id, b := range q.Files {
		size += len(id) + len(b) + 16
	}
	w, e := newRequest(size, OpBundles, q.Fault)
	e.Int(q.Now.UnixNano())
	w.Frame(kindBundles, e.Payload())
	putData(w, q.Data)
	for _, id := range slices.Sorted(maps.Keys(q.Files)) {
		e.Reset()
		e.String(id).Bytes(q.Files[id])
		w.Frame(kindBundleFile, e.Payload())
	}
	return w.Bytes()
}

// DecodeBundles reads a bundles request.
func DecodeBundles(msg []byte) (BundlesRequest, error) {
	var q BundlesRequest
	r, fault, err := readRequest(msg, OpBundles, kindBundles)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	d := r.Decoder()
	q.Now = time.Unix(0, d.Int()).UTC()
	if d.Err() != nil {
		return q, errBadRequest
	}
	for r.Next() {
		if r.Kind() == kindBundleFile {
			d := r.Decoder()
			id, b := d.String(), d.Bytes()
			if d.Err() != nil {
				return q, errBadRequest
			}
			if q.Files == nil {
				q.Files = exportdata.MemFiles{}
			}
			q.Files[id] = b
			continue
		}
		if !getData(r, &q.Data) {
			return q, errBadRequest
		}
	}
	return q, r.Err()
}

// EncodeBundles is a bundles request's reply.
func EncodeBundles(bundles [][]byte) []byte {
	size := 16
	for _, b := range bundles {
		size += len(b) + 8
	}
	w := frame.NewWriter(size)
	for _, b := range bundles {
		w.Frame(kindBundle, b)
	}
	if len(bundles) == 0 {
		w.Frame(kindBundle, nil) // none: one empty frame, so that the reply is not empty
	}
	return w.Bytes()
}

// BundlesReply reads a bundles request's reply, or a *Failure.
func BundlesReply(msg []byte) ([][]byte, error) {
	r, err := frame.NewReader(msg)
	if err != nil {
		return nil, &Failure{Key: KeyCrash}
	}
	var out [][]byte
	for r.Next() {
		switch r.Kind() {
		case kindFailed:
			return nil, failure(r.Decoder())
		case kindBundle:
			if len(r.Payload()) > 0 {
				out = append(out, r.Payload())
			}
		default:
			return nil, &Failure{Key: KeyCrash}
		}
	}
	if r.Err() != nil {
		return nil, &Failure{Key: KeyCrash}
	}
	return out, nil
}

// failure reads a kindFailed frame's Failure (a crash when it is malformed).
func failure(d *frame.Decoder) *Failure {
	f := &Failure{Key: d.String(), Line: int(d.Int())}
	if d.Err() != nil || f.Key == "" {
		return &Failure{Key: KeyCrash}
	}
	return f
}
