// Package fhirxml converts FHIR R4 resources and bundles written in XML to
// the standard FHIR JSON representation, following the specification's
// XML and JSON rules: primitive values come from value attributes; a
// primitive's id and extensions go to a "_name" member beside it (arrays
// of them aligned with null); the narrative's xhtml div becomes a string;
// resource containers (Bundle.entry.resource, contained, …) hold the
// resource object with its resourceType; elements that may repeat become
// arrays; booleans, integers and decimals become JSON literals, decimals
// exactly as written.
//
// Which elements repeat and which primitives are numbers or booleans come
// from the R4 4.0.1 definitions, generated into table.go by ./gen.
//
// The reader refuses document type declarations (and so any entity
// definition), bounds nesting and size, and never fetches anything.
package fhirxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Errors for input that cannot be converted at all.
var (
	ErrNotXML   = errors.New("fhirxml: not well-formed XML")
	ErrDoctype  = errors.New("fhirxml: document type declaration refused")
	ErrTooDeep  = errors.New("fhirxml: nested too deeply")
	ErrTooLarge = errors.New("fhirxml: too large")
	ErrNotFHIR  = errors.New("fhirxml: root element is not a FHIR resource")
)

// SyntaxError locates malformed XML (1-based line).
type SyntaxError struct{ Line int }

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("fhirxml: not well-formed XML at line %d", e.Line)
}
func (e *SyntaxError) Unwrap() error { return ErrNotXML }

// Namespaces.
const (
	NamespaceFHIR  = "http://hl7.org/fhir"
	NamespaceXHTML = "http://www.w3.org/1999/xhtml"
)

// MaxDepth is the deepest element nesting accepted, narrative included.
const MaxDepth = 100

// Options bound a conversion.
type Options struct {
	MaxBytes int64 // largest input and output; 0 means no limit
}

// Problem codes; each is also the i18n key "import.problem.<code>".
const (
	ProblemUnknownElement = "fhirxml-unknown-element" // not an R4 element here: left out
	ProblemBadValue       = "fhirxml-bad-value"       // a boolean or number that is not one: kept as text
	ProblemRepeated       = "fhirxml-repeated"        // an element that may appear once appears again: the first kept
	ProblemText           = "fhirxml-text"            // text outside a value attribute: left out
	ProblemEmpty          = "fhirxml-empty-container" // a resource container without a resource
)

// Problem is something in the file that was left out or kept differently.
// Where is the line of the element; Detail names elements, never values.
type Problem struct {
	Severity string // "error", "warning" or "info"
	Code     string
	Where    string
	Detail   string
}

// Convert reads one FHIR XML document (a resource or a Bundle) and returns
// its JSON. Problems list what could not be carried over.
func Convert(data []byte, opts Options) ([]byte, []Problem, error) {
	if opts.MaxBytes > 0 && int64(len(data)) > opts.MaxBytes {
		return nil, nil, ErrTooLarge
	}
	c := &converter{max: opts.MaxBytes}
	root, err := c.parse(data)
	if err == nil && c.size > c.max && c.max > 0 {
		err = ErrTooLarge
	}
	if err != nil {
		return nil, c.problems, err
	}
	w := &writer{c: c, buf: make([]byte, 0, c.size+64), max: opts.MaxBytes}
	w.object(root)
	if w.over {
		return nil, c.problems, ErrTooLarge
	}
	return w.buf, c.problems, nil
}

// RootResource returns the resource type of a FHIR XML document from its
// first bytes (a truncated head is fine), or "" when the root element is
// not in the FHIR namespace.
func RootResource(head []byte) string {
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false
	for i := 0; i < 64; i++ {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			ns := ""
			for _, a := range se.Attr {
				if (se.Name.Space == "" && a.Name.Space == "" && a.Name.Local == "xmlns") ||
					(se.Name.Space != "" && a.Name.Space == "xmlns" && a.Name.Local == se.Name.Space) {
					ns = a.Value
				}
			}
			if ns != NamespaceFHIR {
				return ""
			}
			return se.Name.Local
		}
	}
	return ""
}

// node is one FHIR element of the parsed document.
type node struct {
	name   string
	f      *field   // its definition (nil for a resource element)
	typ    *typeDef // the type of its members (Element for a primitive)
	value  string
	hasVal bool
	id     string
	url    string
	kids   []*node
	xhtml  string // kindXHTML only
	line   int
	json   []byte // a contained resource, already written (its kids dropped)
}

type converter struct {
	slab     []node  // nodes are allocated a slab at a time
	free     []*node // and reused once their resource is written
	problems []Problem
	max      int64 // MaxBytes
	size     int64 // bytes of JSON written ahead (contained resources)
}

