package record

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
)

var testProfile = Profile{ID: "prof-1", Name: "Jane Doe", Patient: fhir.Resource{Type: "Patient", ID: "pat-1"}}

// One filled form per manual kind, with what its resource must contain.
var formCases = []struct {
	kind     Kind
	fields   map[string]string
	resource string // resourceType
	subject  string // member holding the patient reference ("" for none)
	title    string
	text     string
	has      []string // substrings of the resource JSON
}{
	{KindVisit, map[string]string{"date": "2024-03-05", "type": "telehealth", "provider": "Dr. Ana Gómez", "facility": "Clínica Norte",
		"reason": "Knee pain", "summary": "Sprain.", "instructions": "Ice, rest."},
		"Encounter", "subject", "Knee pain", "Sprain.", []string{`"code":"VR"`, `"status":"finished"`, extVisitInstruction}},
	{KindLab, map[string]string{"test": "Hemoglobin A1c", "date": "2024-03-05", "value": "7,2", "unit": "%", "low": "4", "high": "5.6"},
		"Observation", "subject", "Hemoglobin A1c", "7.2 %", []string{`"code":"4548-4"`, `"code":"laboratory"`, `"code":"H"`, `"value":7.2`}},
	{KindLab, map[string]string{"test": "Strep A", "date": "2024-03", "value": "negative"},
		"Observation", "subject", "Strep A", "negative", []string{`"valueString":"negative"`}},
	{KindVital, map[string]string{"type": "blood-pressure", "date": "2024-03-05T08:30", "systolic": "128", "diastolic": "82"},
		"Observation", "subject", "Blood pressure panel with all children optional", "128/82 mmHg",
		[]string{`"code":"85354-9"`, `"code":"8480-6"`, `"code":"8462-4"`, `"code":"vital-signs"`, `"code":"mm[Hg]"`}},
	{KindVital, map[string]string{"type": "weight", "date": "2024-03-05", "value": "150", "unit": "lb"},
		"Observation", "subject", "Body weight", "150 lb", []string{`"code":"29463-7"`, `"code":"[lb_av]"`}},
	{KindVital, map[string]string{"type": "temperature", "date": "2024-03-05", "value": "37.8"},
		"Observation", "subject", "Body temperature", "37.8 °C", []string{`"code":"8310-5"`, `"code":"Cel"`}},
	{KindVital, map[string]string{"type": "other", "name": "Peak flow", "date": "2024-03-05", "value": "420", "unit": "L/min"},
		"Observation", "subject", "Peak flow", "420 L/min", nil},
	{KindMedication, map[string]string{"name": "Metformin", "dose": "500 mg", "schedule": "twice a day", "start": "2020-01", "status": "active", "reason": "Diabetes"},
		"MedicationStatement", "subject", "Metformin", "500 mg · twice a day", []string{`"effectivePeriod":{"start":"2020-01"}`}},
	{KindAllergy, map[string]string{"substance": "Peanuts", "reaction": "Anaphylaxis", "severity": "severe", "criticality": "high", "category": "food", "status": "active"},
		"AllergyIntolerance", "patient", "Peanuts", "Anaphylaxis · severe · criticality high", []string{`"category":["food"]`, sysAllergyClin}},
	{KindCondition, map[string]string{"name": "Asthma", "onset": "2001", "status": "active"},
		"Condition", "subject", "Asthma", "", []string{`"onsetDateTime":"2001"`, sysCondClin}},
	{KindImmunization, map[string]string{"vaccine": "Tdap", "date": "2023-09-01", "dose": "2", "lot": "X9"},
		"Immunization", "patient", "Tdap", "2 · X9", []string{`"doseNumberPositiveInt":2`, `"status":"completed"`}},
	{KindProcedure, map[string]string{"name": "Colonoscopy", "date": "2022-02-02", "provider": "Dr. Ray", "bodySite": "Colon"},
		"Procedure", "subject", "Colonoscopy", "Colon", []string{`"performedDateTime":"2022-02-02"`}},
	{KindImaging, map[string]string{"modality": "MR", "bodySite": "Left knee", "date": "2024-01-10", "findings": "Meniscus tear."},
		"DiagnosticReport", "subject", "MR Left knee", "Meniscus tear.", []string{`"code":"RAD"`, sysDICOM, extBodySite}},
	{KindClinicianNote, map[string]string{"title": "Follow-up", "type": "progress", "date": "2024-02-02", "author": "Dr. Ray", "text": "Doing well.\nContinue."},
		"DocumentReference", "subject", "Follow-up", "Doing well. Continue.", []string{`"code":"clinical-note"`, `"code":"11506-3"`, "text/plain"}},
	{KindDocument, map[string]string{"title": "Discharge papers", "date": "2019-09-09", "type": "Discharge"},
		"DocumentReference", "subject", "Discharge papers", "Discharge", []string{`"content":[`}},
	{KindCareTeam, map[string]string{"name": "Dr. Ana Gómez", "role": "Primary care", "specialty": "Family medicine", "organization": "Clínica Norte",
		"phone": "+1 (555) 010-0100", "email": "ana@example.org", "address": "1 Main St"},
		"PractitionerRole", "", "Dr. Ana Gómez", "Primary care · Family medicine · +1 (555) 010-0100", []string{`"system":"email"`}},
	{KindInsurance, map[string]string{"payer": "Acme Health", "member": "XYZ123", "group": "G-77", "plan": "Gold"},
		"Coverage", "beneficiary", "Acme Health", "Gold", []string{`"subscriberId":"XYZ123"`, `"value":"G-77"`, `"status":"active"`}},
	{KindEmergencyContact, map[string]string{"name": "María López", "relationship": "Sister", "phone": "+34 600 000 000"},
		"RelatedPerson", "patient", "María López", "Sister · +34 600 000 000", []string{sysV20131}},
}

