package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"backpack/internal/fhir"
)

// RecordType tags what a vault record holds. The tag is the second byte of
// the header, which the vault encrypts: it is never stored in plaintext.
type RecordType byte

const (
	RecordEntry      RecordType = 'E'
	RecordProfile    RecordType = 'P'
	RecordFile       RecordType = 'F'
	RecordQuestion   RecordType = 'Q'
	RecordShared     RecordType = 'S' // a share link made on this device
	RecordDraft      RecordType = 'D' // a form left unsaved (draft.go)
	RecordConnection RecordType = 'C' // a health system's portal signed in to (connection.go)
	RecordSpace      RecordType = 'K' // an owner's keys of a shared profile (space.go)
)

// headerVersion is the first byte of every JSON header: profiles, files,
// questions, and entries written before headerBinary.
const headerVersion = 1

// Errors of DecodeHeader and DecodeBody.
var (
	ErrHeaderVersion = errors.New("record: unknown header version")
	ErrHeaderType    = errors.New("record: unknown record type")
	ErrHeader        = errors.New("record: damaged header")
)

// Header is a decoded vault header: exactly one of the pointers is set,
// matching Type. An entry decoded from its header alone has everything but
// its resource's JSON (Resource.Type and Resource.ID are set); a profile
// has everything but its Patient's JSON.
type Header struct {
	Type       RecordType
	Entry      *Entry
	Profile    *Profile
	File       *FileInfo
	Question   *Question
	Shared     *SharedLink
	Draft      *Draft
	Connection *Connection
	Space      *SpaceKeys
	// Stale is set for a result stored before its projection changed
	// (binary version 3, JSON version 1: numbers shown as written, no
	// pairs, raw flag codes). It reads right (see UpgradeProjection); Book.Load
	// lists it in Stale, so that it is derived again from its resource.
	Stale bool
}

// EncodeEntry splits an entry into the small header the vault keeps in
// memory (projection, notes, flag, files, provenance, identity, ids,
// times) and the body it loads on demand (the FHIR resource's JSON).
// The header is binary (see headerBinary); DecodeHeader also reads the
// JSON headers of version 1.
func EncodeEntry(e Entry) (header, body []byte) {
	return encodeEntryBinary(e), e.Resource.JSON
}

// EncodeProfile splits a profile into header and body (its Patient's JSON).
func EncodeProfile(p Profile) (header, body []byte) {
	h := p
	h.Patient = fhir.Resource{Type: p.Patient.Type, ID: p.Patient.ID}
	return marshalHeader(RecordProfile, h), p.Patient.JSON
}

// EncodeFile encodes a file's description (header only; the bytes are chunks).
func EncodeFile(f FileInfo) []byte { return marshalHeader(RecordFile, f) }

// EncodeQuestion encodes a question (header only).
func EncodeQuestion(q Question) []byte { return marshalHeader(RecordQuestion, q) }

func marshalHeader(t RecordType, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil { // only non-finite numbers can fail, and they are removed above
		panic("record: header encoding failed")
	}
	return append([]byte{headerVersion, byte(t)}, b...)
}

