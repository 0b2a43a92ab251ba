package record

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"backpack/internal/fhir"
)

// FieldType tells the UI which input to render for a form field.
type FieldType string

const (
	FieldText     FieldType = "text"
	FieldLongText FieldType = "longtext" // multi-line
	FieldDate     FieldType = "date"     // FHIR date, partial allowed ("2019", "2019-05")
	FieldNumber   FieldType = "number"   // decimal; "5,4" is read as 5.4
	FieldChoice   FieldType = "choice"   // one of Choices (or empty)
	FieldPhone    FieldType = "phone"
	FieldEmail    FieldType = "email"
)

// Field describes one input of a manual-entry form. Its label is the i18n
// key "record.field."+Name; a choice's label is "record.choice."+Name+"."+choice.
type Field struct {
	Name     string
	Type     FieldType
	Required bool
	Choices  []string
}

// Form is what a person types for one entry: plain strings by field name,
// as a form collects them, plus attached file ids.
type Form struct {
	Kind   Kind
	Fields map[string]string
	Files  []string
}

// FieldError is one problem with one field; Key is an i18n message key
// such as "record.err.required", "record.err.date" or "record.err.number".
type FieldError struct {
	Field string
	Key   string
}

func (e FieldError) Error() string { return "record: field " + e.Field + ": " + e.Key }

// ValidationError is returned by Build for a form with field errors.
type ValidationError []FieldError

func (v ValidationError) Error() string {
	names := make([]string, len(v))
	for i, e := range v {
		names[i] = e.Field
	}
	return "record: invalid form fields: " + strings.Join(names, ", ")
}

// ErrNoForm is returned by FormFrom for entries no manual form covers.
var ErrNoForm = errors.New("record: this kind of entry has no form")

// ManualKinds lists the kinds a person can enter by hand, in display order.
var ManualKinds = []Kind{
	KindVisit, KindLab, KindVital, KindMedication, KindAllergy, KindCondition, KindImmunization,
	KindProcedure, KindImaging, KindClinicianNote, KindDocument, KindCareTeam, KindInsurance, KindEmergencyContact,
}

// Fields lists the fields of a kind's form in display order (nil when the
// kind has no form).
func Fields(k Kind) []Field {
	s := specs[k]
	if s == nil {
		return nil
	}
	out := make([]Field, len(s.fields))
	for i, f := range s.fields {
		out[i] = f.Field
	}
	return out
}

// NewForm returns an empty form of a kind with its defaults filled in.
func NewForm(k Kind) Form {
	f := Form{Kind: k, Fields: map[string]string{}}
	if s := specs[k]; s != nil {
		maps.Copy(f.Fields, s.defaults)
	}
	return f
}

// value returns a trimmed field value.
func (f Form) value(name string) string { return strings.TrimSpace(f.Fields[name]) }

// Validate checks every field and returns the problems, in field order.
func (f Form) Validate() []FieldError {
	s := specs[f.Kind]
	if s == nil {
		return []FieldError{{Field: "kind", Key: "record.err.kind"}}
	}
	var errs []FieldError
	for _, fd := range s.fields {
		v := f.value(fd.Name)
		if v == "" {
			if fd.Required {
				errs = append(errs, FieldError{fd.Name, "record.err.required"})
			}
			continue
		}
		if len(v) > maxFieldLen(fd.Type) {
			errs = append(errs, FieldError{fd.Name, "record.err.toolong"})
			continue
		}
		switch fd.Type {
		case FieldDate:
			if !validFormDate(v) {
				errs = append(errs, FieldError{fd.Name, "record.err.date"})
			}
		case FieldNumber:
			if _, ok := parseNumber(v); !ok {
				errs = append(errs, FieldError{fd.Name, "record.err.number"})
			}
		case FieldChoice:
			if !slices.Contains(fd.Choices, v) {
				errs = append(errs, FieldError{fd.Name, "record.err.choice"})
			}
		case FieldEmail:
			if at := strings.IndexByte(v, '@'); at < 1 || at == len(v)-1 || strings.ContainsAny(v, " \t<>") {
				errs = append(errs, FieldError{fd.Name, "record.err.email"})
			}
		case FieldPhone:
			if !validPhone(v) {
				errs = append(errs, FieldError{fd.Name, "record.err.phone"})
			}
		}
	}
	if s.validate != nil {
		errs = append(errs, s.validate(f)...)
	}
	return errs
}

func maxFieldLen(t FieldType) int {
	if t == FieldLongText {
		return 64 << 10
	}
	return 1000
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-(). /xext", r):
		default:
			return false
		}
	}
	return digits >= 3
}

// parseNumber reads a decimal as people type it: "5.4", "5,4", " 120 ".
// It returns the canonical JSON number text.
func parseNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	if s == "" || strings.ContainsAny(s, "eExXpP_") || strings.HasPrefix(s, "+") {
		return "", false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(f) {
		return "", false
	}
	// JSON numbers have no leading "." or trailing "."
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	} else if strings.HasPrefix(s, "-.") {
		s = "-0" + s[1:]
	}
	s = strings.TrimSuffix(s, ".")
	if !json.Valid([]byte(s)) {
		return strconv.FormatFloat(f, 'f', -1, 64), true
	}
	return s, true
}

// normDate turns a form date into a FHIR date or dateTime.
func normDate(s string) string {
	t, prec, ok := ParseDate(s)
	if !ok {
		return s
	}
	s = strings.TrimSpace(s)
	if len(s) <= 10 {
		return FormatDate(t, prec)
	}
	return t.Format(time.RFC3339)
}