func TestFormBuild(t *testing.T) {
	covered := map[Kind]bool{}
	for _, tc := range formCases {
		covered[tc.kind] = true
		t.Run(string(tc.kind)+"/"+tc.title, func(t *testing.T) {
			f := NewForm(tc.kind)
			maps.Copy(f.Fields, tc.fields)
			if errs := f.Validate(); len(errs) > 0 {
				t.Fatalf("Validate: %v", errs)
			}
			r, err := f.Build(testProfile, nil)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(r.JSON, &m); err != nil {
				t.Fatal(err)
			}
			if m["resourceType"] != tc.resource || r.Type != tc.resource || r.ID == "" || m["id"] != r.ID {
				t.Fatalf("resourceType %v id %v", m["resourceType"], m["id"])
			}
			if !strings.HasPrefix(string(r.JSON), `{"resourceType":"`+tc.resource+`","id":`) {
				t.Errorf("resourceType and id do not come first: %.60s", r.JSON)
			}
			if tc.subject != "" && str(m, tc.subject, "reference") != "Patient/pat-1" {
				t.Errorf("%s = %v", tc.subject, m[tc.subject])
			}
			for _, s := range tc.has {
				if !strings.Contains(string(r.JSON), s) {
					t.Errorf("resource lacks %s:\n%s", s, r.JSON)
				}
			}
			p, err := Project(r)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.kind || p.Title != tc.title || p.Text != tc.text {
				t.Errorf("projection kind %q title %q text %q, want %q %q %q\n%s", p.Kind, p.Title, p.Text, tc.kind, tc.title, tc.text, r.JSON)
			}
			// FormFrom gives back what was typed (normalized).
			back, err := FormFrom(Entry{Resource: r, Projection: p})
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range f.Fields {
				want := strings.TrimSpace(v)
				if n, ok := parseNumber(want); ok && fieldType(tc.kind, k) == FieldNumber || k == "value" && ok {
					want = n
				}
				if fieldType(tc.kind, k) == FieldDate {
					want = FormatDate(day(want), precisionOf(want))
				}
				if back.Fields[k] != want {
					t.Errorf("FormFrom field %s = %q, want %q", k, back.Fields[k], want)
				}
			}
			// Building the unchanged form over the resource changes nothing.
			again, err := back.Build(testProfile, &r)
			if err != nil || string(again.JSON) != string(r.JSON) {
				t.Errorf("rebuild changed the resource: %v\n%s\n%s", err, r.JSON, again.JSON)
			}
		})
	}
	for _, k := range ManualKinds {
		if !covered[k] {
			t.Errorf("no form test for %s", k)
		}
	}
}