// DecodeHeader reads any vault header.
func DecodeHeader(b []byte) (Header, error) {
	if len(b) < 2 {
		return Header{}, ErrHeader
	}
	if b[0] == headerBinary || b[0] == headerBinaryV3 {
		if RecordType(b[1]) != RecordEntry {
			return Header{}, ErrHeaderType
		}
		e, err := decodeEntryBinary(b[2:], b[0])
		if err != nil {
			return Header{}, err
		}
		return Header{Type: RecordEntry, Entry: e, Stale: b[0] == headerBinaryV3 && e.result()}, nil
	}
	if b[0] != headerVersion {
		return Header{}, ErrHeaderVersion
	}
	h := Header{Type: RecordType(b[1])}
	data := b[2:]
	var err error
	switch h.Type {
	case RecordEntry:
		var w entryWire
		if err = json.Unmarshal(data, &w); err == nil {
			var e Entry
			e, err = w.entry()
			UpgradeProjection(&e.Projection)
			h.Entry, h.Stale = &e, e.result()
		}
	case RecordProfile:
		h.Profile = new(Profile)
		err = json.Unmarshal(data, h.Profile)
		h.Profile.Patient.JSON = nil // the body holds it
	case RecordFile:
		h.File = new(FileInfo)
		err = json.Unmarshal(data, h.File)
	case RecordQuestion:
		h.Question = new(Question)
		err = json.Unmarshal(data, h.Question)
	case RecordShared:
		h.Shared = new(SharedLink)
		err = json.Unmarshal(data, h.Shared)
	case RecordDraft:
		h.Draft = new(Draft)
		err = json.Unmarshal(data, h.Draft)
	case RecordConnection:
		h.Connection = new(Connection)
		err = json.Unmarshal(data, h.Connection)
	case RecordSpace:
		h.Space = new(SpaceKeys)
		err = json.Unmarshal(data, h.Space)
	default:
		return Header{}, ErrHeaderType
	}
	if err != nil {
		return Header{}, ErrHeader
	}
	return h, nil
}

// DecodeBody reads an entry's body (or a profile's) into its resource.
func DecodeBody(b []byte) (fhir.Resource, error) {
	if len(b) == 0 {
		return fhir.Resource{}, nil
	}
	r, err := fhir.Parse(b)
	if err != nil {
		return fhir.Resource{}, fmt.Errorf("record: damaged body: %w", jsonError(err))
	}
	return r, nil
}

// entryWire is an entry header with short member names.
type entryWire struct {
	ID       string     `json:"i"`
	Profile  string     `json:"p"`
	RType    string     `json:"rt,omitempty"`
	RID      string     `json:"ri,omitempty"`
	Kind     Kind       `json:"k"`
	Date     string     `json:"d,omitempty"`
	DatePrec string     `json:"dp,omitempty"`
	End      string     `json:"e,omitempty"`
	Title    string     `json:"t,omitempty"`
	Codes    []codeWire `json:"c,omitempty"`
	Text     string     `json:"x,omitempty"`
	Status   string     `json:"s,omitempty"`
	Value    *float64   `json:"v,omitempty"`
	Unit     string     `json:"u,omitempty"`
	RefLow   *float64   `json:"lo,omitempty"`
	RefHigh  *float64   `json:"hi,omitempty"`
	Interp   string     `json:"in,omitempty"`
	Who      string     `json:"w,omitempty"`
	Notes    []Note     `json:"n,omitempty"`
	Flag     *ErrorFlag `json:"f,omitempty"`
	Files    []string   `json:"fl,omitempty"`
	Prov     *provWire  `json:"pv,omitempty"`
	Identity string     `json:"id,omitempty"`
	Created  string     `json:"cr,omitempty"`
	Updated  string     `json:"up,omitempty"`
	Deleted  string     `json:"dl,omitempty"`
}

type provWire struct {
	Source     string `json:"s,omitempty"`
	File       string `json:"f,omitempty"`
	System     string `json:"y,omitempty"`
	ImportedAt string `json:"t,omitempty"` // "" when equal to the entry's Created
	Verified   *bool  `json:"v,omitempty"`
}

type codeWire struct {
	S string `json:"s,omitempty"`
	C string `json:"c,omitempty"`
	D string `json:"d,omitempty"`
}

