// Package ccda converts HL7 C-CDA R2.1 documents (CCD and its siblings) into
// FHIR R4 resources.
//
// It is pure Go on encoding/xml, makes no network requests and runs in the
// browser. Coded data keeps its codes (with FHIR system URIs) and original
// text; sections Backpack does not map to structured resources are kept as
// DocumentReference notes carrying the section narrative, so nothing in the
// document is dropped silently. Everything that was odd, skipped or guessed
// is reported as a Problem that names a place in the document, never a
// health value.
package ccda

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"backpack/internal/fhir"
)

// DefaultMaxBytes is the size limit used when Options.MaxBytes is zero.
const DefaultMaxBytes = 32 << 20

// Errors returned by Convert. Convert only fails when the input is not a
// readable CDA document at all; everything else becomes a Problem.
var (
	ErrNotXML   = errors.New("ccda: not well-formed XML")
	ErrNotCDA   = errors.New("ccda: not a CDA document (no ClinicalDocument root)")
	ErrDoctype  = errors.New("ccda: document declares XML entities (DOCTYPE with ENTITY), refused")
	ErrTooLarge = errors.New("ccda: document exceeds the size limit")
	ErrTooDeep  = errors.New("ccda: document nests elements too deeply")
)

// Options tune Convert.
type Options struct {
	MaxBytes int64 // largest accepted input; 0 means DefaultMaxBytes
}

// Document is the result of one conversion.
type Document struct {
	Patient   *fhir.Resource  // from recordTarget; nil if the document has none
	Resources []fhir.Resource // everything else, in document order (the Patient is not repeated here)
	Problems  []Problem       // what was odd, skipped or kept only as a note
	Files     []File          // embedded documents, decoded (see media.go)
	Source    string          // author organization, else custodian organization
	Title     string          // document title
	Date      string          // document effectiveTime as a FHIR dateTime
}

// Problem is one thing the converter could not map cleanly.
type Problem struct {
	Severity string // "error", "warning" or "info"
	Code     string // stable; the message is i18n key "import.problem.<Code>"
	Where    string // element path, e.g. "section[3]/entry[2]"
	Detail   string // technical detail (template OID, LOINC section code, element name); never a health value
}

// Problem codes.
const (
	ProblemSectionNote    = "ccda-section-note"    // a section was kept as a note (narrative only)
	ProblemSectionEmpty   = "ccda-section-empty"   // a section had no entries and no narrative
	ProblemEntrySkipped   = "ccda-entry-skipped"   // an entry could not be mapped; it stays in the section note
	ProblemEntryEmpty     = "ccda-entry-empty"     // an entry was a placeholder without any information
	ProblemNoCode         = "ccda-no-code"         // an entry has no coded concept and no text
	ProblemDateInvalid    = "ccda-date-invalid"    // a date could not be read
	ProblemValueInvalid   = "ccda-value-invalid"   // a measured value could not be read as a number
	ProblemPatientMissing = "ccda-patient-missing" // the document names no patient
	ProblemBodyUnreadable = "ccda-body-unreadable" // the document has no structured or readable body
)

// Convert reads one C-CDA document and returns its FHIR resources. It
// returns an error only when r is not a readable CDA document.
func Convert(r io.Reader, opts Options) (doc Document, err error) {
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	lr := &limitedReader{r: r, left: max}
	data, err := io.ReadAll(lr)
	if lr.over || errors.Is(err, ErrTooLarge) {
		return Document{}, ErrTooLarge
	}
	if err != nil {
		return Document{}, fmt.Errorf("ccda: reading input: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			// Defence in depth: a bug must not take the app down. The
			// panic value is not included: it could carry document text.
			doc, err = Document{}, errors.New("ccda: internal error while converting")
		}
	}()
	return convert(data)
}

// convert is Convert without the recover, so fuzzing sees panics.
func convert(data []byte) (Document, error) {
	root, err := parse(data)
	if err != nil {
		return Document{}, err
	}
	if root.name != "ClinicalDocument" {
		return Document{}, ErrNotCDA
	}
	c := &conv{root: root, used: map[string]bool{}, narrativeIDs: map[string]*node{}, resolved: map[*node]string{}}
	c.docKey = idKey(root)
	if c.docKey == "" {
		h := sha256.Sum256(data)
		c.docKey = "sha256:" + hex.EncodeToString(h[:])
	}
	c.run()
	return c.doc, nil
}

// conv holds the state of one conversion.
type conv struct {
	root         *node
	docKey       string
	used         map[string]bool
	narrativeIDs map[string]*node // ID attribute → narrative element, whole document
	resolved     map[*node]string // text of resolved narrative references
	doc          Document
	patientRef   map[string]any
	sec          *section       // the section being converted
	hdr          *people        // header people and organizations
	encRef       map[string]any // the header visit, for entries to point to
	encHere      map[string]any // the encounter whose diagnoses are being built
	encStart     string         // the header visit's period
	visit        map[string]any // the header visit's Encounter, added last
	visitKey     string         // its <id>s
	encEnd       string
	unpacked     int64 // bytes decompressed from EDs so far (see maxMedia)
}

