package record

import (
	"testing"

	"backpack/internal/fhir"
)

func TestProjectHistoryEquipmentPlans(t *testing.T) {
	for _, c := range []struct {
		json                      string
		kind                      Kind
		title, text, status, date string
	}{
		{`{"resourceType":"FamilyMemberHistory","status":"completed","relationship":{"coding":[{"code":"FTH","display":"father"}]},
		  "condition":[{"code":{"coding":[{"code":"22298006","display":"Myocardial infarction"}]},"onsetAge":{"value":60,"unit":"years","code":"a"}}]}`,
			KindFamilyHistory, "Myocardial infarction", "father · 60 years", "completed", ""},
		{`{"resourceType":"FamilyMemberHistory","status":"completed","relationship":{"text":"mother"},
		  "condition":[{"code":{"text":"Diabetes"},"modifierExtension":[{"url":"urn:backpack:fhir:condition-absent","valueBoolean":true}]}]}`,
			KindFamilyHistory, "Diabetes", "mother", "absent", ""},
		{`{"resourceType":"DeviceUseStatement","status":"active","contained":[{"resourceType":"Device","id":"device","type":{"text":"Cardiac pacemaker"},
		  "udiCarrier":[{"carrierHRF":"(01)00643169007222"}]}],"device":{"reference":"#device"},"timingDateTime":"2020-03-01"}`,
			KindDevice, "Cardiac pacemaker", "(01)00643169007222", "active", "2020-03-01"},
		{`{"resourceType":"ServiceRequest","status":"active","intent":"plan","code":{"text":"EKG"},"occurrenceDateTime":"2024-06-01",
		  "reasonCode":[{"text":"Chest pain"}]}`,
			KindCarePlan, "EKG", "Chest pain", "active", "2024-06-01"},
		{`{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://hl7.org/fhir/us/core/CodeSystem/us-core-category","code":"cognitive-status"}]}],
		  "code":{"text":"Cognitive function"},"valueCodeableConcept":{"text":"Normal"}}`,
			KindAssessment, "Cognitive function", "Normal", "final", ""},
		{`{"resourceType":"Observation","status":"final","category":[{"coding":[{"code":"survey"}]}],"code":{"text":"PHQ-9 total"},"valueInteger":4}`,
			KindAssessment, "PHQ-9 total", "4", "final", ""},
	} {
		r, err := fhir.Parse([]byte(c.json))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Project(r)
		if err != nil {
			t.Fatal(err)
		}
		d := ""
		if !p.Date.IsZero() {
			d = p.Date.Format("2006-01-02")
		}
		if p.Kind != c.kind || p.Title != c.title || p.Text != c.text || p.Status != c.status || d != c.date {
			t.Errorf("%s: got %s %q %q %q %s", r.Type, p.Kind, p.Title, p.Text, p.Status, d)
		}
	}
}
