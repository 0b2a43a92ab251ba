package ccda

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"testing"

	"backpack/internal/fhir"
)

// FuzzConvert checks that no input panics, and that every successful
// conversion yields valid JSON resources with ids. Seeds: the fixtures in
// testdata/ and testdata/fuzz/FuzzConvert.
func FuzzConvert(f *testing.F) {
	files, _ := fs.Glob(fixtures, "testdata/*.xml")
	for _, name := range files {
		b, err := fixtures.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<ClinicalDocument xmlns="urn:hl7-org:v3"><component><structuredBody><component><section><entry><act><entryRelationship><observation><value/></observation></entryRelationship></act></entry></section></component></structuredBody></component></ClinicalDocument>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := convert(b) // no recover: panics must surface
		if err != nil {
			return
		}
		for _, r := range append(d.Resources, patientOrNone(d)...) {
			if r.ID == "" || r.Type == "" || !json.Valid(r.JSON) {
				t.Fatalf("bad resource %s/%s", r.Type, r.ID)
			}
		}
		// Convert (with the size limit and recover) agrees.
		if _, err := Convert(bytes.NewReader(b), Options{}); err != nil {
			t.Fatalf("Convert failed where convert succeeded: %v", err)
		}
	})
}

func patientOrNone(d Document) []fhir.Resource {
	if d.Patient == nil {
		return nil
	}
	return []fhir.Resource{*d.Patient}
}