func fieldType(k Kind, name string) FieldType {
	for _, f := range Fields(k) {
		if f.Name == name {
			return f.Type
		}
	}
	return ""
}

func precisionOf(s string) string {
	_, p, _ := ParseDate(s)
	return p
}

func TestFormValidate(t *testing.T) {
	tests := []struct {
		kind   Kind
		fields map[string]string
		want   []FieldError
	}{
		{KindLab, map[string]string{}, []FieldError{{"test", "record.err.required"}, {"date", "record.err.required"}, {"value", "record.err.required"}}},
		{KindLab, map[string]string{"test": "x", "date": "31/12/2020", "value": "1", "low": "abc", "high": "2"},
			[]FieldError{{"date", "record.err.date"}, {"low", "record.err.number"}}},
		{KindLab, map[string]string{"test": "x", "date": "2020", "value": "1", "low": "9", "high": "2"}, []FieldError{{"high", "record.err.range"}}},
		{KindLab, map[string]string{"test": "x", "date": "2020", "value": "1", "flag": "X"}, []FieldError{{"flag", "record.err.choice"}}},
		{KindVital, map[string]string{"type": "blood-pressure", "date": "2020"}, []FieldError{{"systolic", "record.err.required"}, {"diastolic", "record.err.required"}}},
		{KindVital, map[string]string{"type": "weight", "date": "2020", "value": "NaN"}, []FieldError{{"value", "record.err.number"}}},
		{KindAllergy, map[string]string{"substance": "x", "severity": "severe"}, []FieldError{{"reaction", "record.err.reaction"}}},
		{KindCondition, map[string]string{"name": "x", "status": "active", "abated": "2020"}, []FieldError{{"status", "record.err.abated"}}},
		{KindMedication, map[string]string{"name": "x", "start": "2020-05-01", "stop": "2020-04-01"}, []FieldError{{"stop", "record.err.order"}}},
		{KindCareTeam, map[string]string{"email": "nope", "phone": "call me"}, []FieldError{{"phone", "record.err.phone"}, {"email", "record.err.email"}, {"name", "record.err.required"}}},
		{KindCareTeam, map[string]string{"organization": "Clinic"}, nil},
		{KindOther, map[string]string{}, []FieldError{{"kind", "record.err.kind"}}},
	}
	for _, tc := range tests {
		got := Form{Kind: tc.kind, Fields: tc.fields}.Validate()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %v: got %v, want %v", tc.kind, tc.fields, got, tc.want)
		}
	}
	_, err := Form{Kind: KindLab, Fields: map[string]string{}}.Build(testProfile, nil)
	var ve ValidationError
	if !errors.As(err, &ve) || len(ve) != 3 || strings.Contains(err.Error(), "record.err") {
		t.Errorf("Build error %v", err)
	}
}

