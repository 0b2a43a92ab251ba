package fhirxml

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzConvert: any input either converts to valid JSON (an object with a
// resourceType) or fails with one of the package's errors; never a panic.
func FuzzConvert(f *testing.F) {
	for _, name := range []string{"ips-bundle-01.xml", "doctype-entities.xml", "doctype-external.xml"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`<Patient xmlns="http://hl7.org/fhir"><name><given value="a"/><given id="x"/></name><contained><Basic/></contained></Patient>`))
	f.Add([]byte(`<Observation xmlns="http://hl7.org/fhir"><text><div xmlns="http://www.w3.org/1999/xhtml">a<br/>&amp;<p x="&quot;">b</p></div></text><valueQuantity><value value="1.50"/></valueQuantity></Observation>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		js, ps, err := Convert(data, Options{MaxBytes: 1 << 20})
		if err != nil {
			var se *SyntaxError
			if !errors.Is(err, ErrNotXML) && !errors.Is(err, ErrDoctype) && !errors.Is(err, ErrTooDeep) &&
				!errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrNotFHIR) && !errors.As(err, &se) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		var head struct{ ResourceType string }
		if !json.Valid(js) || json.Unmarshal(js, &head) != nil || head.ResourceType == "" {
			t.Fatalf("invalid JSON out: %.200s", js)
		}
		for _, p := range ps {
			if p.Code == "" || p.Where == "" || safeName(p.Detail) == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}
