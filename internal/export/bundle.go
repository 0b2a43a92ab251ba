package export

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"time"

	"backpack/internal/record"
)

// BundleWriter streams a FHIR R4 Bundle as JSON, one entry at a time, so a
// bundle of any size is written with constant memory.
type BundleWriter struct {
	w   io.Writer
	n   int
	err error
}

// NewBundleWriter writes the head of a Bundle of type typ ("collection",
// "document"…) with the given id and timestamp.
func NewBundleWriter(w io.Writer, typ, id string, ts time.Time) *BundleWriter {
	b := &BundleWriter{w: w}
	b.str(`{"resourceType":"Bundle","id":`)
	b.json(id)
	b.str(`,"meta":{"lastUpdated":`)
	b.json(ts.UTC().Format(time.RFC3339))
	b.str(`},"type":`)
	b.json(typ)
	b.str(`,"timestamp":`)
	b.json(ts.UTC().Format(time.RFC3339))
	b.str(`,"entry":[`)
	return b
}

// Add writes one entry. resource is written verbatim; it must be one JSON
// object. fullURL may be empty.
func (b *BundleWriter) Add(fullURL string, resource []byte) error {
	if b.err != nil {
		return b.err
	}
	if !isObject(resource) {
		return errNotObject
	}
	if b.n > 0 {
		b.str(",\n")
	} else {
		b.str("\n")
	}
	b.n++
	b.str(`{`)
	if fullURL != "" {
		b.str(`"fullUrl":`)
		b.json(fullURL)
		b.str(`,`)
	}
	b.str(`"resource":`)
	if b.err == nil {
		_, b.err = b.w.Write(bytes.TrimSpace(resource))
	}
	b.str(`}`)
	return b.err
}

// Close writes the end of the Bundle.
func (b *BundleWriter) Close() error {
	b.str("\n]}\n")
	return b.err
}

func (b *BundleWriter) str(s string) {
	if b.err == nil {
		_, b.err = io.WriteString(b.w, s)
	}
}

func (b *BundleWriter) json(v any) {
	if b.err != nil {
		return
	}
	var j []byte
	j, b.err = json.Marshal(v)
	if b.err == nil {
		_, b.err = b.w.Write(j)
	}
}

var errNotObject = errors.New("export: resource is not a JSON object")

func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}'
}

// Bundle writes d as a FHIR R4 collection Bundle: a Patient per profile,
// every entry's resource verbatim, and a DocumentReference per file whose
// attachment.url is the file's relative path in an export archive
// ("files/<name>"). Entries without a resource are skipped.
func Bundle(w io.Writer, d Data, now time.Time) error {
	return writeBundle(w, d, now, newArchived(d.Files, filePaths(d.Files)), nil)
}

// fileCarrier is how a bundle carries its files: beside it in an export
// archive (archived), or inside it (inlined, fileurl.go).
type fileCarrier interface {
	// resource is an entry's resource with its pointers at files
	// (record.FileURL) made to lead to them.
	resource(raw []byte) ([]byte, error)
	// docRef is the DocumentReference of a file, related to the entries at
	// the given URLs, or nil when the file travels in a resource already.
	docRef(f *record.FileInfo, related []string) ([]byte, error)
}

func writeBundle(w io.Writer, d Data, now time.Time, carry fileCarrier, each func(*record.Entry) error) error {
	b := NewBundleWriter(w, "collection", newUUID(), now)
	for i := range d.Profiles {
		p := &d.Profiles[i]
		if err := b.Add(profileURL(p.ID), patientJSON(p)); err != nil {
			return err
		}
	}
	related := map[string][]string{} // file id → entry URLs
	for i := range d.Entries {
		e := &d.Entries[i]
		if len(e.Resource.JSON) > 0 {
			raw, err := carry.resource(e.Resource.JSON)
			if err == nil {
				err = b.Add(entryURL(e.ID), raw)
			}
			if err != nil {
				return errors.Join(errors.New("export: entry "+e.ID), err)
			}
			for _, f := range e.Files {
				related[f] = append(related[f], entryURL(e.ID))
			}
		}
		if each != nil {
			if err := each(e); err != nil {
				return err
			}
		}
	}
	for i := range d.Files {
		f := &d.Files[i]
		doc, err := carry.docRef(f, related[f.ID])
		if err == nil && doc != nil {
			err = b.Add(fileURL(f.ID), doc)
		}
		if err != nil {
			return err
		}
	}
	return b.Close()
}