// Editing an imported resource changes only the fields the form covers.
func TestFormEditImported(t *testing.T) {
	tests := []struct {
		file   string
		kind   Kind
		change map[string]string
		want   map[string]any // JSON path (dotted) → new value
	}{
		{"lab", KindLab, map[string]string{"value": "5.1"}, map[string]any{"valueQuantity.value": 5.1, "interpretation.0.coding.0.code": "N"}},
		{"lab_interp", KindLab, map[string]string{"flag": "A"}, map[string]any{"interpretation.0.coding.0.code": "A"}},
		{"encounter", KindVisit, map[string]string{"summary": "All good"}, map[string]any{"extension.0.valueString": "All good"}},
		{"condition", KindCondition, map[string]string{"status": "resolved", "abated": "2023-01-02"},
			map[string]any{"clinicalStatus.coding.0.code": "resolved", "abatementDateTime": "2023-01-02"}},
		{"medrequest", KindMedication, map[string]string{"dose": "2 capsules"}, map[string]any{"dosageInstruction.0.text": "2 capsules"}},
		{"medrequest", KindMedication, map[string]string{"name": "Penicillin V"}, map[string]any{"medicationCodeableConcept.text": "Penicillin V",
			"contained": nil, "medicationReference": nil, "requester.display": "Dr. Lee"}},
		{"medstatement", KindMedication, map[string]string{"stop": "2024-01-01", "status": "stopped"},
			map[string]any{"effectivePeriod.end": "2024-01-01", "effectivePeriod.start": "2018-06-01", "status": "stopped"}},
		{"immunization", KindImmunization, map[string]string{"lot": "ZZ9"}, map[string]any{"lotNumber": "ZZ9"}},
		{"procedure", KindProcedure, map[string]string{"provider": "Dr. Jones"}, map[string]any{"performer.0.actor.display": "Dr. Jones"}},
		{"allergy", KindAllergy, map[string]string{"severity": "mild"}, map[string]any{"reaction.0.severity": "mild", "reaction.0.manifestation.1.coding.0.display": "Swelling"}},
		{"practitioner", KindCareTeam, map[string]string{"phone": "555-9999", "email": "x@example.org"},
			map[string]any{"telecom.0.value": "555-9999", "telecom.1.value": "x@example.org", "name.0.family": "Lindgren"}},
		{"coverage", KindInsurance, map[string]string{"group": "G-78"}, map[string]any{"class.1.value": "G-78", "class.0.name": "Gold PPO"}},
		{"relatedperson", KindEmergencyContact, map[string]string{"relationship": "Sibling"}, map[string]any{"relationship.0.text": "Sibling"}},
		{"bp", KindVital, map[string]string{"systolic": "135"}, map[string]any{"component.0.valueQuantity.value": 135.0, "component.1.valueQuantity.value": 80.0}},
		{"report_imaging", KindImaging, map[string]string{"findings": "Small effusion."}, map[string]any{"conclusion": "Small effusion."}},
		{"docref_note", KindClinicianNote, map[string]string{"text": "Updated."}, map[string]any{"content.0.attachment.contentType": "text/plain; charset=utf-8"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r := loadFixture(t, tc.file)
			p, err := Project(r)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.kind {
				t.Fatalf("kind %s", p.Kind)
			}
			f, err := FormFrom(Entry{Resource: r, Projection: p})
			if err != nil {
				t.Fatal(err)
			}
			same, err := f.Build(testProfile, &r)
			if err != nil || string(same.JSON) != string(r.JSON) {
				t.Fatalf("unchanged form rewrote the resource (%v)", err)
			}
			maps.Copy(f.Fields, tc.change)
			got, err := f.Build(testProfile, &r)
			if err != nil {
				t.Fatal(err)
			}
			var before, after map[string]any
			json.Unmarshal(r.JSON, &before)
			json.Unmarshal(got.JSON, &after)
			for path, v := range tc.want {
				if g := dig(after, path); !reflect.DeepEqual(g, v) {
					t.Errorf("%s = %v, want %v", path, g, v)
				}
			}
			// Every top-level member the form does not cover is untouched.
			for k, v := range before {
				if touched(tc.kind, k) {
					continue
				}
				if !reflect.DeepEqual(after[k], v) {
					t.Errorf("member %s changed: %v → %v", k, v, after[k])
				}
			}
		})
	}
}

