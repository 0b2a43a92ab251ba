package record

import (
	"encoding/binary"
	"math"
	"sync"
	"time"

	"backpack/internal/fhir"
)

// Entry headers are written in a compact binary form (version
// headerBinary): unlocking a vault decodes one per entry, and this form
// decodes many times faster than JSON, with one string allocation per
// header (every string field shares it). Headers of version 1 (JSON) are
// still read.
//
// After the version and type bytes, in this order (str: uvarint length
// and bytes; time: see appendTime; n: uvarint count):
//
//	str ID, Profile, Resource.Type, Resource.ID, Kind, DatePrecision,
//	    Title, Text, Status, Unit, Interp, Who, Identity, Comparator
//	time Date, End, Created, Updated (may be "same as Created"), Deleted
//	byte which of Value, RefLow, RefHigh, Value2 follow (bits 0, 1, 2, 3); 8 bytes each
//	n codes × (str system (packSystem), code, display (packDisplay))
//	n notes × (str ID, Text; time Created)
//	byte flag present (0/1) [str Note, Status; time Created]
//	n files × str
//	byte provenance present (0/1) [str Source, File, System;
//	     time ImportedAt (may be "same as Created"); byte Verified 0 nil, 1 false, 2 true]
//
// Version 3 had no Comparator and no Value2 (bit 3); its headers still
// decode, with what their text says of both (see UpgradeProjection).
const headerBinary = 4 // 2 was never written

// headerBinaryV3 is the binary version before pairs and comparators.
const headerBinaryV3 = 3

// Time tags.
const (
	timeZero = 0 // the zero time
	timeAt   = 1 // varint Unix seconds, uvarint nanoseconds, varint zone offset in seconds
	timeSame = 2 // equal to the entry's Created, in the same location
)

func encodeEntryBinary(e Entry) []byte {
	b := make([]byte, 0, 256)
	b = append(b, headerBinary, byte(RecordEntry))
	for _, s := range [...]string{e.ID, e.Profile, e.Resource.Type, e.Resource.ID, string(e.Kind), e.DatePrecision,
		e.Title, e.Text, e.Status, e.Unit, e.Interp, e.Who, e.Identity, e.Comparator} {
		b = appendStr(b, s)
	}
	b = appendTime(b, e.Date)
	b = appendTime(b, e.End)
	b = appendTime(b, e.Created)
	b = appendSameTime(b, e.Updated, e.Created)
	b = appendTime(b, e.Deleted)
	floats := [...]*float64{finiteOrNil(e.Value), finiteOrNil(e.RefLow), finiteOrNil(e.RefHigh), finiteOrNil(e.Value2)}
	var which byte
	for i, f := range floats {
		if f != nil {
			which |= 1 << i
		}
	}
	b = append(b, which)
	for _, f := range floats {
		if f != nil {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*f))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(e.Codes)))
	for _, c := range e.Codes {
		b = appendStr(b, packSystem(c.System))
		b = appendStr(b, c.Code)
		b = appendStr(b, packDisplay(c.Display, e.Title))
	}
	b = binary.AppendUvarint(b, uint64(len(e.Notes)))
	for _, n := range e.Notes {
		b = appendStr(b, n.ID)
		b = appendStr(b, n.Text)
		b = appendTime(b, n.Created)
	}
	if f := e.Flag; f != nil {
		b = append(b, 1)
		b = appendStr(b, f.Note)
		b = appendStr(b, f.Status)
		b = appendTime(b, f.Created)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Files)))
	for _, f := range e.Files {
		b = appendStr(b, f)
	}
	if pv := e.Provenance; pv != (Provenance{}) {
		b = append(b, 1)
		b = appendStr(b, pv.Source)
		b = appendStr(b, pv.File)
		b = appendStr(b, pv.System)
		b = appendSameTime(b, pv.ImportedAt, e.Created)
		switch {
		case pv.Verified == nil:
			b = append(b, 0)
		case *pv.Verified:
			b = append(b, 2)
		default:
			b = append(b, 1)
		}
	} else {
		b = append(b, 0)
	}
	return b
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendTime writes the instant and the zone offset; it reads back in UTC
// for a zero offset, else as time.Parse reads an RFC 3339 offset: in Local
// when Local has that offset then, else in a fixed zone.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, timeZero)
	}
	_, off := t.Zone()
	b = append(b, timeAt)
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// appendSameTime writes t, or "same" when it is ref in the same location.
func appendSameTime(b []byte, t, ref time.Time) []byte {
	if t.Equal(ref) && t.Location() == ref.Location() {
		return append(b, timeSame)
	}
	return appendTime(b, t)
}

// binReader reads a binary header. All strings are substrings of s. A
// damaged header sets bad and reads as zeros from then on.
type binReader struct {
	s   string
	i   int
	bad bool
}