// archived carries files beside the bundle, at their paths in the archive.
type archived struct {
	paths map[string]string // file id → files/<name>
	links map[string]string // file SHA-256 → path (see linkFiles)
}

func newArchived(files []record.FileInfo, paths map[string]string) archived {
	return archived{paths: paths, links: fileLinks(files, paths)}
}

func (a archived) resource(raw []byte) ([]byte, error) { return linkFiles(raw, a.links), nil }

func (a archived) docRef(f *record.FileInfo, related []string) ([]byte, error) {
	return docRefJSON(f, map[string]any{"url": a.paths[f.ID]}, related), nil
}

// URLs of resources in Backpack's bundles: name-based UUIDs, so the same
// record always gets the same fullUrl and references resolve inside a bundle.
func profileURL(id string) string { return "urn:uuid:" + nameUUID("profile", id) }
func entryURL(id string) string   { return "urn:uuid:" + nameUUID("entry", id) }
func fileURL(id string) string    { return "urn:uuid:" + nameUUID("file", id) }

// backpackNS is the namespace of Backpack's name-based UUIDs.
var backpackNS = [16]byte{0x6f, 0x1c, 0x2a, 0x7e, 0x93, 0x4b, 0x4c, 0x1d, 0xa8, 0x55, 0x0e, 0x61, 0x3b, 0x9f, 0x27, 0xd4}

// nameUUID is an RFC 9562 version 5 UUID of kind and id.
func nameUUID(kind, id string) string {
	h := sha1.New()
	h.Write(backpackNS[:])
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(id))
	var u [20]byte
	h.Sum(u[:0])
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u[:16])
}

func newUUID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic("export: random source failed: " + err.Error())
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u[:])
}

func formatUUID(u []byte) string {
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], u[10:16])
	return string(s[:])
}

var fhirDate = regexp.MustCompile(`^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$`)
var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// patientJSON is the profile's FHIR Patient: the one it holds, or one built
// from its name and birth date.
func patientJSON(p *record.Profile) []byte {
	if p.Patient.Type == "Patient" && isObject(p.Patient.JSON) {
		return p.Patient.JSON
	}
	b, _ := json.Marshal(builtPatient(p))
	return b
}

func builtPatient(p *record.Profile) map[string]any {
	id := p.ID
	if !fhirID.MatchString(id) {
		id = nameUUID("profile", p.ID)
	}
	m := map[string]any{"resourceType": "Patient", "id": id}
	if p.Name != "" {
		m["name"] = []any{map[string]any{"text": p.Name}}
	}
	if fhirDate.MatchString(p.BirthDate) {
		m["birthDate"] = p.BirthDate
	}
	return m
}

// docRefJSON is the DocumentReference describing a file: the one way
// every export describes a file. where says where its bytes are: the url
// of its path in an archive, or (inlined) its FileURL with the data itself
// and its hash.
func docRefJSON(f *record.FileInfo, where map[string]any, related []string) []byte {
	att := map[string]any{"title": f.Name}
	for k, v := range where {
		att[k] = v
	}
	if f.Type != "" {
		att["contentType"] = f.Type
	}
	if f.Size >= 0 && f.Size <= 1<<31-1 {
		att["size"] = f.Size
	}
	if !f.Created.IsZero() {
		att["creation"] = f.Created.UTC().Format(time.RFC3339)
	}
	m := map[string]any{
		"resourceType": "DocumentReference",
		"id":           nameUUID("file", f.ID),
		"status":       "current",
		"subject":      map[string]any{"reference": profileURL(f.Profile)},
		"description":  f.Name,
		"content":      []any{map[string]any{"attachment": att}},
	}
	if !f.Created.IsZero() {
		m["date"] = f.Created.UTC().Format(time.RFC3339)
	}
	if len(related) > 0 {
		refs := make([]any, len(related))
		for i, r := range related {
			refs[i] = map[string]any{"reference": r}
		}
		m["context"] = map[string]any{"related": refs}
	}
	b, _ := json.Marshal(m)
	return b
}
