package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"backpack/internal/fhir"
)

// importJSON reads a FHIR JSON document: a Bundle of any type (nested
// bundles are flattened), a single resource, or a JSON array of resources.
// Input that turns out to hold several top-level values is read as NDJSON.
func importJSON(res *Result, name string, b []byte) error {
	start, end := skipWS(b, 0), len(bytes.TrimRight(b, " \t\r\n"))
	if !validDepth(b, MaxDepth) { // else b is one value and all of what follows passes
		end = skipValue(b, start)
		if off, ok := checkDepth(b, MaxDepth); !ok {
			return errAt(ErrCodeTooDeep, b, int64(off), nil)
		}
		if rest := skipWS(b, end); rest < len(b) && end <= len(b) && json.Valid(b[start:end]) {
			// More after one complete value: NDJSON without the extension.
			if b[rest] == '{' {
				res.Format = FormatNDJSON
				return importNDJSON(res, name, b)
			}
			return errAt(ErrCodeSyntax, b, int64(rest), errors.New("data after the top-level value"))
		}
		if err := validJSON(b); err != nil {
			return err
		}
	}
	doc := b[start:end]
	p := &jsonReader{res: res}
	switch doc[0] {
	case '[':
		res.Format = FormatResource
		walkArray(doc, 0, func(i, v int) int {
			if doc[v] != '{' {
				p.problem(SevError, "not-resource", "["+strconv.Itoa(i)+"]", "not a JSON object")
				return skipValue(doc, v)
			}
			return p.resource(doc, v, "["+strconv.Itoa(i)+"]", 0)
		})
	case '{':
		if str(field(doc, "resourceType")) == "" {
			return &Error{Code: ErrCodeNotFHIR}
		}
		p.resource(doc, 0, "", 0)
	default:
		return &Error{Code: ErrCodeNotFHIR}
	}
	if res.Format == FormatUnknown {
		res.Format = FormatResource
	}
	p.done()
	return nil
}

// validJSON checks b and turns a syntax error into an Error with its line
// and byte offset (the decoder's message is dropped: it may quote content).
func validJSON(b []byte) error {
	if json.Valid(b) {
		return nil
	}
	var se *json.SyntaxError
	err := json.Unmarshal(b, new(discard))
	if errors.As(err, &se) {
		// The decoder's offset is just past the offending byte.
		code, off := ErrCodeSyntax, se.Offset-1
		if se.Offset >= int64(len(bytes.TrimRight(b, " \t\r\n"))) {
			code, off = ErrCodeTruncated, int64(len(b))
		}
		return errAt(code, b, off, nil)
	}
	return errAt(ErrCodeSyntax, b, 0, nil)
}

// discard is a json.Unmarshaler that ignores its input, for validation.
type discard struct{}

func (*discard) UnmarshalJSON([]byte) error { return nil }

// jsonReader collects resources from valid JSON into a Result.
type jsonReader struct {
	res     *Result
	orgName string // first Organization's name, the source system when nothing better is known
}

// done settles what needs the whole file.
func (p *jsonReader) done() {
	if p.res.Source == "" {
		p.res.Source = p.orgName
	}
}

// maxNest bounds how deeply bundles inside bundles are flattened.
const maxNest = 4

// resource reads the resource (a JSON object) starting at b[start], found
// at where, and returns the index just past it. Bundles are opened and
// their entries read in the same pass; nest counts bundles around it.
// b must be valid JSON.
func (p *jsonReader) resource(b []byte, start int, where string, nest int) int {
	var h head
	var typ string
	var link []byte
	entries := [2]int{-1, -1} // entry array met before resourceType
	entriesRead := false
	var first []byte // first entry's resource, for IPS detection
	pi := len(p.res.Problems)
	end := walkObject(b, start, func(k []byte, v int) int {
		e := -1
		switch string(k) {
		case "resourceType":
			e = skipValue(b, v)
			h.resourceType = str(b[v:e])
		case "id":
			e = skipValue(b, v)
			h.id = str(b[v:e])
		case "meta":
			e = skipValue(b, v)
			members(b[v:e], func(k, v []byte) bool {
				switch string(k) {
				case "source":
					h.source = str(v)
				case "profile":
					h.profile = v
				}
				return true
			})
		case "type":
			e = skipValue(b, v)
			typ = str(b[v:e])
		case "link":
			e = skipValue(b, v)
			link = b[v:e]
		case "entry":
			if h.resourceType == "Bundle" && nest < maxNest {
				entriesRead = true
				e, first = p.entries(b, v, where, nest)
			} else {
				e = skipValue(b, v)
				entries = [2]int{v, e}
			}
		default:
			e = skipValue(b, v)
		}
		return e
	})
	if end < 0 { // cannot happen on valid JSON
		p.problem(SevError, "not-resource", where, "malformed object")
		return skipValue(b, start)
	}
	switch {
	case h.resourceType == "":
		p.problem(SevError, "not-resource", where, "no resourceType")
	case h.resourceType == "Bundle" && nest < maxNest:
		if !entriesRead && entries[0] >= 0 {
			_, first = p.entries(b, entries[0], where, nest)
		}
		// Bundle-level problems go before those of its entries.
		tail := append([]Problem(nil), p.res.Problems[pi:]...)
		p.res.Problems = p.res.Problems[:pi]
		p.bundle(h, typ, link, first, where, nest)
		p.res.Problems = append(p.res.Problems, tail...)
	case h.resourceType == "OperationOutcome":
		p.outcome(b[start:end], where)
	default:
		p.add(fhir.Resource{Type: h.resourceType, ID: h.id, JSON: b[start:end]}, h)
	}
	return end
}