func (r *binReader) byte() byte {
	if r.bad || r.i >= len(r.s) {
		r.bad = true
		return 0
	}
	r.i++
	return r.s[r.i-1]
}

func (r *binReader) uvarint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		if r.bad {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.bad = true
	return 0
}

func (r *binReader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// count reads a number of items, each at least one byte long.
func (r *binReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.s)-r.i) {
		r.bad = true
		return 0
	}
	return int(n)
}

func (r *binReader) str() string {
	n := r.count()
	if r.bad {
		return ""
	}
	r.i += n
	return r.s[r.i-n : r.i]
}

func (r *binReader) float() float64 {
	if r.bad || len(r.s)-r.i < 8 {
		r.bad = true
		return 0
	}
	var u uint64
	for k := 7; k >= 0; k-- {
		u = u<<8 | uint64(r.s[r.i+k])
	}
	r.i += 8
	return math.Float64frombits(u)
}

func (r *binReader) time(ref *time.Time) time.Time {
	switch r.byte() {
	case timeZero:
		return time.Time{}
	case timeSame:
		if ref != nil {
			return *ref
		}
	case timeAt:
		sec, nsec, off := r.varint(), r.uvarint(), r.varint()
		if nsec >= 1e9 || off <= -1<<20 || off >= 1<<20 {
			break
		}
		return time.Unix(sec, int64(nsec)).In(zoneFor(sec, int(off)))
	}
	r.bad = true
	return time.Time{}
}

// zoneFor is the location time.Parse gives an RFC 3339 time with the offset off.
func zoneFor(sec int64, off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if _, lo := time.Unix(sec, 0).In(time.Local).Zone(); lo == off {
		return time.Local
	}
	if z, ok := fixedZones.Load(off); ok {
		return z.(*time.Location)
	}
	z, _ := fixedZones.LoadOrStore(off, time.FixedZone("", off))
	return z.(*time.Location)
}

var fixedZones sync.Map // offset → *time.Location, shared by all decoded times

func decodeEntryBinary(data []byte, version byte) (*Entry, error) {
	r := &binReader{s: string(data)}
	e := new(Entry)
	e.ID, e.Profile = r.str(), r.str()
	e.Resource = fhir.Resource{Type: r.str(), ID: r.str()}
	e.Kind, e.DatePrecision = Kind(r.str()), r.str()
	e.Title, e.Text, e.Status, e.Unit, e.Interp, e.Who, e.Identity = r.str(), r.str(), r.str(), r.str(), r.str(), r.str(), r.str()
	floats, maxWhich := [...]**float64{&e.Value, &e.RefLow, &e.RefHigh, &e.Value2}, byte(15)
	if version == headerBinaryV3 {
		maxWhich = 7
	} else {
		e.Comparator = r.str()
	}
	e.Date, e.End, e.Created = r.time(nil), r.time(nil), r.time(nil)
	e.Updated = r.time(&e.Created)
	e.Deleted = r.time(nil)
	if which := r.byte(); which != 0 {
		if which > maxWhich {
			r.bad = true
		}
		var fs [4]float64
		for i, dst := range floats {
			if which&(1<<i) != 0 {
				fs[i] = r.float()
				*dst = &fs[i]
			}
		}
	}
	if n := r.count(); n > 0 {
		e.Codes = make([]Code, n)
		for i := range e.Codes {
			e.Codes[i] = Code{System: unpackSystem(r.str()), Code: r.str(), Display: unpackDisplay(r.str(), e.Title)}
		}
	}
	if n := r.count(); n > 0 {
		e.Notes = make([]Note, n)
		for i := range e.Notes {
			e.Notes[i] = Note{ID: r.str(), Text: r.str(), Created: r.time(nil)}
		}
	}
	switch r.byte() {
	case 0:
	case 1:
		e.Flag = &ErrorFlag{Note: r.str(), Status: r.str(), Created: r.time(nil)}
	default:
		r.bad = true
	}
	if n := r.count(); n > 0 {
		e.Files = make([]string, n)
		for i := range e.Files {
			e.Files[i] = r.str()
		}
	}
	switch r.byte() {
	case 0:
	case 1:
		e.Provenance = Provenance{Source: r.str(), File: r.str(), System: r.str(), ImportedAt: r.time(&e.Created)}
		switch v := r.byte(); v {
		case 0:
		case 1, 2:
			verified := v == 2
			e.Provenance.Verified = &verified
		default:
			r.bad = true
		}
	default:
		r.bad = true
	}
	if r.bad || r.i != len(r.s) {
		return nil, ErrHeader
	}
	if version == headerBinaryV3 {
		UpgradeProjection(&e.Projection)
	}
	return e, nil
}
