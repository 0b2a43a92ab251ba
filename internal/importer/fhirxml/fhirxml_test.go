package fhirxml

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// Fixtures are embedded so that the tests also run in the browser (wasm).
//
//go:embed testdata/*.xml testdata/ips/*.xml
var fixtures embed.FS

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func convert(t testing.TB, xmlText []byte) (map[string]any, []Problem) {
	t.Helper()
	js, ps, err := Convert(xmlText, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, js), ps
}

// decode reads JSON keeping numbers as written.
func decode(t testing.TB, js []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("converter wrote invalid JSON: %v\n%.300s", err, js)
	}
	return m
}

// at follows a path of member names and array indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// The IPS example bundle (HL7's, in XML) becomes its standard JSON form.
func TestIPSBundle(t *testing.T) {
	m, ps := convert(t, fixture(t, "ips-bundle-01.xml"))
	if len(ps) != 0 {
		t.Errorf("problems: %+v", ps)
	}
	entries, _ := m["entry"].([]any)
	if m["resourceType"] != "Bundle" || m["type"] != "document" || len(entries) != 20 {
		t.Fatalf("bundle: %v %v, %d entries", m["resourceType"], m["type"], len(entries))
	}
	comp := at(m, "entry", 0, "resource")
	if at(comp, "resourceType") != "Composition" || at(comp, "type", "coding", 0, "code") != "60591-5" {
		t.Errorf("composition: %v", comp)
	}
	// Repeating elements are arrays even when they appear once.
	if s, ok := at(comp, "author").([]any); !ok || len(s) != 1 {
		t.Errorf("Composition.author = %#v, want a one-element array", at(comp, "author"))
	}
	if _, ok := at(comp, "subject").(map[string]any); !ok {
		t.Errorf("Composition.subject = %#v, want an object", at(comp, "subject"))
	}
	if n := len(at(comp, "section").([]any)); n != 6 {
		t.Errorf("%d sections", n)
	}
	// Narrative: the xhtml div (written with a prefix) as a string.
	div, _ := at(comp, "section", 0, "text", "div").(string)
	if div != `<div xmlns="http://www.w3.org/1999/xhtml">Hot flushes</div>` {
		t.Errorf("div = %q", div)
	}
	// A primitive's extension goes to "_display".
	cond := at(m, "entry", 4, "resource")
	if at(cond, "code", "coding", 0, "display") != "Menopausal flushing (finding)" ||
		at(cond, "code", "coding", 0, "_display", "extension", 0, "extension", 1, "valueString") != "opvliegers" {
		t.Errorf("Condition.code.coding[0] = %v", at(cond, "code", "coding", 0))
	}
	// Booleans and numbers are JSON literals; a decimal keeps its digits.
	for _, e := range entries {
		r := at(e, "resource")
		if at(r, "resourceType") == "Patient" && at(r, "active") != true {
			t.Errorf("Patient.active = %#v", at(r, "active"))
		}
		if at(r, "resourceType") == "Observation" && at(r, "code", "coding", 0, "code") == "17856-6" {
			if v := at(r, "valueQuantity", "value"); v != json.Number("7.5") {
				t.Errorf("HbA1c value = %#v", v)
			}
		}
		if at(r, "resourceType") == "MedicationStatement" {
			if c := at(r, "dosage", 0, "timing", "repeat", "count"); c != nil && c != json.Number("1") {
				t.Errorf("Timing.repeat.count = %#v", c)
			}
		}
	}
}

// Every XML example of the IPS guide converts with nothing left out, and
// its JSON form writes back to the same.
func TestIPSExamples(t *testing.T) {
	names, _ := fs.Glob(fixtures, "testdata/ips/*.xml")
	if len(names) < 30 {
		t.Fatalf("%d examples", len(names))
	}
	for _, name := range names {
		b, _ := fixtures.ReadFile(name)
		js, ps, err := Convert(b, Options{})
		if err != nil || len(ps) > 0 {
			t.Errorf("%s: %v %+v", name, err, ps)
			continue
		}
		roundTrip(t, name, js)
	}
}

