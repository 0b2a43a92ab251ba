package importer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func importFile(t *testing.T, name string) Result {
	t.Helper()
	res, err := Import(name, bytes.NewReader(fixture(name)), Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkInvariants(t, res)
	return res
}

// checkInvariants holds for every Result.
func checkInvariants(t *testing.T, res Result) {
	t.Helper()
	sum := 0
	for _, n := range res.Counts {
		sum += n
	}
	if sum != res.Total() {
		t.Errorf("counts add up to %d, resources+patient = %d", sum, res.Total())
	}
	all := res.Resources
	if res.Patient != nil {
		if res.Patient.Type != "Patient" {
			t.Errorf("subject is a %s", res.Patient.Type)
		}
		all = append([]fhirResource{*res.Patient}, all...)
	}
	for i, r := range all {
		if !json.Valid(r.JSON) || r.JSON[0] != '{' {
			t.Errorf("resource %d: JSON not an object", i)
			continue
		}
		var h struct{ ResourceType, ID string }
		json.Unmarshal(r.JSON, &h)
		if h.ResourceType != r.Type || h.ID != r.ID {
			t.Errorf("resource %d: head %s/%s, JSON says %s/%s", i, r.Type, r.ID, h.ResourceType, h.ID)
		}
	}
	for _, p := range res.Problems {
		switch p.Severity {
		case SevError, SevWarning, SevInfo:
		default:
			t.Errorf("problem %+v: bad severity", p)
		}
		if p.Code == "" {
			t.Errorf("problem %+v: no code", p)
		}
	}
}

func codes(ps []Problem) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Severity+":"+p.Code+"@"+p.Where)
	}
	return strings.Join(s, " ")
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file     string
		format   Format
		patient  string // name
		birth    string
		counts   map[string]int
		problems string
		source   string
	}{
		{"transaction.json", FormatBundle, "Ana María Testperson", "1980-02-29",
			map[string]int{"Patient": 1, "Encounter": 1, "Observation": 1, "Condition": 1},
			"info:entry-no-resource@entry[4]", "https://ehr.example.org/fhir"},
		{"collection.json", FormatBundle, "Ana Testperson", "1980-02-29",
			map[string]int{"Patient": 1, "Organization": 1, "AllergyIntolerance": 1, "Immunization": 1, "MedicationStatement": 1},
			"error:not-resource@entry[4].resource", "Clínica Ejemplo"},
		{"searchset.json", FormatBundle, "Ana Testperson", "1980-02-29",
			map[string]int{"Patient": 1, "Condition": 1, "Observation": 1, "Practitioner": 1},
			"warning:paged@ warning:operation-outcome@entry[4].resource.issue[0]", "#ehr-7"},
		{"ips.json", FormatIPS, "Ana Testperson", "1980-02-29",
			map[string]int{"Composition": 1, "Patient": 1, "Organization": 1, "Condition": 1, "MedicationStatement": 1},
			"", "Clinica Ejemplo"},
		{"observation.json", FormatResource, "", "",
			map[string]int{"Observation": 1}, "info:no-patient@", ""},
		{"Patient.ndjson", FormatNDJSON, "Ana Testperson", "1980-02-29",
			map[string]int{"Patient": 2}, "warning:multiple-patients@", ""},
		{"Condition.ndjson", FormatNDJSON, "", "",
			map[string]int{"Condition": 2},
			"error:bad-line@Condition.ndjson:3 error:not-resource@Condition.ndjson:4 info:no-patient@", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := importFile(t, tt.file)
			if res.Format != tt.format {
				t.Errorf("format %q, want %q", res.Format, tt.format)
			}
			rep := NewReport(res)
			if tt.patient == "" {
				if rep.Patient != nil {
					t.Errorf("patient %+v, want none", rep.Patient)
				}
			} else if rep.Patient == nil || rep.Patient.Name != tt.patient || rep.Patient.BirthDate != tt.birth {
				t.Errorf("patient %+v, want %s %s", rep.Patient, tt.patient, tt.birth)
			}
			if !mapsEqual(res.Counts, tt.counts) {
				t.Errorf("counts %v, want %v", res.Counts, tt.counts)
			}
			if got := codes(res.Problems); got != tt.problems {
				t.Errorf("problems %q, want %q", got, tt.problems)
			}
			if res.Source != tt.source {
				t.Errorf("source %q, want %q", res.Source, tt.source)
			}
			if res.Verified != nil {
				t.Errorf("verified set for a non-card")
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Resources are kept byte for byte, escapes included, and references too.
func TestLossless(t *testing.T) {
	res := importFile(t, "transaction.json")
	var cond fhirResource
	for _, r := range res.Resources {
		if r.Type == "Condition" {
			cond = r
		}
	}
	b := fixture("transaction.json")
	if !bytes.Contains(b, cond.JSON) || !bytes.Contains(cond.JSON, []byte(`\"adult onset\" \\ note`)) {
		t.Fatalf("Condition not kept verbatim: %s", cond.JSON)
	}
	if !bytes.Contains(cond.JSON, []byte(`"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"`)) {
		t.Fatal("reference lost")
	}
}

func TestMergeNDJSON(t *testing.T) {
	m := Merge(importFile(t, "Patient.ndjson"), importFile(t, "Condition.ndjson"))
	checkInvariants(t, m)
	if m.Format != FormatNDJSON || m.Counts["Patient"] != 2 || m.Counts["Condition"] != 2 || m.Total() != 4 {
		t.Fatalf("merged: %s %v", m.Format, m.Counts)
	}
	if n, _ := PatientName(*m.Patient); n != "Ana Testperson" {
		t.Fatalf("subject %q", n)
	}
	want := "error:bad-line@Condition.ndjson:3 error:not-resource@Condition.ndjson:4 warning:multiple-patients@"
	if got := codes(m.Problems); got != want {
		t.Fatalf("problems %q, want %q", got, want)
	}
}

func TestGzip(t *testing.T) {
	b := fixture("transaction.json")
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	w.Close()
	if f := Detect("t.json.gz", z.Bytes()); f != FormatBundle {
		t.Errorf("Detect gz head: %s", f)
	}
	res, err := Import("t.json.gz", bytes.NewReader(z.Bytes()), Options{})
	if err != nil || res.Total() != 4 || res.File != "t.json.gz" {
		t.Fatalf("gz: %v %d", err, res.Total())
	}
	// A gzip bomb stops at MaxBytes.
	z.Reset()
	w = gzip.NewWriter(&z)
	w.Write(bytes.Repeat([]byte(" "), 1<<20))
	w.Close()
	_, err = Import("bomb.gz", &z, Options{MaxBytes: 64 << 10})
	wantCode(t, err, ErrCodeTooLarge)
	// Damaged gzip.
	_, err = Import("x.gz", bytes.NewReader([]byte{0x1f, 0x8b, 8, 0, 0, 0}), Options{})
	wantCode(t, err, ErrCodeGzip)
}

func wantCode(t *testing.T, err error, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return e
}

func TestHostile(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 150) + "1" + strings.Repeat("}", 150)
	tests := []struct {
		name, in string
		opts     Options
		code     string
		line     int
		offset   int64
	}{
		{"deep", `{"resourceType":"Bundle","entry":[` + deep + `]}`, Options{}, ErrCodeTooDeep, 1, 34 + 5*98},
		{"deep-array", strings.Repeat("[", 101) + strings.Repeat("]", 101), Options{}, ErrCodeTooDeep, 1, 100},
		{"syntax", "{\"resourceType\":\"Patient\",\n\"id\": x}", Options{}, ErrCodeSyntax, 2, 33},
		{"truncated", "{\"resourceType\":\"Bundle\",\n\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"", Options{}, ErrCodeTruncated, 2, 72},
		{"trailing", `{"resourceType":"Patient"} x`, Options{}, ErrCodeSyntax, 1, 27},
		{"too-large", `{"resourceType":"Patient","id":"p"}`, Options{MaxBytes: 10}, ErrCodeTooLarge, 0, 10},
		{"empty", " \n ", Options{}, ErrCodeEmpty, 0, 0},
		{"not-fhir", `{"hello":"world"}`, Options{}, ErrCodeNotFHIR, 0, 0},
		{"number", `42`, Options{}, ErrCodeUnknown, 0, 0},
		{"binary", "\x00\x01\x02", Options{}, ErrCodeUnknown, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Import(tt.name+".json", strings.NewReader(tt.in), tt.opts)
			e := wantCode(t, err, tt.code)
			if e.Line != tt.line || e.Offset != tt.offset {
				t.Errorf("at line %d offset %d, want %d %d", e.Line, e.Offset, tt.line, tt.offset)
			}
			if strings.Contains(err.Error(), "Patient") || strings.Contains(err.Error(), "world") {
				t.Errorf("error quotes content: %v", err)
			}
			if res.Counts == nil {
				t.Error("nil Counts")
			}
		})
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadError(t *testing.T) {
	_, err := Import("x.json", failReader{}, Options{})
	wantCode(t, err, ErrCodeRead)
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, head string
		want       Format
	}{
		{"a.json", `{"resourceType":"Bundle","type":"collection","entry":[`, FormatBundle},
		{"a.json", `{"id":"x","resourceType":"Bundle","type":"searchset"`, FormatBundle},
		{"a.json", `{"resourceType":"Bundle","type":"document","meta":{"profile":["http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"]},`, FormatIPS},
		{"a.json", `{"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Composition","type":{"coding":[{"code":"60591-5"`, FormatIPS},
		{"a.json", `{"resourceType":"Observation","id":"1"}`, FormatResource},
		{"a.json", "\ufeff  {\"resourceType\":\"Patient\"}", FormatResource},
		{"a.json", `[{"resourceType":"Observation"}]`, FormatResource},
		{"a.txt", "{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"}\n", FormatNDJSON},
		{"Patient.000.ndjson", `{"resourceType":"Patient","text":{"div":"<div>very long…`, FormatNDJSON},
		{"card.smart-health-card", `{"verifiableCredential":["eyJ`, FormatSHC},
		{"card.json", `{"verifiableCredential":["eyJhbGciOiJFUzI1NiJ9.e30.sig"]}`, FormatSHC},
		{"qr.txt", "shc:/5676290952432060346029243740", FormatSHC},
		{"qr.txt", "shc:/1/2/5676290952432060346029243740", FormatSHC},
		{"card.jws", "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln\n", FormatSHC},
		{"ccd.xml", `<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3">`, FormatCCDA},
		{"a.xml", `<?xml version="1.0"?><svg/>`, FormatUnknown},
		{"a.pdf", "%PDF-1.7", FormatUnknown},
		{"a.json", `{"hello":"world"}`, FormatUnknown},
		{"a.json", ``, FormatUnknown},
	}
	for _, tt := range tests {
		if got := Detect(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("Detect(%q, %q) = %s, want %s", tt.name, tt.head, got, tt.want)
		}
	}
}

// A JSON file with several lines of resources is NDJSON whatever its name.
func TestNDJSONWithoutExtension(t *testing.T) {
	in := "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n{\"resourceType\":\"Condition\",\"id\":\"c\"}\n"
	res, err := Import("export.json", strings.NewReader(in), Options{})
	if err != nil || res.Format != FormatNDJSON || res.Total() != 2 {
		t.Fatalf("%v %s %d", err, res.Format, res.Total())
	}
}

func TestArrayOfResources(t *testing.T) {
	in := `[{"resourceType":"Patient","id":"p"},{"resourceType":"Condition","id":"c"},7]`
	res, err := Import("a.json", strings.NewReader(in), Options{})
	if err != nil || res.Total() != 2 || codes(res.Problems) != "error:not-resource@[2]" {
		t.Fatalf("%v %d %s", err, res.Total(), codes(res.Problems))
	}
}

func TestNDJSONLineErrors(t *testing.T) {
	in := "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n" +
		strings.Repeat("[", 120) + strings.Repeat("]", 120) + "\n" +
		"{\"resourceType\":\"Condition\",\"id\":\"c\"\n" +
		"[1]\n" +
		"{\"resourceType\":\"Condition\",\"id\":\"c2\"}"
	res, err := Import("x.ndjson", strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	want := "error:too-deep@x.ndjson:2 error:bad-line@x.ndjson:3 error:not-resource@x.ndjson:4"
	if got := codes(res.Problems); got != want || res.Total() != 2 {
		t.Fatalf("problems %q (want %q), total %d", got, want, res.Total())
	}
	// Nothing readable at all is an error.
	_, err = Import("x.ndjson", strings.NewReader("nope\n{\n"), Options{})
	wantCode(t, err, ErrCodeNotFHIR)
}
