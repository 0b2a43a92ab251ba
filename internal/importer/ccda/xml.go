package ccda

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds element nesting. Real C-CDA documents stay under 40.
const maxDepth = 200

// maxNodes bounds the elements, text runs and attributes of a document
// together: each costs about 300 bytes parsed, and a small gzip of
// "<a/>" repeated has millions of them. Real documents have about one per
// 20 bytes: the limit lets through 30 MB of them.
var maxNodes = 1_500_000

const (
	nsHL7  = "urn:hl7-org:v3"
	nsXSI  = "http://www.w3.org/2001/XMLSchema-instance"
	nsSDTC = "urn:hl7-org:sdtc"
)

// node is one element (or, with name == "", one run of character data) of
// the parsed document. Mixed content keeps its order, which the narrative
// renderer needs.
type node struct {
	name  string // local name; "" for a text node
	space string
	attr  []xml.Attr
	kids  []*node
	text  string // text nodes only
	line  int    // 1-based source line of the start tag

	parentTypeCode string // typeCode of the parent entryRelationship, if any
}

// limitedReader fails once more than max bytes have been read.
type limitedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Probe for one more byte: exactly max bytes is allowed.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.over = true
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// parse reads the whole document into a tree, enforcing the size and depth
// limits and refusing entity declarations.
func parse(data []byte) (*node, error) {
	data = toUTF8(data)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity // &nbsp; and friends appear in vendor narrative
	d.CharsetReader = charsetReader
	var (
		root  *node
		stack []*node
		nodes int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%w: line %d", ErrNotXML, se.Line)
			}
			return nil, fmt.Errorf("%w: %v", ErrNotXML, errors.Unwrap(err))
		}
		switch t := tok.(type) {
		case xml.Directive:
			if isEntityDoctype(t) {
				return nil, ErrDoctype
			}
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, ErrTooDeep
			}
			if nodes += 1 + len(t.Attr); nodes > maxNodes {
				return nil, fmt.Errorf("%w: more than %d elements", ErrTooLarge, maxNodes)
			}
			line, _ := d.InputPos()
			n := &node{name: t.Name.Local, space: t.Name.Space, attr: t.Attr, line: line}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("%w: more than one root element", ErrNotXML)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
				if p.name == "entryRelationship" {
					n.parentTypeCode = p.get("typeCode")
				}
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			// Runs split by comments stay separate nodes: merging them
			// would be quadratic on hostile input.
			if nodes++; nodes > maxNodes {
				return nil, fmt.Errorf("%w: more than %d elements", ErrTooLarge, maxNodes)
			}
			p := stack[len(stack)-1]
			p.kids = append(p.kids, &node{text: string(t)})
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrNotXML)
	}
	return root, nil
}

func isEntityDoctype(d xml.Directive) bool {
	s := strings.ToUpper(string(d))
	return strings.HasPrefix(strings.TrimSpace(s), "DOCTYPE") && strings.Contains(s, "ENTITY")
}

// toUTF8 strips a UTF-8 byte order mark and converts UTF-16 (with BOM) to
// UTF-8, rewriting the declared encoding so the decoder accepts it.
func toUTF8(b []byte) []byte {
	if bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) {
		return b[3:]
	}
	var big bool
	switch {
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		big = true
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
	default:
		return b
	}
	b = b[2:]
	u := make([]uint16, len(b)/2)
	for i := range u {
		if big {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	out := []byte(string(utf16.Decode(u)))
	// The declaration still says UTF-16; the bytes are now UTF-8.
	if bytes.HasPrefix(out, []byte("<?xml")) {
		if end := bytes.Index(out, []byte("?>")); end > 0 {
			decl := out[:end]
			for _, enc := range []string{`"UTF-16"`, `'UTF-16'`, `"utf-16"`, `'utf-16'`} {
				decl = bytes.Replace(decl, []byte(enc), []byte(`"UTF-8"`), 1)
			}
			out = append(append([]byte{}, decl...), out[end:]...)
		}
	}
	return out
}

// charsetReader accepts the single-byte encodings vendors declare.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252":
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		var out []byte
		for _, c := range b {
			if c < 0x80 {
				out = append(out, c)
				continue
			}
			ru := rune(c)
			if c >= 0x80 && c < 0xA0 {
				ru = cp1252[c-0x80]
			}
			out = utf8.AppendRune(out, ru)
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported character encoding")
}

var cp1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// --- tree helpers ---

func (n *node) isElem() bool { return n != nil && n.name != "" }

// get returns the value of the attribute with the given local name, in no
// namespace (or any namespace, which is how vendors write them).
func (n *node) get(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attr {
		if a.Name.Local == local && (a.Name.Space == "" || a.Name.Space == nsHL7) {
			return strings.TrimSpace(a.Value)
		}
	}
	for _, a := range n.attr {
		if a.Name.Local == local && a.Name.Space != "xmlns" {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// xsiType returns the xsi:type without any prefix ("hl7:PQ" → "PQ").
func (n *node) xsiType() string {
	if n == nil {
		return ""
	}
	for _, a := range n.attr {
		if a.Name.Local == "type" && (a.Name.Space == nsXSI || a.Name.Space == "xsi") {
			v := strings.TrimSpace(a.Value)
			if i := strings.LastIndexByte(v, ':'); i >= 0 {
				v = v[i+1:]
			}
			return strings.ToUpper(v)
		}
	}
	return ""
}

func (n *node) nullFlavor() string { return n.get("nullFlavor") }

// child returns the first element child with the local name.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// children returns all element children with the local name.
func (n *node) children(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// elems returns all element children.
func (n *node) elems() []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name != "" {
			out = append(out, k)
		}
	}
	return out
}

// at follows a slash-separated path of first children.
func (n *node) at(path string) *node {
	for _, p := range strings.Split(path, "/") {
		n = n.child(p)
		if n == nil {
			return nil
		}
	}
	return n
}

// templates lists the templateId roots of an element.
func (n *node) templates() []string {
	var out []string
	for _, t := range n.children("templateId") {
		if r := t.get("root"); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func (n *node) hasTemplate(roots ...string) bool {
	for _, t := range n.templates() {
		for _, r := range roots {
			if t == r {
				return true
			}
		}
	}
	return false
}

// ownText returns the element's direct character data, whitespace collapsed.
func (n *node) ownText() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for _, k := range n.kids {
		if k.name == "" {
			b.WriteString(k.text)
		}
	}
	return collapse(b.String())
}

// allText returns all descendant character data, whitespace collapsed.
func (n *node) allText() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*node, int)
	walk = func(m *node, depth int) {
		if depth > maxDepth {
			return
		}
		for _, k := range m.kids {
			if k.name == "" {
				b.WriteString(k.text)
			} else {
				b.WriteByte(' ')
				walk(k, depth+1)
				b.WriteByte(' ')
			}
		}
	}
	walk(n, 0)
	return collapse(b.String())
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// walk calls f for every element below n (depth first, document order).
func (n *node) walk(f func(*node)) {
	if n == nil {
		return
	}
	for _, k := range n.kids {
		if k.name != "" {
			f(k)
			k.walk(f)
		}
	}
}