func TestTable(t *testing.T) {
	tests := []struct {
		typ, member string
		list        bool
		kind        kind
		of          string
	}{
		{"Patient", "name", true, kindComplex, "HumanName"},
		{"Patient", "birthDate", false, kindString, ""},
		{"Patient", "active", false, kindBool, ""},
		{"Patient", "multipleBirthInteger", false, kindInteger, ""},
		{"Patient", "contained", true, kindResource, ""},
		{"Patient", "id", false, kindString, ""},
		{"Patient", "extension", true, kindComplex, "Extension"},
		{"HumanName", "given", true, kindString, ""},
		{"Quantity", "value", false, kindDecimal, ""},
		{"Age", "value", false, kindDecimal, ""},
		{"Observation", "valueQuantity", false, kindComplex, "Quantity"},
		{"Observation", "component", true, kindComplex, "Observation.component"},
		{"Observation.component", "referenceRange", true, kindComplex, "Observation.referenceRange"},
		{"Observation.component", "modifierExtension", true, kindComplex, "Extension"},
		{"Bundle", "total", false, kindInteger, ""},
		{"Bundle.entry", "resource", false, kindResource, ""},
		{"Bundle.entry.response", "outcome", false, kindResource, ""},
		{"Bundle.entry", "link", true, kindComplex, "Bundle.link"},
		{"Narrative", "div", false, kindXHTML, ""},
		{"Extension", "url", false, kindString, ""},
		{"Extension", "valuePositiveInt", false, kindInteger, ""},
		{"Extension", "valueUnsignedInt", false, kindInteger, ""},
		{"Extension", "valueDecimal", false, kindDecimal, ""},
		{"Questionnaire.item", "item", true, kindComplex, "Questionnaire.item"},
		{"Timing.repeat", "count", false, kindInteger, ""},
		{"Dosage", "doseAndRate", true, kindComplex, "Dosage.doseAndRate"},
		{"Dosage.doseAndRate", "doseQuantity", false, kindComplex, "Quantity"}, // SimpleQuantity
		{"Parameters.parameter", "resource", false, kindResource, ""},
	}
	for _, tt := range tests {
		typ := lookup(tt.typ)
		if typ == nil {
			t.Errorf("no type %s", tt.typ)
			continue
		}
		f := typ.member(tt.member)
		if f == nil {
			t.Errorf("%s has no %s", tt.typ, tt.member)
			continue
		}
		of := ""
		if f.typ != nil {
			of = f.typ.name
		}
		if f.list != tt.list || f.kind != tt.kind || of != tt.of {
			t.Errorf("%s.%s: list %v kind %d of %q, want %v %d %q", tt.typ, tt.member, f.list, f.kind, of, tt.list, tt.kind, tt.of)
		}
	}
	for _, name := range []string{"Patient", "Observation", "Bundle", "Binary", "Parameters", "Composition", "DocumentReference"} {
		if !lookup(name).resource {
			t.Errorf("%s is not a resource", name)
		}
	}
	for _, name := range []string{"Resource", "DomainResource", "Quantity", "Bundle.entry", "Element"} {
		if lookup(name).resource {
			t.Errorf("%s taken for a resource", name)
		}
	}
	if n := len(types); n < 600 {
		t.Errorf("only %d types", n)
	}
}

// Hostile and broken input is refused with a clear error, never expanded.
func TestRefused(t *testing.T) {
	deep := strings.Repeat(`<extension url="x">`, MaxDepth) + strings.Repeat(`</extension>`, MaxDepth)
	deepDiv := `<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">` +
		strings.Repeat("<b>", MaxDepth) + strings.Repeat("</b>", MaxDepth) + `</div></text>`
	tests := []struct {
		name string
		data string
		want error
	}{
		{"entities", string(fixture(t, "doctype-entities.xml")), ErrDoctype},
		{"external DTD", string(fixture(t, "doctype-external.xml")), ErrDoctype},
		{"entity without DTD", `<Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>`, ErrNotXML},
		{"deep", `<Patient xmlns="http://hl7.org/fhir">` + deep + `</Patient>`, ErrTooDeep},
		{"deep narrative", `<Patient xmlns="http://hl7.org/fhir">` + deepDiv + `</Patient>`, ErrTooDeep},
		{"deep unknown", `<Patient xmlns="http://hl7.org/fhir"><foo>` + strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth) + `</foo></Patient>`, ErrTooDeep},
		{"truncated", `<Patient xmlns="http://hl7.org/fhir"><id value="x"/>`, ErrNotXML},
		{"not XML", `<<>>`, ErrNotXML},
		{"C-CDA", `<ClinicalDocument xmlns="urn:hl7-org:v3"/>`, ErrNotFHIR},
		{"no namespace", `<Patient><id value="x"/></Patient>`, ErrNotFHIR},
		{"not a resource", `<HumanName xmlns="http://hl7.org/fhir"/>`, ErrNotFHIR},
		{"two roots", `<Patient xmlns="http://hl7.org/fhir"/><Patient xmlns="http://hl7.org/fhir"/>`, ErrNotXML},
		{"EBCDIC", `<?xml version="1.0" encoding="IBM037"?><Patient xmlns="http://hl7.org/fhir"/>`, ErrNotXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js, _, err := Convert([]byte(tt.data), Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if js != nil {
				t.Error("JSON returned with an error")
			}
		})
	}
	var se *SyntaxError
	if _, _, err := Convert([]byte("<Patient xmlns=\"http://hl7.org/fhir\">\n<id value=\"x\">\n</Patient>"), Options{}); !errors.As(err, &se) || se.Line != 3 {
		t.Errorf("syntax error %v, want one at line 3", err)
	}
	big := fixture(t, "ips-bundle-01.xml")
	if _, _, err := Convert(big, Options{MaxBytes: int64(len(big)) - 1}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("input over MaxBytes: %v", err)
	}
	if _, _, err := Convert(big, Options{MaxBytes: int64(len(big))}); err != nil {
		t.Errorf("input at MaxBytes: %v", err)
	}
}

