package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// sd builds a StructureDefinition from "path max base-path types" lines.
func sd(t *testing.T, id, kind, derivation, base string, els ...string) structureDefinition {
	t.Helper()
	s := structureDefinition{ResourceType: "StructureDefinition", ID: id, Type: id, Kind: kind, Derivation: derivation,
		BaseDefinition: "http://hl7.org/fhir/StructureDefinition/" + base, FHIRVersion: "4.0.1"}
	if derivation == "constraint" {
		s.Type = base // a profile of its base type, named by its id
	}
	s.Snapshot.Element = append(s.Snapshot.Element, element{Path: id})
	for _, l := range els {
		f := strings.Fields(l)
		e := element{Path: f[0], Max: f[1]}
		e.Base.Path, e.Base.Max = f[2], f[1]
		for _, c := range f[3:] {
			if strings.HasPrefix(c, "#") {
				e.ContentReference = c
				continue
			}
			e.Type = append(e.Type, struct {
				Code string `json:"code"`
			}{c})
		}
		s.Snapshot.Element = append(s.Snapshot.Element, e)
	}
	return s
}

func TestGenerate(t *testing.T) {
	sys := "http://hl7.org/fhirpath/System."
	defs := []structureDefinition{
		sd(t, "integer", "primitive-type", "specialization", "Element", "integer.value 1 integer.value "+sys+"Integer"),
		sd(t, "positiveInt", "primitive-type", "specialization", "integer", "positiveInt.value 1 positiveInt.value "+sys+"String"),
		sd(t, "decimal", "primitive-type", "specialization", "Element", "decimal.value 1 decimal.value "+sys+"Decimal"),
		sd(t, "string", "primitive-type", "specialization", "Element", "string.value 1 string.value "+sys+"String"),
		sd(t, "Quantity", "complex-type", "specialization", "Element",
			"Quantity.id 1 Element.id "+sys+"String", "Quantity.value 1 Quantity.value decimal"),
		sd(t, "SimpleQuantity", "complex-type", "constraint", "Quantity", "SimpleQuantity.value 1 Quantity.value decimal"),
		sd(t, "Thing", "resource", "specialization", "DomainResource",
			"Thing.id 1 Resource.id "+sys+"String",
			"Thing.count 1 Thing.count positiveInt",
			"Thing.part * Thing.part BackboneElement",
			"Thing.part.size 1 Thing.part.size SimpleQuantity",
			"Thing.part.part * Thing.part.part #Thing.part",
			"Thing.value[x] 1 Thing.value[x] string Quantity",
			"Thing.tag * Thing.tag string"),
	}
	src, err := generate(defs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"Quantity<Element value:d\n"`,
		`"Thing.part<BackboneElement size:Quantity part*:Thing.part\n"`,
		`"Thing<DomainResource count:i part*:Thing.part valueString:s valueQuantity:Quantity tag*:s\n"`,
	} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("table lacks %s:\n%s", want, src)
		}
	}
	if bytes.Contains(src, []byte("SimpleQuantity")) || bytes.Contains(src, []byte("positiveInt")) {
		t.Errorf("constraints and primitives are not types of the table:\n%s", src)
	}
}

// TestTableUpToDate regenerates the table from the definitions named by
// FHIR_R4_DEFS (skipped without them) and compares it with table.go.
func TestTableUpToDate(t *testing.T) {
	dir := os.Getenv("FHIR_R4_DEFS")
	if dir == "" {
		t.Skip("FHIR_R4_DEFS not set")
	}
	sds, err := readDefinitions(dir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := generate(sds)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../table.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, committed) {
		t.Error("table.go is not what the generator writes from these definitions: run go generate")
	}
}