func (c *conv) problem(sev, code, where, detail string) {
	c.doc.Problems = append(c.doc.Problems, Problem{Severity: sev, Code: code, Where: where, Detail: detail})
}

// newID returns a deterministic resource id for an element: a hash of the
// document key, the resource type and the element's own <id>s, or its path
// when it has none (or they were already used in this document).
func (c *conv) newID(typ string, n *node, path string) string {
	key := idKey(n)
	if key != "" {
		if id := hashID(c.docKey, typ, "id", key); !c.used[id] {
			c.used[id] = true
			return id
		}
	}
	id := hashID(c.docKey, typ, "path", path)
	for i := 2; c.used[id]; i++ {
		id = hashID(c.docKey, typ, "path", fmt.Sprintf("%s#%d", path, i))
	}
	c.used[id] = true
	return id
}

func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// add builds a resource from m and appends it.
func (c *conv) add(m map[string]any) {
	c.linkVisit(m)
	r, err := fhir.FromMap(m)
	if err != nil {
		// Only unencodable values (none are built here) can fail.
		c.problem("warning", ProblemEntrySkipped, fmt.Sprint(m["resourceType"]), "encode")
		return
	}
	c.doc.Resources = append(c.doc.Resources, r)
}

func (c *conv) run() {
	root := c.root
	c.doc.Title = root.child("title").allText()
	if et := root.child("effectiveTime"); et != nil {
		c.doc.Date = c.date(et.get("value"), "effectiveTime")
	}
	c.doc.Source = c.source()
	c.collectNarrativeIDs()
	c.patient()
	c.header()

	body := root.at("component/structuredBody")
	if body == nil {
		c.nonXMLBody()
		c.finish()
		return
	}
	i := 0
	for _, comp := range body.children("component") {
		for _, s := range comp.children("section") {
			i++
			c.section(s, fmt.Sprintf("section[%d]", i))
		}
	}
	if i == 0 {
		c.problem("warning", ProblemBodyUnreadable, "component/structuredBody", "no sections")
	}
	c.finish()
}

// date converts a TS value, reporting unreadable ones.
func (c *conv) date(v, where string) string {
	if v == "" {
		return ""
	}
	d, ok := fhirDate(v)
	if !ok {
		c.problem("warning", ProblemDateInvalid, where, "")
		return ""
	}
	return d
}

// source names the organization the document comes from.
func (c *conv) source() string {
	for _, a := range c.root.children("author") {
		aa := a.child("assignedAuthor")
		if n := aa.at("representedOrganization/name").allText(); n != "" {
			return n
		}
	}
	if n := c.root.at("custodian/assignedCustodian/representedCustodianOrganization/name").allText(); n != "" {
		return n
	}
	return ""
}

func (c *conv) collectNarrativeIDs() {
	c.root.walk(func(n *node) {
		if n.name != "text" {
			return
		}
		n.walk(func(m *node) {
			if id := m.get("ID"); id != "" {
				if _, dup := c.narrativeIDs[id]; !dup {
					c.narrativeIDs[id] = m
				}
			}
		})
	})
}