// What is not R4 is left out and reported; the rest is kept.
func TestProblems(t *testing.T) {
	m, ps := convert(t, []byte(`<Patient xmlns="http://hl7.org/fhir" xmlns:x="urn:other">
  <id value="p"/>
  <active value="yes"/>
  <gender value="female"/>
  <gender value="male"/>
  <favouriteColour value="blue"><deep><deeper/></deep></favouriteColour>
  <x:name value="other namespace"/>
  <birthDate value="1970" color="red"/>
  <multipleBirthInteger value="+2"/>
  <name>stray text<family value="Doe"/></name>
  <contained/>
</Patient>`))
	want := map[string]any{
		"resourceType": "Patient", "id": "p", "active": "yes", "gender": "female", "birthDate": "1970",
		"multipleBirthInteger": "+2", "name": []any{map[string]any{"family": "Doe"}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %v\nwant %v", m, want)
	}
	codes := map[string]int{}
	for _, p := range ps {
		codes[p.Code]++
		if !strings.HasPrefix(p.Where, "line ") || strings.Contains(p.Detail, "blue") || strings.Contains(p.Detail, "stray") {
			t.Errorf("problem %+v", p)
		}
	}
	wantCodes := map[string]int{ProblemBadValue: 2, ProblemRepeated: 1, ProblemUnknownElement: 3, ProblemText: 1, ProblemEmpty: 1}
	if !reflect.DeepEqual(codes, wantCodes) {
		t.Errorf("problems %v, want %v", codes, wantCodes)
	}
}

// Repeating primitives with ids or extensions: values and "_name" arrays
// stay aligned, with null where one side has nothing.
func TestPrimitiveArrays(t *testing.T) {
	m, ps := convert(t, []byte(`<Patient xmlns="http://hl7.org/fhir"><name>
  <given value="Ana"/>
  <given id="g2"><extension url="http://hl7.org/fhir/StructureDefinition/data-absent-reason"><valueCode value="masked"/></extension></given>
  <given value="Eva" id="g3"/>
</name></Patient>`))
	if len(ps) != 0 {
		t.Errorf("problems %+v", ps)
	}
	name := at(m, "name", 0)
	if got := at(name, "given"); !reflect.DeepEqual(got, []any{"Ana", nil, "Eva"}) {
		t.Errorf("given = %#v", got)
	}
	ext := at(name, "_given").([]any)
	if len(ext) != 3 || ext[0] != nil || at(ext[1], "id") != "g2" || at(ext[1], "extension", 0, "valueCode") != "masked" ||
		!reflect.DeepEqual(ext[2], map[string]any{"id": "g3"}) {
		t.Errorf("_given = %#v", ext)
	}
}

// Files that declare a Western single-byte encoding are read too.
func TestLatin1(t *testing.T) {
	for _, enc := range []string{"ISO-8859-1", "windows-1252"} {
		m, _ := convert(t, []byte(`<?xml version="1.0" encoding="`+enc+`"?><Patient xmlns="http://hl7.org/fhir"><name><given value="Jos`+"\xe9"+`"/></name></Patient>`))
		if g := at(m, "name", 0, "given", 0); g != "José" {
			t.Errorf("%s: given %q", enc, g)
		}
	}
}

func TestRootResource(t *testing.T) {
	tests := map[string]string{
		`<?xml version="1.0"?><!-- c --><Bundle xmlns="http://hl7.org/fhir"><type value="docu`: "Bundle",
		`<f:Patient xmlns:f="http://hl7.org/fhir"><f:id value="x"/>`:                           "Patient",
		`<ClinicalDocument xmlns="urn:hl7-org:v3">`:                                            "",
		`<Patient>`: "",
		`not xml`:   "",
	}
	for in, want := range tests {
		if got := RootResource([]byte(in)); got != want {
			t.Errorf("RootResource(%q) = %q, want %q", in, got, want)
		}
	}
}

// Repeats that are not together (out of the schema's order) still make one
// array, in document order.
func TestScatteredRepeats(t *testing.T) {
	m, _ := convert(t, []byte(`<Patient xmlns="http://hl7.org/fhir"><name>
  <given value="Ana"/><family value="Doe"/><given value="Eva"/><prefix value="Dr"/><given value="Mia"/>
</name><telecom><value value="1"/></telecom><gender value="female"/><telecom><value value="2"/></telecom></Patient>`))
	name := at(m, "name", 0)
	if g := at(name, "given"); !reflect.DeepEqual(g, []any{"Ana", "Eva", "Mia"}) || at(name, "family") != "Doe" || at(name, "prefix", 0) != "Dr" {
		t.Errorf("name = %v", name)
	}
	if tc := at(m, "telecom"); len(tc.([]any)) != 2 || at(tc, 1, "value") != "2" || at(m, "gender") != "female" {
		t.Errorf("telecom = %v, gender %v", tc, at(m, "gender"))
	}
}
