package importer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"backpack/internal/i18n"
	"backpack/internal/importer/fhirxml"
)

// The XML and JSON forms of the same resources import the same: same
// format, counts, problems, subject and, entry by entry, the same
// projection and identity.
func TestFHIRXMLLikeJSON(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		format Format
		kinds  int
	}{
		{"transaction", FormatBundle, 3},
		{"observation-bp", FormatResource, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if f := Detect(tt.name+".xml", fixture(tt.name+".xml")); f != tt.format {
				t.Errorf("Detect = %s, want %s", f, tt.format)
			}
			xr := importFile(t, tt.name+".xml")
			jr := importFile(t, tt.name+".json")
			if xr.Format != tt.format || xr.Format != jr.Format {
				t.Errorf("format %s (JSON %s), want %s", xr.Format, jr.Format, tt.format)
			}
			if !reflect.DeepEqual(xr.Counts, jr.Counts) || !reflect.DeepEqual(xr.Problems, jr.Problems) || xr.Source != jr.Source {
				t.Errorf("XML: %v %+v %q\nJSON: %v %+v %q", xr.Counts, xr.Problems, xr.Source, jr.Counts, jr.Problems, jr.Source)
			}
			if (xr.Patient == nil) != (jr.Patient == nil) || xr.Patient != nil && !sameJSON(t, xr.Patient.JSON, jr.Patient.JSON) {
				t.Error("subjects differ")
			}
			xe, je := ToEntries(xr, "p", now), ToEntries(jr, "p", now)
			if len(xe) != len(je) || len(xe) < tt.kinds {
				t.Fatalf("%d entries from XML, %d from JSON", len(xe), len(je))
			}
			for i := range xe {
				if !reflect.DeepEqual(xe[i].Projection, je[i].Projection) {
					t.Errorf("entry %d projection\nXML  %+v\nJSON %+v", i, xe[i].Projection, je[i].Projection)
				}
				if xe[i].Identity != je[i].Identity {
					t.Errorf("entry %d identity %q vs %q", i, xe[i].Identity, je[i].Identity)
				}
				if !sameJSON(t, xe[i].Resource.JSON, je[i].Resource.JSON) {
					t.Errorf("entry %d: stored resources differ\nXML  %s\nJSON %s", i, xe[i].Resource.JSON, je[i].Resource.JSON)
				}
			}
		})
	}
}

// sameJSON compares two JSON texts as values, numbers as written.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	dec := func(b []byte) any {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	return reflect.DeepEqual(dec(a), dec(b))
}

// An IPS document in XML is read as an IPS, gzipped too, whatever its name.
func TestFHIRXMLIPS(t *testing.T) {
	ips := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
  <type value="document"/>
  <entry><fullUrl value="urn:uuid:c"/><resource><Composition>
    <status value="final"/>
    <type><coding><system value="http://loinc.org"/><code value="60591-5"/></coding></type>
    <subject><reference value="urn:uuid:p"/></subject>
    <date value="2024-01-02"/>
    <title value="Patient summary"/>
  </Composition></resource></entry>
  <entry><fullUrl value="urn:uuid:p"/><resource><Patient><id value="p"/><name><family value="Doe"/></name></Patient></resource></entry>
  <entry><fullUrl value="urn:uuid:a"/><resource><AllergyIntolerance><id value="a"/>
    <code><text value="Penicillin"/></code><patient><reference value="urn:uuid:p"/></patient>
  </AllergyIntolerance></resource></entry>
</Bundle>`)
	for _, name := range []string{"summary.xml", "summary", "ips.xml.gz"} {
		data := ips
		if strings.HasSuffix(name, ".gz") {
			data = gz(ips)
		}
		res, err := ImportBytes(name, data, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkInvariants(t, res)
		if res.Format != FormatIPS || res.Patient == nil || res.Counts["AllergyIntolerance"] != 1 || len(res.Problems) != 0 {
			t.Errorf("%s: %s %v %+v", name, res.Format, res.Counts, res.Problems)
		}
	}
	if f := Detect("x.xml", ips); f != FormatIPS {
		t.Errorf("Detect = %s", f)
	}
}

// Whole-file errors of XML input: each its own code, with a message.
func TestFHIRXMLErrors(t *testing.T) {
	for _, tt := range []struct {
		name, data, code string
	}{
		{"bomb.xml", `<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Patient xmlns="http://hl7.org/fhir"><id value="&b;"/></Patient>`, ErrCodeXMLDoctype},
		{"cut.xml", "<Bundle xmlns=\"http://hl7.org/fhir\">\n<type value=\"collection\"/>\n<entry>", ErrCodeXMLSyntax},
		{"deep.xml", `<Basic xmlns="http://hl7.org/fhir">` + strings.Repeat(`<extension url="u">`, 150) + strings.Repeat(`</extension>`, 150) + `</Basic>`, ErrCodeTooDeep},
		// Shallow enough in XML, too deep as JSON (each item adds an array).
		{"items.xml", `<Questionnaire xmlns="http://hl7.org/fhir"><status value="active"/>` + strings.Repeat(`<item><linkId value="x"/><type value="group"/>`, 60) + strings.Repeat(`</item>`, 60) + `</Questionnaire>`, ErrCodeTooDeep},
		{"not-a-resource.xml", `<Bundle xmlns="http://hl7.org/fhir"><entry><resource><Nonsense/></resource></entry></Bundle>`, ""},
	} {
		res, err := ImportBytes(tt.name, []byte(tt.data), Options{})
		if tt.code == "" {
			if err != nil || res.Total() != 0 || len(res.Problems) == 0 {
				t.Errorf("%s: %v, %d resources, problems %+v", tt.name, err, res.Total(), res.Problems)
			}
			continue
		}
		var ie *Error
		if !errors.As(err, &ie) || ie.Code != tt.code {
			t.Errorf("%s: err %v, want code %s", tt.name, err, tt.code)
			continue
		}
		if !i18n.Has("import.error." + ie.Code) {
			t.Errorf("no message for import.error.%s", ie.Code)
		}
		if tt.code == ErrCodeXMLSyntax && ie.Line != 3 {
			t.Errorf("%s: line %d, want 3", tt.name, ie.Line)
		}
		if tt.code != ErrCodeXMLSyntax && (ie.Line != 0 || ie.Offset != 0) {
			t.Errorf("%s: located at line %d offset %d of the converted JSON", tt.name, ie.Line, ie.Offset)
		}
	}
	for _, c := range []string{fhirxml.ProblemUnknownElement, fhirxml.ProblemBadValue, fhirxml.ProblemRepeated, fhirxml.ProblemText, fhirxml.ProblemEmpty} {
		if !i18n.Has("import.problem." + c) {
			t.Errorf("no message for import.problem.%s", c)
		}
	}
}

func gz(b []byte) []byte {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}