// touched lists the top-level members a kind's form may write.
func touched(k Kind, member string) bool {
	m := map[Kind][]string{
		KindLab:              {"valueQuantity", "interpretation", "referenceRange", "code", "effectiveDateTime", "performer", "note"},
		KindVisit:            {"extension", "period", "class", "type", "participant", "serviceProvider", "reasonCode"},
		KindCondition:        {"clinicalStatus", "abatementDateTime", "onsetDateTime", "code", "note"},
		KindMedication:       {"dosageInstruction", "dosage", "effectivePeriod", "status", "dispenseRequest", "medicationCodeableConcept", "medicationReference", "contained"},
		KindImmunization:     {"lotNumber"},
		KindProcedure:        {"performer"},
		KindAllergy:          {"reaction"},
		KindCareTeam:         {"telecom"},
		KindInsurance:        {"class"},
		KindEmergencyContact: {"relationship"},
		KindVital:            {"component"},
		KindImaging:          {"conclusion"},
		KindClinicianNote:    {"content"},
	}
	return slices.Contains(m[k], member)
}

func dig(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func TestFormVitalTypeChange(t *testing.T) {
	f := NewForm(KindVital)
	maps.Copy(f.Fields, map[string]string{"type": "blood-pressure", "date": "2024-01-01", "systolic": "120", "diastolic": "80"})
	r, err := f.Build(testProfile, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, _ = FormFrom(Entry{Resource: r})
	f.Fields["type"], f.Fields["value"] = "heart-rate", "61"
	delete(f.Fields, "systolic")
	delete(f.Fields, "diastolic")
	r2, err := f.Build(testProfile, &r)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Project(r2)
	if p.Title != "Heart rate" || p.Text != "61 /min" || strings.Contains(string(r2.JSON), "component") {
		t.Errorf("%+v\n%s", p, r2.JSON)
	}
}

func TestToEntry(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	f := NewForm(KindImaging)
	maps.Copy(f.Fields, map[string]string{"modality": "CT", "bodySite": "Chest", "date": "2024-04-30"})
	f.Files = []string{"file-1", "file-2"}
	e, err := f.ToEntry(testProfile, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == "" || e.Profile != "prof-1" || e.Kind != KindImaging || e.Provenance.Source != "manual" || !e.Created.Equal(now) ||
		e.Identity == "" || !slices.Equal(e.Files, f.Files) {
		t.Fatalf("%+v", e)
	}
	f2, err := FormFrom(e)
	if err != nil || !slices.Equal(f2.Files, f.Files) || f2.Fields["modality"] != "CT" {
		t.Fatalf("FormFrom: %+v %v", f2, err)
	}
	f2.Fields["findings"] = "Clear."
	later := now.Add(time.Hour)
	e2, err := f2.ToEntry(testProfile, &e, later)
	if err != nil || e2.ID != e.ID || e2.Identity != e.Identity || !e2.Updated.Equal(later) || e2.Text != "CT · Chest · Clear." && e2.Text != "Clear." {
		t.Fatalf("edit: %+v %v", e2, err)
	}
	if _, err := FormFrom(Entry{Resource: loadFixture(t, "claim")}); !errors.Is(err, ErrNoForm) {
		t.Errorf("FormFrom(Claim) = %v", err)
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]string{"5.4": "5.4", "5,4": "5.4", " 120 ": "120", ".5": "0.5", "-.5": "-0.5", "7.": "7", "-3": "-3"} {
		if got, ok := parseNumber(in); !ok || got != want {
			t.Errorf("parseNumber(%q) = %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "abc", "1e5", "0x10", "+1", "NaN", "Inf", "1,000.5", "1.2.3"} {
		if got, ok := parseNumber(in); ok {
			t.Errorf("parseNumber(%q) = %q, want error", in, got)
		}
	}
}

func mustParse(t testing.TB, b []byte) fhir.Resource {
	t.Helper()
	r, err := fhir.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
