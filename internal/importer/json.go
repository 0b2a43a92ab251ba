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
	if off, ok := checkDepth(b, MaxDepth); !ok {
		return errAt(ErrCodeTooDeep, b, int64(off), nil)
	}
	start := skipWS(b, 0)
	end := skipValue(b, start)
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
	doc := b[start:end]
	p := &jsonReader{res: res}
	switch doc[0] {
	case '[':
		res.Format = FormatResource
		elements(doc, func(i int, v []byte) bool {
			p.resource(v, "["+strconv.Itoa(i)+"]", 0)
			return true
		})
	case '{':
		if str(field(doc, "resourceType")) == "" {
			return &Error{Code: ErrCodeNotFHIR}
		}
		p.resource(doc, "", 0)
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

// resource adds the resource raw (a JSON object) found at where. Bundles
// are opened and their entries added; nest counts bundles around raw.
func (p *jsonReader) resource(raw []byte, where string, nest int) {
	h := readHead(raw)
	switch {
	case h.resourceType == "":
		p.problem(SevError, "not-resource", where, "no resourceType")
		return
	case h.resourceType == "Bundle" && nest < maxNest:
		p.bundle(raw, h, where, nest)
		return
	case h.resourceType == "OperationOutcome":
		p.outcome(raw, where)
		return
	}
	p.add(fhir.Resource{Type: h.resourceType, ID: h.id, JSON: raw}, h)
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

// bundle adds every entry of a Bundle.
func (p *jsonReader) bundle(raw []byte, h head, where string, nest int) {
	var typ string
	var entries, link []byte
	members(raw, func(k, v []byte) bool {
		switch string(k) {
		case "type":
			typ = str(v)
		case "entry":
			entries = v
		case "link":
			link = v
		}
		return true
	})
	if nest == 0 {
		p.res.Format = FormatBundle
		if h.source != "" {
			p.res.Source = h.source
		}
	}
	if hasNextLink(link) {
		p.problem(SevWarning, "paged", where, "Bundle.link has relation \"next\": only this page is in the file")
	}
	if nest == 0 && typ == "document" && isIPS(h, entries) {
		p.res.Format = FormatIPS
	}
	switch typ {
	case "transaction-response", "batch-response":
		p.problem(SevInfo, "response-bundle", where, "a "+typ+" holds server responses; resources it contains are imported")
	}
	if entries != nil && entries[0] != '[' && string(entries) != "null" {
		p.problem(SevError, "bad-entry", join(where, "entry"), "Bundle.entry is not an array")
		return
	}
	elements(entries, func(i int, e []byte) bool {
		ew := join(where, "entry["+strconv.Itoa(i)+"]")
		if e[0] != '{' {
			p.problem(SevError, "bad-entry", ew, "entry is not an object")
			return true
		}
		var resource, search, request []byte
		members(e, func(k, v []byte) bool {
			switch string(k) {
			case "resource":
				resource = v
			case "search":
				search = v
			case "request":
				request = v
			}
			return true
		})
		switch {
		case resource == nil || string(resource) == "null":
			if m := str(field(request, "method")); m != "" {
				p.problem(SevInfo, "entry-no-resource", ew, "request "+safeToken(m)+" without a resource")
			} else {
				p.problem(SevWarning, "entry-no-resource", ew, "")
			}
		case resource[0] != '{':
			p.problem(SevError, "not-resource", join(ew, "resource"), "not a JSON object")
		case str(field(search, "mode")) == "outcome":
			p.outcome(resource, join(ew, "resource"))
		default:
			p.resource(resource, join(ew, "resource"), nest+1)
		}
		return true
	})
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
// Summary: an IPS profile on the Bundle, or a first-entry Composition of
// LOINC type 60591-5 ("Patient summary Document").
func isIPS(h head, entries []byte) bool {
	if bytes.Contains(h.profile, []byte("hl7.org/fhir/uv/ips/")) {
		return true
	}
	ips := false
	elements(entries, func(i int, e []byte) bool {
		comp := field(e, "resource")
		if str(field(comp, "resourceType")) != "Composition" {
			return false
		}
		if bytes.Contains(field(field(comp, "meta"), "profile"), []byte("hl7.org/fhir/uv/ips/")) {
			ips = true
			return false
		}
		elements(field(field(comp, "type"), "coding"), func(_ int, c []byte) bool {
			if str(field(c, "code")) == "60591-5" {
				ips = true
			}
			return !ips
		})
		return false
	})
	return ips
}

// head is what the importer reads of every resource: its top-level members
// resourceType, id and meta (source, profile).
type head struct {
	resourceType, id, source string
	profile                  []byte
}

func readHead(raw []byte) head {
	var h head
	members(raw, func(k, v []byte) bool {
		switch string(k) {
		case "resourceType":
			h.resourceType = str(v)
		case "id":
			h.id = str(v)
		case "meta":
			members(v, func(k, v []byte) bool {
				switch string(k) {
				case "source":
					h.source = str(v)
				case "profile":
					h.profile = v
				}
				return true
			})
		}
		return true
	})
	return h
}

func asSyntax(err error, se **json.SyntaxError) bool { return errors.As(err, se) }