func (c *converter) problem(sev, code string, line int, detail string) {
	c.problems = append(c.problems, Problem{Severity: sev, Code: code, Where: "line " + strconv.Itoa(line), Detail: detail})
}

// parse builds the tree of FHIR elements, each resolved against the R4
// definitions; unknown elements are reported and skipped.
func (c *converter) parse(data []byte) (*node, error) {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity // &nbsp; and friends in narrative
	d.CharsetReader = charsetReader
	var root *node
	var stack []*node
	fail := func(err error) error {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return &SyntaxError{Line: se.Line}
		}
		if errors.Is(err, ErrTooDeep) || errors.Is(err, ErrDoctype) || errors.Is(err, ErrTooLarge) {
			return err
		}
		line, _ := d.InputPos()
		return &SyntaxError{Line: line}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fail(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			// FHIR XML has no DTD; a declaration could define entities.
			return nil, ErrDoctype
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, ErrTooDeep
			}
			line, _ := d.InputPos()
			if len(stack) == 0 {
				if root != nil {
					return nil, fail(errors.New("second root element"))
				}
				typ := lookup(t.Name.Local)
				if t.Name.Space != NamespaceFHIR || typ == nil || !typ.resource {
					return nil, ErrNotFHIR
				}
				root = &node{name: t.Name.Local, typ: typ, line: line}
				c.attrs(root, t)
				stack = append(stack, root)
				continue
			}
			p := stack[len(stack)-1]
			n := c.child(p, t, line)
			if n == nil {
				if err := skip(d, len(stack)); err != nil {
					return nil, fail(err)
				}
				continue
			}
			p.kids = append(p.kids, n)
			if n.f != nil && n.f.kind == kindXHTML {
				s, err := xhtmlString(d, t, len(stack))
				if err != nil {
					return nil, fail(err)
				}
				n.xhtml = s
				continue
			}
			c.attrs(n, t)
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n.f == nil && len(stack) > 0 {
				// A resource in a container (a bundle entry): write its
				// JSON now and let its tree go, so memory holds one
				// entry's tree at a time, not the whole bundle's.
				w := &writer{c: c, max: c.max}
				w.object(n)
				n.json = w.buf
				c.release(n)
				if c.size += int64(len(w.buf)); w.over || (c.max > 0 && c.size > c.max) {
					return nil, ErrTooLarge
				}
			}
		case xml.CharData:
			if len(stack) > 0 && len(bytes.TrimSpace(t)) > 0 {
				line, _ := d.InputPos()
				c.problem("warning", ProblemText, line, "text inside "+safeName(stack[len(stack)-1].name))
			}
		}
	}
	if root == nil {
		return nil, fail(errors.New("no root element"))
	}
	return root, nil
}

// charsetReader reads the encodings XML files declare besides UTF-8: the
// single-byte Western ones older systems write (FHIR asks for UTF-8).
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return charmap.ISO8859_1.NewDecoder().Reader(r), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(r), nil
	}
	return nil, errors.New("unsupported character encoding")
}

// newNode returns a zero node: one released earlier, or a new one.
func (c *converter) newNode() *node {
	if k := len(c.free); k > 0 {
		n := c.free[k-1]
		c.free = c.free[:k-1]
		return n
	}
	if len(c.slab) == 0 {
		c.slab = make([]node, 128)
	}
	n := &c.slab[0]
	c.slab = c.slab[1:]
	return n
}

// release gives the nodes below n back for reuse, once n is written.
func (c *converter) release(n *node) {
	for _, k := range n.kids {
		c.release(k)
		*k = node{kids: k.kids[:0]}
		c.free = append(c.free, k)
	}
	n.kids = nil
}

// child resolves a start tag under p; nil means skip it (reported).
func (c *converter) child(p *node, t xml.StartElement, line int) *node {
	name := t.Name.Local
	if p.f != nil && p.f.kind == kindResource && p.typ == nil {
		// A container: its one child is the resource.
		typ := lookup(name)
		if t.Name.Space != NamespaceFHIR || typ == nil || !typ.resource {
			c.problem("warning", ProblemUnknownElement, line, "unknown resource type "+safeName(name))
			return nil
		}
		if len(p.kids) > 0 {
			c.problem("warning", ProblemRepeated, line, "second resource in "+safeName(p.name))
			return nil
		}
		n := c.newNode()
		n.name, n.typ, n.line = name, typ, line
		return n
	}
	f := p.typ.member(name)
	if f == nil || (t.Name.Space != NamespaceFHIR && !(f.kind == kindXHTML && t.Name.Space == NamespaceXHTML)) {
		c.problem("warning", ProblemUnknownElement, line, "unknown element "+safeName(name)+" in "+safeName(p.typ.name))
		return nil
	}
	n := c.newNode()
	n.name, n.f, n.line = name, f, line
	switch f.kind {
	case kindComplex:
		n.typ = f.typ
	case kindString, kindBool, kindInteger, kindDecimal:
		n.typ = lookup("Element")
	}
	return n
}

