package record

import (
	"testing"

	"backpack/internal/fhir"
)

// Resources without id or identifier: their identity is a hash of what
// they say, which must not change with how numbers are shown.
var identFixtures = []string{
	`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}],"text":"Blood Pressure"},"effectiveDateTime":"2019-03-04T10:00:00Z","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":124.6011107612412,"unit":"mm[Hg]"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":75.01937460923318,"unit":"mm[Hg]"}}]}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"Body Height"},"effectiveDateTime":"2019-03-04","valueQuantity":{"value":165.06825365352302,"unit":"cm"}}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"HbA1c"},"effectiveDateTime":"2019-03-04","valueQuantity":{"value":7.20,"unit":"%"},"referenceRange":[{"text":"below 5.7"}]}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"CRP"},"effectiveDateTime":"2019-03-04","valueQuantity":{"value":0.5,"comparator":"<","unit":"mg/L"}}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"Panel"},"effectiveDateTime":"2019-03-04","component":[{"code":{"text":"Glucose"},"valueQuantity":{"value":5.55555,"unit":"mmol/L"}}]}`,
	`{"resourceType":"Observation","status":"final","code":{"text":"Smoker"},"effectiveDateTime":"2019-03-04","valueCodeableConcept":{"text":"Never"}}`,
}

// identities of identFixtures as Backpack computed them before FormatValue.
var identBefore = []string{
	"v1-ejHMnYBJgDOu_kmTLrxhLQ",
	"v1-PNMCbtvdfHwi5_SRmjfc1w",
	"v1-4WKEOdEVLfssH91eRp-smg",
	"v1-g_TzCq5DiIzQr9SgUaLrZA",
	"v1-ptS8jGtywobuIXwUKuYqYQ",
	"v1-YsF5e9pRCF1e1uLEZlmDTQ",
}

func TestIdentityKeptAcrossFormatting(t *testing.T) {
	for i, js := range identFixtures {
		r, err := fhir.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		if got := Identity(r, Provenance{}); got != identBefore[i] {
			t.Errorf("fixture %d: identity %s, was %s", i, got, identBefore[i])
		}
		p, id, err := Derive(r, Provenance{})
		if err != nil || id != identBefore[i] {
			t.Errorf("fixture %d: Derive identity %s (%v), was %s", i, id, err, identBefore[i])
		}
		if m, err := decodeObj(r.JSON); err == nil {
			if got := contentIdentity(r.Type, p, m); got != identBefore[i] {
				t.Errorf("fixture %d: identity over a map %s, was %s", i, got, identBefore[i])
			}
		}
	}
}