// Build turns the form into a FHIR R4 resource. For a new entry base is
// nil: the resource gets a new id and a subject reference to the profile's
// Patient. To edit, pass the entry's current resource as base: only the
// fields whose value differs from FormFrom's are written, and every other
// JSON field of base is kept as it was (base is returned unchanged when
// nothing changed).
func (f Form) Build(p Profile, base *fhir.Resource) (fhir.Resource, error) {
	return f.build(p, base, "")
}

// build is Build with a chosen id for new resources ("" for a random one).
func (f Form) build(p Profile, base *fhir.Resource, id string) (fhir.Resource, error) {
	s := specs[f.Kind]
	if s == nil {
		return fhir.Resource{}, ErrNoForm
	}
	if errs := f.Validate(); len(errs) > 0 {
		return fhir.Resource{}, ValidationError(errs)
	}
	var m obj
	isNew := base == nil
	if isNew {
		if id == "" {
			id = NewID()
		}
		m = obj{"resourceType": s.resourceType, "id": id}
		if s.subject != "" {
			m[s.subject] = obj{"reference": PatientRef(p)}
		}
		if s.skeleton != nil {
			s.skeleton(m)
		}
	} else {
		var err error
		if m, err = decodeObj(base.JSON); err != nil {
			return fhir.Resource{}, jsonError(err)
		}
		if !s.accepts(str(m, "resourceType")) {
			return fhir.Resource{}, ErrNoForm
		}
	}
	changed := map[string]bool{}
	for _, fd := range s.fields {
		v := f.value(fd.Name)
		switch fd.Type {
		case FieldNumber:
			if n, ok := parseNumber(v); ok {
				v = n
			}
		case FieldDate:
			if !isNew && v == fd.get(m) {
				continue
			}
			v = normDate(v)
		}
		if !isNew && v == fd.get(m) {
			continue
		}
		if isNew && v == "" {
			continue
		}
		fd.set(m, v)
		changed[fd.Name] = true
	}
	if s.finish != nil {
		s.finish(m, f, isNew, changed)
	}
	if !isNew && len(changed) == 0 {
		return *base, nil
	}
	b, err := encodeObj(m)
	if err != nil {
		return fhir.Resource{}, err
	}
	return fhir.Parse(b)
}

// FormFrom fills a form from an entry (manually entered or imported) for editing.
func FormFrom(e Entry) (Form, error) {
	m, err := decodeObj(e.Resource.JSON)
	if err != nil {
		return Form{}, jsonError(err)
	}
	kind := e.Kind
	if kind == "" {
		p, err := projectObj(m, e.Resource.Type)
		if err != nil {
			return Form{}, err
		}
		kind = p.Kind
	}
	s := specs[kind]
	if s == nil || !s.accepts(str(m, "resourceType")) {
		return Form{}, ErrNoForm
	}
	f := Form{Kind: kind, Fields: map[string]string{}, Files: slices.Clone(e.Files)}
	for _, fd := range s.fields {
		if v := fd.get(m); v != "" {
			f.Fields[fd.Name] = v
		}
	}
	return f, nil
}

// ToEntry builds (base nil) or edits an entry from the form: resource,
// projection, files, identity and times. A new entry gets a new id and
// manual provenance.
func (f Form) ToEntry(p Profile, base *Entry, now time.Time) (Entry, error) {
	var e Entry
	var baseRes *fhir.Resource
	if base != nil {
		e = *base
		baseRes = &base.Resource
	} else {
		e = Entry{ID: NewID(), Profile: p.ID, Created: now, Provenance: Provenance{Source: "manual", ImportedAt: now}}
	}
	r, err := f.Build(p, baseRes)
	if err != nil {
		return Entry{}, err
	}
	proj, err := Project(r)
	if err != nil {
		return Entry{}, err
	}
	e.Resource, e.Projection = r, proj
	e.Files = slices.Clone(f.Files)
	e.Updated = now
	if e.Identity == "" {
		e.Identity = Identity(r, e.Provenance)
	}
	return e, nil
}

// PatientRef is the reference to a profile's Patient ("Patient/<id>").
func PatientRef(p Profile) string {
	id := p.Patient.ID
	if id == "" {
		id = p.ID
	}
	return "Patient/" + id
}

// idRand holds random bytes for 64 ids: in the browser each read of
// crypto/rand is a call into JavaScript, and an import makes thousands of ids.
var idRand struct {
	sync.Mutex
	buf  [64 * 16]byte
	used int
}

// NewID returns a random UUID (version 4), for entry and resource ids.
func NewID() string {
	var b [16]byte
	idRand.Lock()
	if idRand.used == 0 {
		if _, err := rand.Read(idRand.buf[:]); err != nil {
			panic("record: no randomness") // crypto/rand never fails on supported platforms
		}
	}
	idRand.used += copy(b[:], idRand.buf[idRand.used:])
	idRand.used %= len(idRand.buf)
	idRand.Unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// encodeObj writes a resource with resourceType and id first, then the
// other members in key order, numbers exactly as read, no HTML escaping.
func encodeObj(m obj) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	first := true
	write := func(k string, v any) error {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("record: encoding field %s", k)
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		return nil
	}
	for _, k := range []string{"resourceType", "id"} {
		if v, ok := m[k]; ok {
			if err := write(k, v); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "resourceType" || k == "id" {
			continue
		}
		if err := write(k, m[k]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