func (w entryWire) entry() (Entry, error) {
	e := Entry{
		ID: w.ID, Profile: w.Profile, Resource: fhir.Resource{Type: w.RType, ID: w.RID},
		Notes: w.Notes, Flag: w.Flag, Files: w.Files, Identity: w.Identity,
	}
	e.Projection = Projection{Kind: w.Kind, DatePrecision: w.DatePrec, Title: w.Title, Text: w.Text,
		Status: w.Status, Value: w.Value, Unit: w.Unit, RefLow: w.RefLow, RefHigh: w.RefHigh, Interp: w.Interp, Who: w.Who}
	if pv := w.Prov; pv != nil {
		e.Provenance = Provenance{Source: pv.Source, File: pv.File, System: pv.System, Verified: pv.Verified}
	}
	for _, c := range w.Codes {
		e.Codes = append(e.Codes, Code{System: unpackSystem(c.S), Code: c.C, Display: unpackDisplay(c.D, w.Title)})
	}
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{w.Date, &e.Date}, {w.End, &e.End}, {w.Created, &e.Created}, {w.Deleted, &e.Deleted}} {
		v, err := parseWireTime(t.s)
		if err != nil {
			return Entry{}, err
		}
		*t.dst = v
	}
	var err error
	if e.Updated, err = parseSameTime(w.Updated, e.Created); err != nil {
		return Entry{}, err
	}
	if w.Prov != nil {
		if e.Provenance.ImportedAt, err = parseSameTime(w.Prov.ImportedAt, e.Created); err != nil {
			return Entry{}, err
		}
	}
	return e, nil
}

// wireTime writes a time compactly: "" for zero, "2006-01-02" for a UTC
// midnight (most clinical dates), else RFC 3339 with nanoseconds.
func wireTime(t time.Time) string {
	switch {
	case t.IsZero():
		return ""
	case t.Location() == time.UTC && t.Equal(t.Truncate(24*time.Hour)):
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}

func parseWireTime(s string) (time.Time, error) {
	switch len(s) {
	case 0:
		return time.Time{}, nil
	case len(time.DateOnly):
		return time.Parse(time.DateOnly, s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// sameTime writes t relative to ref: "" when equal, "0" when t is zero
// (and ref is not), else t.
func sameTime(t, ref time.Time) string {
	switch {
	case t.Equal(ref) && t.Location() == ref.Location():
		return ""
	case t.IsZero():
		return "0"
	}
	return wireTime(t)
}

func parseSameTime(s string, ref time.Time) (time.Time, error) {
	switch s {
	case "":
		return ref, nil
	case "0":
		return time.Time{}, nil
	}
	return parseWireTime(s)
}

func finiteOrNil(f *float64) *float64 {
	if f == nil || !finite(*f) {
		return nil
	}
	return f
}

// Well-known code systems are stored as "#" + a short name.
var systemShort = map[string]string{
	sysLOINC: "L", "http://snomed.info/sct": "S", "http://www.nlm.nih.gov/research/umls/rxnorm": "R",
	"http://hl7.org/fhir/sid/cvx": "V", "http://hl7.org/fhir/sid/icd-10-cm": "I", sysUCUM: "U",
	"http://hl7.org/fhir/sid/ndc": "N", sysObsCategory: "OC", sysInterp: "OI", sysActCode: "A",
	sysDICOM: "D", sysV20074: "DS", "http://www.ama-assn.org/go/cpt": "C", sysCovClass: "CC",
}

var systemLong = func() map[string]string {
	m := map[string]string{}
	for k, v := range systemShort {
		m[v] = k
	}
	return m
}()

func packSystem(s string) string {
	if short, ok := systemShort[s]; ok {
		return "#" + short
	}
	if strings.HasPrefix(s, "#") {
		return "#" + s // "##…" is a literal "#…"
	}
	return s
}

func unpackSystem(s string) string {
	if !strings.HasPrefix(s, "#") {
		return s
	}
	if strings.HasPrefix(s, "##") {
		return s[1:]
	}
	if long, ok := systemLong[s[1:]]; ok {
		return long
	}
	return s // written by a newer version: keep it as it is
}

// A code's display equal to the entry's title is stored as "=".
func packDisplay(d, title string) string {
	switch {
	case d != "" && d == title:
		return "="
	case strings.HasPrefix(d, "="):
		return "=" + d
	}
	return d
}

func unpackDisplay(d, title string) string {
	switch {
	case d == "=":
		return title
	case strings.HasPrefix(d, "="):
		return d[1:]
	}
	return d
}
