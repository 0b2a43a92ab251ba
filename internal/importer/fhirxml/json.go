package fhirxml

import "unicode/utf8"

// writer writes the JSON of a parsed tree.
type writer struct {
	c    *converter
	buf  []byte
	max  int64
	over bool
	gs   []group // groups of the objects being written, innermost last
}

// group is the children of one name, in document order.
type group struct {
	name  string
	f     *field
	nodes []*node
}

// appendGroups appends n's children grouped by name, in order of first
// appearance. FHIR XML keeps repeats together, and then each group is a
// piece of n.kids; a name that comes back later still joins its group (in
// a copy), so JSON never gets a duplicate member.
func appendGroups(gs []group, n *node) []group {
	base := len(gs)
	kids := n.kids
	for i := 0; i < len(kids); {
		j := i + 1
		for j < len(kids) && kids[j].name == kids[i].name {
			j++
		}
		if findGroup(gs[base:], kids[i].name) >= 0 {
			return appendScattered(gs[:base], kids)
		}
		gs = append(gs, group{name: kids[i].name, f: kids[i].f, nodes: kids[i:j:j]})
		i = j
	}
	return gs
}

// appendScattered groups children whose names do not come in runs.
func appendScattered(gs []group, kids []*node) []group {
	base := len(gs)
	for _, k := range kids {
		i := findGroup(gs[base:], k.name)
		if i < 0 {
			gs = append(gs, group{name: k.name, f: k.f})
			i = len(gs) - 1 - base
		}
		gs[base+i].nodes = append(gs[base+i].nodes, k)
	}
	return gs
}

// findGroup returns the index of the group of that name, -1 if none. A
// type has at most a few hundred members, and only members are kept.
func findGroup(gs []group, name string) int {
	for i := range gs {
		if gs[i].name == name {
			return i
		}
	}
	return -1
}

// object writes n as a JSON object: a resource (with resourceType) when n
// has no field definition, else an element of a complex type.
func (w *writer) object(n *node) {
	if w.over {
		return
	}
	if n.json != nil {
		w.buf = append(w.buf, n.json...)
		n.json = nil // written once; let it go
		return
	}
	w.buf = append(w.buf, '{')
	first := true
	sep := func() {
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
	}
	if n.f == nil {
		sep()
		w.buf = append(w.buf, `"resourceType":`...)
		w.str(n.name)
	}
	if n.id != "" {
		sep()
		w.buf = append(w.buf, `"id":`...)
		w.str(n.id)
	}
	if n.url != "" {
		sep()
		w.buf = append(w.buf, `"url":`...)
		w.str(n.url)
	}
	base := len(w.gs)
	w.gs = appendGroups(w.gs, n)
	for gi := base; gi < len(w.gs); gi++ {
		g := w.gs[gi] // a copy: writing the children may grow w.gs
		nodes := g.nodes
		if !g.f.list && len(nodes) > 1 {
			w.c.problem("warning", ProblemRepeated, nodes[1].line, safeName(g.name)+" appears more than once")
			nodes = nodes[:1]
		}
		switch g.f.kind {
		case kindString, kindBool, kindInteger, kindDecimal:
			w.primitives(g.name, g.f, nodes, sep)
		case kindXHTML:
			sep()
			w.key(g.name)
			w.str(nodes[0].xhtml)
		case kindResource:
			var rs []*node
			for _, c := range nodes {
				if len(c.kids) == 0 {
					w.c.problem("warning", ProblemEmpty, c.line, safeName(g.name)+" holds no resource")
					continue
				}
				rs = append(rs, c.kids[0])
			}
			if len(rs) == 0 {
				continue
			}
			sep()
			w.key(g.name)
			w.list(g.f.list, rs, func(r *node) { w.object(r) })
		default:
			sep()
			w.key(g.name)
			w.list(g.f.list, nodes, func(c *node) { w.object(c) })
		}
	}
	w.gs = w.gs[:base]
	w.buf = append(w.buf, '}')
	if w.max > 0 && int64(len(w.buf)) > w.max {
		w.over = true
	}
}

func (w *writer) list(array bool, ns []*node, each func(*node)) {
	if !array {
		each(ns[0])
		return
	}
	w.buf = append(w.buf, '[')
	for i, n := range ns {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		each(n)
	}
	w.buf = append(w.buf, ']')
}

// primitives writes a primitive element (or a repeating one): "name" holds
// the values, "_name" the ids and extensions, aligned with null.
func (w *writer) primitives(name string, f *field, ns []*node, sep func()) {
	hasVal, hasExt := false, false
	for _, n := range ns {
		hasVal = hasVal || n.hasVal
		hasExt = hasExt || n.id != "" || len(n.kids) > 0
	}
	if hasVal {
		sep()
		w.key(name)
		w.list(f.list, ns, func(n *node) {
			if !n.hasVal {
				w.buf = append(w.buf, "null"...)
				return
			}
			w.value(f.kind, n)
		})
	}
	if hasExt {
		sep()
		w.key("_" + name)
		w.list(f.list, ns, func(n *node) {
			if n.id == "" && len(n.kids) == 0 {
				w.buf = append(w.buf, "null"...)
				return
			}
			w.object(n)
		})
	}
}

// value writes a primitive's value as its JSON type wants; a value that
// is not what its type says is kept as a string and reported.
func (w *writer) value(k kind, n *node) {
	v := n.value
	switch k {
	case kindBool:
		if t := trimSpace(v); t == "true" || t == "false" {
			w.buf = append(w.buf, t...)
			return
		}
	case kindInteger:
		if t := trimSpace(v); isNumber(t, false) {
			w.buf = append(w.buf, t...)
			return
		}
	case kindDecimal:
		if t := trimSpace(v); isNumber(t, true) {
			w.buf = append(w.buf, t...)
			return
		}
	default:
		w.str(v)
		return
	}
	w.c.problem("warning", ProblemBadValue, n.line, safeName(n.name)+" is not a valid "+map[kind]string{kindBool: "boolean", kindInteger: "integer", kindDecimal: "decimal"}[k])
	w.str(v)
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\n' || s[j-1] == '\r') {
		j--
	}
	return s[i:j]
}

// isNumber reports whether s is a JSON number (FHIR's decimal has the same
// grammar); without frac, an integer: -?(0|[1-9][0-9]*).
func isNumber(s string, frac bool) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		st := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - st
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if !frac {
		return i == len(s)
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

func (w *writer) key(k string) {
	w.str(k)
	w.buf = append(w.buf, ':')
}

const hex = "0123456789abcdef"

// str writes s as a JSON string (the XML reader has already refused
// invalid UTF-8).
func (w *writer) str(s string) {
	b := append(w.buf, '"')
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[last:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' || r == utf8.RuneError && size == 1 {
			b = append(b, s[last:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, `\u202`...)
				b = append(b, hex[r&0xF])
			}
			i += size
			last = i
			continue
		}
		i += size
	}
	b = append(b, s[last:]...)
	w.buf = append(b, '"')
}