// add records one resource: the first Patient is the subject.
func (p *jsonReader) add(r fhir.Resource, h head) {
	res := p.res
	res.Counts[r.Type]++
	if res.Source == "" && h.source != "" {
		res.Source = h.source
	}
	if r.Type == "Patient" && res.Patient == nil {
		res.Patient = &r
		return
	}
	if r.Type == "Organization" && res.Source == "" && p.orgName == "" {
		p.orgName = str(field(r.JSON, "name"))
	}
	res.Resources = append(res.Resources, r)
}

func (p *jsonReader) problem(sev, code, where, detail string) {
	p.res.Problems = append(p.res.Problems, Problem{Severity: sev, Code: code, Where: where, Detail: detail})
}

// bundle settles what a Bundle says about the whole file.
func (p *jsonReader) bundle(h head, typ string, link, first []byte, where string, nest int) {
	if nest == 0 {
		p.res.Format = FormatBundle
		if h.source != "" {
			p.res.Source = h.source
		}
		if typ == "document" && isIPS(h, first) {
			p.res.Format = FormatIPS
		}
	}
	if hasNextLink(link) {
		p.problem(SevWarning, "paged", where, "Bundle.link has relation \"next\": only this page is in the file")
	}
	switch typ {
	case "transaction-response", "batch-response":
		p.problem(SevInfo, "response-bundle", where, "a "+typ+" holds server responses; resources it contains are imported")
	}
}

// entries reads Bundle.entry starting at b[v]; it returns the index past
// it and the first entry's resource.
func (p *jsonReader) entries(b []byte, v int, where string, nest int) (int, []byte) {
	if b[v] != '[' {
		if e := skipValue(b, v); string(b[v:e]) != "null" {
			p.problem(SevError, "bad-entry", join(where, "entry"), "Bundle.entry is not an array")
			return e, nil
		}
		return skipValue(b, v), nil
	}
	var first []byte
	end := walkArray(b, v, func(i, ev int) int {
		ew := func() string { return join(where, "entry["+strconv.Itoa(i)+"]") }
		if b[ev] != '{' {
			p.problem(SevError, "bad-entry", ew(), "entry is not an object")
			return skipValue(b, ev)
		}
		var request []byte
		seen := false
		e := walkObject(b, ev, func(k []byte, mv int) int {
			switch string(k) {
			case "resource":
				if b[mv] == '{' {
					seen = true
					e := p.resource(b, mv, join(ew(), "resource"), nest+1)
					if i == 0 {
						first = b[mv:e]
					}
					return e
				}
				e := skipValue(b, mv)
				if string(b[mv:e]) != "null" {
					seen = true
					p.problem(SevError, "not-resource", join(ew(), "resource"), "not a JSON object")
				}
				return e
			case "request":
				e := skipValue(b, mv)
				request = b[mv:e]
				return e
			}
			return skipValue(b, mv)
		})
		if !seen {
			if m := str(field(request, "method")); m != "" {
				p.problem(SevInfo, "entry-no-resource", ew(), "request "+safeToken(m)+" without a resource")
			} else {
				p.problem(SevWarning, "entry-no-resource", ew(), "")
			}
		}
		return e
	})
	return end, first
}

// outcome reports an OperationOutcome (a server's message, not health data)
// as problems instead of importing it.
func (p *jsonReader) outcome(raw []byte, where string) {
	n := 0
	elements(field(raw, "issue"), func(i int, v []byte) bool {
		sev := str(field(v, "severity"))
		s := SevInfo
		switch sev {
		case "fatal", "error":
			s = SevError
		case "warning":
			s = SevWarning
		}
		code := safeToken(str(field(v, "code")))
		p.problem(s, "operation-outcome", join(where, fmt.Sprintf("issue[%d]", i)), "server issue: "+code)
		n++
		return true
	})
	if n == 0 {
		p.problem(SevInfo, "operation-outcome", where, "OperationOutcome without issues")
	}
}

// join appends a JSON path step to where.
func join(where, step string) string {
	if where == "" {
		return step
	}
	return where + "." + step
}

// safeToken keeps a short code-like token (a FHIR code such as "processing"
// or an HTTP method) and drops anything else, so details never carry
// free text from a file.
func safeToken(s string) string {
	if len(s) > 40 {
		return "?"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "?"
		}
	}
	return s
}

func hasNextLink(link []byte) bool {
	next := false
	elements(link, func(_ int, v []byte) bool {
		if str(field(v, "relation")) == "next" {
			next = true
			return false
		}
		return true
	})
	return next
}

// isIPS reports whether a document bundle is an International Patient
// Summary: an IPS profile on the Bundle, or a first-entry Composition with
// an IPS profile or of LOINC type 60591-5 ("Patient summary Document").
func isIPS(h head, comp []byte) bool {
	if bytes.Contains(h.profile, []byte("hl7.org/fhir/uv/ips/")) {
		return true
	}
	if str(field(comp, "resourceType")) != "Composition" {
		return false
	}
	if bytes.Contains(field(field(comp, "meta"), "profile"), []byte("hl7.org/fhir/uv/ips/")) {
		return true
	}
	ips := false
	elements(field(field(comp, "type"), "coding"), func(_ int, c []byte) bool {
		ips = str(field(c, "code")) == "60591-5"
		return !ips
	})
	return ips
}

// head is what the importer reads of every resource: its top-level members
// resourceType, id and meta (source, profile).
type head struct {
	resourceType, id, source string
	profile                  []byte
}

func asSyntax(err error, se **json.SyntaxError) bool { return errors.As(err, se) }