// patient maps recordTarget/patientRole to a Patient.
func (c *conv) patient() {
	pr := c.root.at("recordTarget/patientRole")
	if pr == nil {
		c.problem("warning", ProblemPatientMissing, "recordTarget", "")
		return
	}
	key := idKey(pr)
	var id string
	if key != "" {
		id = hashID("Patient", key) // the same patient across documents
	} else {
		id = hashID(c.docKey, "Patient")
	}
	c.used[id] = true
	m := map[string]any{"resourceType": "Patient", "id": id}
	if ids := identifiers(pr); ids != nil {
		m["identifier"] = ids
	}
	p := pr.child("patient")
	var names []any
	for _, n := range p.children("name") {
		if h := humanName(n); h != nil {
			names = append(names, h)
		}
	}
	if names != nil {
		m["name"] = names
	}
	var tel []any
	for _, t := range pr.children("telecom") {
		if x := telecom(t); x != nil {
			tel = append(tel, x)
		}
	}
	if tel != nil {
		m["telecom"] = tel
	}
	switch strings.ToUpper(p.child("administrativeGenderCode").get("code")) {
	case "M":
		m["gender"] = "male"
	case "F":
		m["gender"] = "female"
	case "UN", "O":
		m["gender"] = "other"
	case "UNK":
		m["gender"] = "unknown"
	}
	if bt := p.child("birthTime"); bt != nil {
		if d := c.date(bt.get("value"), "recordTarget/patientRole/patient/birthTime"); d != "" {
			m["birthDate"] = dateOnly(d)
		}
	}
	for _, k := range p.elems() {
		if k.name == "deceasedInd" && k.get("value") == "true" {
			m["deceasedBoolean"] = true
		}
	}
	for _, k := range p.elems() {
		if k.name == "deceasedTime" {
			if d := c.date(k.get("value"), "recordTarget/patientRole/patient/deceasedTime"); d != "" {
				delete(m, "deceasedBoolean")
				m["deceasedDateTime"] = d
			}
		}
	}
	var addrs []any
	for _, a := range pr.children("addr") {
		if x := address(a); x != nil {
			addrs = append(addrs, x)
		}
	}
	if addrs != nil {
		m["address"] = addrs
	}
	if ms := c.concept(p.child("maritalStatusCode")); ms != nil {
		m["maritalStatus"] = ms
	}
	var comms []any
	for _, lc := range p.children("languageCommunication") {
		code := lc.child("languageCode").get("code")
		if code == "" {
			continue
		}
		cm := map[string]any{"language": map[string]any{"coding": []any{map[string]any{"system": "urn:ietf:bcp:47", "code": code}}}}
		if lc.child("preferenceInd").get("value") == "true" {
			cm["preferred"] = true
		}
		comms = append(comms, cm)
	}
	if comms != nil {
		m["communication"] = comms
	}
	var ext []any
	if e := ombExtension(p, "raceCode", "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", ombRace); e != nil {
		ext = append(ext, e)
	}
	if e := ombExtension(p, "ethnicGroupCode", "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity", ombEthnicity); e != nil {
		ext = append(ext, e)
	}
	if ext != nil {
		m["extension"] = ext
	}
	r, err := fhir.FromMap(m)
	if err != nil {
		return
	}
	c.doc.Patient = &r
	c.patientRef = map[string]any{"reference": "Patient/" + id}
}

var (
	ombRace      = map[string]bool{"1002-5": true, "2028-9": true, "2054-5": true, "2076-8": true, "2106-3": true, "UNK": true, "ASKU": true}
	ombEthnicity = map[string]bool{"2135-2": true, "2186-5": true, "UNK": true, "ASKU": true}
)

// ombExtension builds the US Core race or ethnicity extension from the
// patient's raceCode/sdtc:raceCode (or ethnicGroupCode) elements.
func ombExtension(p *node, name, url string, omb map[string]bool) map[string]any {
	var parts []any
	var texts []string
	for _, k := range p.elems() {
		if k.name != name {
			continue
		}
		code := k.get("code")
		if code == "" {
			if nf := k.nullFlavor(); nf == "UNK" || nf == "ASKU" {
				code = nf
			} else {
				continue
			}
		}
		cd := map[string]any{"system": "urn:oid:2.16.840.1.113883.6.238", "code": code}
		if code == "UNK" || code == "ASKU" {
			cd["system"] = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
		}
		disp := collapse(k.get("displayName"))
		if disp != "" {
			cd["display"] = disp
			texts = append(texts, disp)
		} else {
			texts = append(texts, code)
		}
		sub := "detailed"
		if omb[code] {
			sub = "ombCategory"
		}
		parts = append(parts, map[string]any{"url": sub, "valueCoding": cd})
	}
	if parts == nil {
		return nil
	}
	parts = append(parts, map[string]any{"url": "text", "valueString": strings.Join(texts, ", ")})
	return map[string]any{"url": url, "extension": parts}
}

// nonXMLBody keeps an unstructured body (often a base64 PDF) as a note
// whose attachment is the document (see media.go).
func (c *conv) nonXMLBody() {
	nb := c.root.at("component/nonXMLBody")
	t := nb.child("text")
	if t == nil {
		c.problem("warning", ProblemBodyUnreadable, "component", "no structuredBody or nonXMLBody")
		return
	}
	att, file, ok := c.attachment(t, "component/nonXMLBody/text", "text/plain", c.doc.Title)
	if !ok {
		c.problem("warning", ProblemBodyUnreadable, "component/nonXMLBody/text", "nothing inline")
		return
	}
	id := c.addNote(c.root.child("code"), c.doc.Title, []any{map[string]any{"attachment": att}}, c.root, "component/nonXMLBody", c.doc.Date)
	c.own(file, "DocumentReference", id)
}

// ErrorCode returns the stable code of an error from Convert, for the
// message "import.error.<code>"; "" for other errors.
func ErrorCode(err error) string {
	switch {
	case errors.Is(err, ErrDoctype):
		return "ccda-doctype"
	case errors.Is(err, ErrTooLarge):
		return "ccda-too-large"
	case errors.Is(err, ErrTooDeep):
		return "ccda-too-deep"
	case errors.Is(err, ErrNotCDA):
		return "ccda-not-cda"
	case errors.Is(err, ErrNotXML):
		return "ccda-not-xml"
	}
	return ""
}