// attrs reads the attributes FHIR XML uses: value, id and (on extensions) url.
func (c *converter) attrs(n *node, t xml.StartElement) {
	for _, a := range t.Attr {
		if a.Name.Space != "" || a.Name.Local == "xmlns" {
			continue // namespace declarations, xsi:schemaLocation, …
		}
		switch a.Name.Local {
		case "value":
			if n.f != nil && n.f.kind != kindComplex && n.f.kind != kindResource {
				n.value, n.hasVal = a.Value, true
				continue
			}
		case "id":
			if n.f != nil { // a resource's id is an element
				n.id = a.Value
				continue
			}
		case "url":
			if n.typ != nil && n.typ.name == "Extension" {
				n.url = a.Value
				continue
			}
		}
		c.problem("warning", ProblemUnknownElement, n.line, "unknown attribute "+safeName(a.Name.Local)+" on "+safeName(n.name))
	}
}

// skip consumes the rest of an element whose start tag was just read,
// still refusing declarations and bounding depth.
func skip(d *xml.Decoder, depth int) error {
	for level := 1; level > 0; {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return errors.New("unexpected end")
			}
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			level++
			if depth+level > MaxDepth {
				return ErrTooDeep
			}
		case xml.EndElement:
			level--
		case xml.Directive:
			return ErrDoctype
		}
	}
	return nil
}

// xhtmlString writes the narrative div whose start tag was just read as the
// JSON form wants it: <div xmlns="http://www.w3.org/1999/xhtml">…</div>,
// elements by their local names, comments dropped.
func xhtmlString(d *xml.Decoder, start xml.StartElement, depth int) (string, error) {
	var b strings.Builder
	b.WriteString(`<div xmlns="` + NamespaceXHTML + `"`)
	xhtmlAttrs(&b, start.Attr)
	open := true // a start tag waits for '>' or '/>'
	for level := 1; level > 0; {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return "", errors.New("unexpected end")
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			level++
			if depth+level > MaxDepth {
				return "", ErrTooDeep
			}
			if open {
				b.WriteByte('>')
			}
			b.WriteByte('<')
			b.WriteString(t.Name.Local)
			xhtmlAttrs(&b, t.Attr)
			open = true
		case xml.EndElement:
			level--
			if open {
				open = false
				if voidElement[t.Name.Local] && level > 0 {
					b.WriteString("/>")
					continue
				}
				b.WriteByte('>')
			}
			b.WriteString("</")
			if level == 0 {
				b.WriteString("div")
			} else {
				b.WriteString(t.Name.Local)
			}
			b.WriteByte('>')
		case xml.CharData:
			if open {
				b.WriteByte('>')
				open = false
			}
			escapeXML(&b, string(t), false)
		case xml.Directive:
			return "", ErrDoctype
		}
	}
	return b.String(), nil
}

// voidElement lists the HTML elements that never have content: only they
// are written as <br/>; any other empty element gets its end tag, which an
// HTML parser needs (<span/> would open a span).
var voidElement = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

const namespaceXML = "http://www.w3.org/XML/1998/namespace"

func xhtmlAttrs(b *strings.Builder, as []xml.Attr) {
	for _, a := range as {
		name := a.Name.Local
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && name == "xmlns"):
			continue
		case a.Name.Space == namespaceXML || a.Name.Space == "xml":
			name = "xml:" + name
		case a.Name.Space != "" && a.Name.Space != NamespaceXHTML:
			continue
		}
		b.WriteByte(' ')
		b.WriteString(name)
		b.WriteString(`="`)
		escapeXML(b, a.Value, true)
		b.WriteByte('"')
	}
}

// escapeXML writes s as XML text (or, with attr, an attribute value).
func escapeXML(b *strings.Builder, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// safeName keeps an element name for a problem's detail: letters, digits,
// '-' and '_' only (anything else becomes "?"), so a detail never carries
// free text from a file.
func safeName(s string) string {
	if len(s) > 60 {
		return "?"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "?"
		}
	}
	return s
}
