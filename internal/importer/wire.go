package importer

import (
	"errors"
	"math"

	"backpack/internal/fhir"
	"backpack/internal/frame"
)

// Frame kinds of a Result (EncodeResult). A result is the last part of a
// message: DecodeResult reads every frame left.
const (
	frameHead     = 0x10 // file, format, source, verified, unread cards
	framePatient  = 0x11 // type, id, JSON
	frameResource = 0x12 // type, id, JSON: one frame each, in order
	frameFile     = 0x13 // name, type, size, sha256, titled, data, owners
	frameCount    = 0x14 // resource type, n
	frameProblem  = 0x15 // severity, code, where, detail
	frameCard     = 0x16 // where, issuer, kid, alg, signed, sig
)

// EncodeResult appends r to w as frames: resources as their JSON bytes,
// files as their bytes, nothing re-encoded. The page's copy of a worker's
// parse then needs no parsing (DecodeResult), and rechecking cards
// (CheckCards) works on it as on the worker's.
func EncodeResult(w *frame.Writer, r Result) {
	var e frame.Encoder
	verified := uint64(0)
	if r.Verified != nil {
		verified = 1
		if *r.Verified {
			verified = 2
		}
	}
	e.String(r.File).String(string(r.Format)).String(r.Source).Uint(verified).Bool(r.unreadCards)
	w.Frame(frameHead, e.Payload())
	res := func(kind byte, x fhir.Resource) {
		e.Reset()
		e.String(x.Type).String(x.ID).Bytes(x.JSON)
		w.Frame(kind, e.Payload())
	}
	if r.Patient != nil {
		res(framePatient, *r.Patient)
	}
	for _, x := range r.Resources {
		res(frameResource, x)
	}
	for _, f := range r.Files {
		e.Reset()
		e.String(f.Name).String(f.Type).Int(f.Size).String(f.SHA256).Bool(f.titled).Bytes(f.Data).Uint(uint64(len(f.Owners)))
		for _, o := range f.Owners {
			e.Int(int64(o))
		}
		w.Frame(frameFile, e.Payload())
	}
	for t, n := range r.Counts {
		e.Reset()
		e.String(t).Int(int64(n))
		w.Frame(frameCount, e.Payload())
	}
	for _, p := range r.Problems {
		e.Reset()
		e.String(p.Severity).String(p.Code).String(p.Where).String(p.Detail)
		w.Frame(frameProblem, e.Payload())
	}
	for _, c := range r.Cards {
		e.Reset()
		e.String(c.Where).String(c.Issuer).String(c.Kid).String(c.alg).Bytes(c.signed).Bytes(c.sig)
		w.Frame(frameCard, e.Payload())
	}
}

// ErrBadResult is returned by DecodeResult for frames EncodeResult does not write.
var ErrBadResult = errors.New("importer: a malformed result message")

// DecodeResult reads the result EncodeResult wrote, from the reader's next
// frame to the end. Byte fields (resources' JSON, files' data) are slices
// of the message, not copies.
func DecodeResult(r *frame.Reader) (Result, error) {
	var out Result
	head := false
	for r.Next() {
		d := r.Decoder()
		switch r.Kind() {
		case frameHead:
			out.File, out.Format, out.Source = d.String(), Format(d.String()), d.String()
			switch d.Uint() {
			case 1:
				out.Verified = new(bool)
			case 2:
				v := true
				out.Verified = &v
			}
			out.unreadCards = d.Bool()
			head = true
		case framePatient, frameResource:
			x := fhir.Resource{Type: d.String(), ID: d.String(), JSON: d.Bytes()}
			if r.Kind() == framePatient {
				out.Patient = &x
			} else {
				out.Resources = append(out.Resources, x)
			}
		case frameFile:
			f := File{Name: d.String(), Type: d.String(), Size: d.Int(), SHA256: d.String(), titled: d.Bool(), Data: d.Bytes()}
			n := d.Uint()
			if n > uint64(d.Rest()) {
				return Result{}, ErrBadResult
			}
			for range n {
				o := d.Int()
				if o < 0 || o > math.MaxInt32 {
					return Result{}, ErrBadResult
				}
				f.Owners = append(f.Owners, int(o))
			}
			out.Files = append(out.Files, f)
		case frameCount:
			if out.Counts == nil {
				out.Counts = map[string]int{}
			}
			t, n := d.String(), d.Int()
			if n < 0 || n > math.MaxInt32 {
				return Result{}, ErrBadResult
			}
			out.Counts[t] = int(n)
		case frameProblem:
			out.Problems = append(out.Problems, Problem{Severity: d.String(), Code: d.String(), Where: d.String(), Detail: d.String()})
		case frameCard:
			out.Cards = append(out.Cards, Card{Where: d.String(), Issuer: d.String(), Kid: d.String(), alg: d.String(), signed: d.Bytes(), sig: d.Bytes()})
		default:
			return Result{}, ErrBadResult
		}
		if d.Err() != nil || d.Rest() != 0 {
			return Result{}, ErrBadResult
		}
	}
	if r.Err() != nil {
		return Result{}, r.Err()
	}
	if !head {
		return Result{}, ErrBadResult
	}
	if out.Counts == nil {
		out.Counts = map[string]int{}
	}
	return out, nil
}
