package fhirxml

//go:generate go run ./gen -defs $FHIR_R4_DEFS -o table.go

import (
	"strings"
	"sync"
)

// kind is how an element is written in JSON.
type kind uint8

const (
	kindComplex  kind = iota // an object of the element's type
	kindString               // a JSON string
	kindBool                 // true or false
	kindInteger              // a JSON number without fraction
	kindDecimal              // a JSON number, kept as written
	kindXHTML                // narrative: the div element as a string
	kindResource             // a resource container (Bundle.entry.resource, contained)
)

// field is one member of a type.
type field struct {
	name string
	list bool // repeats: a JSON array
	kind kind
	typ  *typeDef // kindComplex only
}

// typeDef is a resource, data type or backbone element.
type typeDef struct {
	name     string
	parent   *typeDef
	fields   map[string]*field
	resource bool // a resource type (derives from Resource)
}

// member finds a member by its XML (and JSON) name, inherited ones included.
func (t *typeDef) member(name string) *field {
	for x := t; x != nil; x = x.parent {
		if f := x.fields[name]; f != nil {
			return f
		}
	}
	return nil
}

var (
	typesOnce sync.Once
	types     map[string]*typeDef
)

// lookup returns the named type, nil if R4 has none. The table is read on
// first use.
func lookup(name string) *typeDef {
	typesOnce.Do(func() { types = parseTable(r4Table) })
	return types[name]
}

// parseTable reads the generated table (see gen/main.go for its form).
func parseTable(s string) map[string]*typeDef {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	ts := make(map[string]*typeDef, len(lines))
	heads := make([]string, len(lines))
	for i, l := range lines {
		head, _, _ := strings.Cut(l, " ")
		heads[i] = head
		name, _, _ := strings.Cut(head, "<")
		ts[name] = &typeDef{name: name}
	}
	for i, l := range lines {
		name, parent, _ := strings.Cut(heads[i], "<")
		t := ts[name]
		t.parent = ts[parent]
		members := strings.Fields(l)[1:]
		t.fields = make(map[string]*field, len(members))
		for _, m := range members {
			n, k, _ := strings.Cut(m, ":")
			f := &field{name: strings.TrimSuffix(n, "*"), list: strings.HasSuffix(n, "*")}
			switch k {
			case "s":
				f.kind = kindString
			case "b":
				f.kind = kindBool
			case "i":
				f.kind = kindInteger
			case "d":
				f.kind = kindDecimal
			case "x":
				f.kind = kindXHTML
			case "r":
				f.kind = kindResource
			default:
				f.typ = ts[k]
				if f.typ == nil {
					panic("fhirxml: table names unknown type " + k)
				}
			}
			t.fields[f.name] = f
		}
	}
	for _, t := range ts {
		for x := t; x != nil; x = x.parent {
			if x.name == "Resource" {
				t.resource = t.name != "Resource" && t.name != "DomainResource"
			}
		}
	}
	return ts
}
