package record

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"backpack/internal/fhir"
)

func loadFixture(t testing.TB, name string) fhir.Resource {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "resources", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := fhir.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func day(s string) time.Time {
	t, _, ok := ParseDate(s)
	if !ok {
		panic("bad test date " + s)
	}
	return t
}

func TestProject(t *testing.T) {
	tests := []struct {
		file   string
		kind   Kind
		date   string
		prec   string
		title  string
		text   string
		status string
		who    string
		value  float64 // checked when != 0
		unit   string
		interp string
		code   string // first code, when set
	}{
		{file: "encounter", kind: KindVisit, date: "2021-03-04T09:00:00-05:00", title: "Annual check-up", text: "Knee pain",
			status: "finished", who: "Clínica Norte", code: "185349003"},
		{file: "lab", kind: KindLab, date: "2022-06-01", title: "Hemoglobin A1c/Hemoglobin.total in Blood", text: "7.2 %",
			status: "final", value: 7.2, unit: "%", interp: "H", code: "4548-4"},
		{file: "lab_interp", kind: KindLab, date: "2022-06", prec: PrecisionMonth, title: "Potassium", text: "3.1 mmol/L",
			status: "final", value: 3.1, unit: "mmol/L", interp: "L"},
		{file: "lab_string", kind: KindLab, date: "2019", prec: PrecisionYear, title: "Strep test", text: "Negative", status: "final"},
		{file: "lab_concept", kind: KindLab, date: "2020-01-02T03:04:05.678Z", title: "600-7", text: "No growth", status: "final"},
		{file: "bp", kind: KindVital, date: "2023-01-15T10:00:00Z", title: "Blood pressure", text: "120/80 mmHg", status: "final",
			value: 120, unit: "mmHg", code: "85354-9"},
		{file: "weight", kind: KindVital, date: "2023-02-01", title: "Body weight", text: "72.5 kg", status: "final", value: 72.5, unit: "kg"},
		{file: "smoking", kind: KindSocial, date: "2020-05-05", title: "Tobacco smoking status", text: "Never smoker", status: "final"},
		{file: "condition", kind: KindCondition, date: "2018-05", prec: PrecisionMonth, title: "Diabetes mellitus type 2", status: "active", code: "44054006"},
		{file: "allergy", kind: KindAllergy, title: "Penicillin", text: "Hives, Swelling · severe · criticality high", status: "active"},
		{file: "medstatement", kind: KindMedication, date: "2018-06-01", title: "Metformin 500 MG Oral Tablet", text: "500 mg · twice a day",
			status: "active", code: "860975"},
		{file: "medrequest", kind: KindMedication, date: "2020-11-14T14:49:19Z", title: "Amoxicillin 250 mg", text: "1 capsule three times a day",
			status: "stopped", who: "Dr. Lee"},
		{file: "immunization", kind: KindImmunization, date: "2022-10-01", title: "Influenza, seasonal, injectable", text: "1 · AB123",
			status: "completed", code: "140"},
		{file: "procedure", kind: KindProcedure, date: "2010-07-01T08:00:00Z", title: "Appendectomy", status: "completed", who: "Dr. Smith"},
		{file: "report_lab", kind: KindReport, date: "2022-06-01", title: "Lipid panel", text: "Cholesterol", status: "final"},
		{file: "report_imaging", kind: KindImaging, date: "2021-12-12", title: "Chest X-ray", text: "No acute findings.", status: "final"},
		{file: "imagingstudy", kind: KindImaging, date: "2014-02-03T10:00:00Z", title: "Digital Radiography Chest", text: "Digital Radiography · Chest", status: "available"},
		{file: "docref_note", kind: KindClinicianNote, date: "2021-03-04T10:00:00Z", title: "Progress note", text: "Patient doing well.",
			status: "current", who: "Dr. Ana Gómez", code: "11506-3"},
		{file: "docref_pdf", kind: KindDocument, date: "2019-09-09T00:00:00Z", title: "Hospital discharge", text: "Discharge papers", status: "current"},
		{file: "composition", kind: KindDocument, date: "2020-12-11T14:30:00+01:00", title: "Patient Summary", text: "Active Problems, Medication",
			status: "final", who: "Beetje van Hulp"},
		{file: "careplan", kind: KindCarePlan, date: "2018-06-01", title: "Diabetes self management plan", text: "Diabetic diet", status: "active"},
		{file: "goal", kind: KindCarePlan, date: "2022-01-01", title: "HbA1c below 7%", status: "active"},
		{file: "practitioner", kind: KindCareTeam, title: "Dr. Shauna Lindgren", text: "555-0100"},
		{file: "practitionerrole", kind: KindCareTeam, title: "Dr. Ana Gómez", text: "Cardiology · 555-0101", who: "Clínica Norte"},
		{file: "organization", kind: KindCareTeam, title: "HEYWOOD HOSPITAL", text: "Healthcare Provider · 9786323420"},
		{file: "coverage", kind: KindInsurance, title: "Acme Health", text: "Gold PPO", status: "active", who: "Acme Health"},
		{file: "relatedperson", kind: KindEmergencyContact, title: "María López", text: "Sister · +34 600 000 000"},
		{file: "claim", kind: KindBilling, date: "2020-04-09T15:04:19Z", title: "Claim", status: "active"},
		{file: "unknown", kind: KindOther, title: "Basic"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p, err := Project(loadFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.kind || p.Title != tc.title || p.Text != tc.text || p.Status != tc.status || p.Who != tc.who {
				t.Errorf("got kind %q title %q text %q status %q who %q\nwant kind %q title %q text %q status %q who %q",
					p.Kind, p.Title, p.Text, p.Status, p.Who, tc.kind, tc.title, tc.text, tc.status, tc.who)
			}
			if tc.date != "" && !p.Date.Equal(day(tc.date)) || tc.date == "" && !p.Date.IsZero() {
				t.Errorf("date %v, want %q", p.Date, tc.date)
			}
			if p.DatePrecision != tc.prec {
				t.Errorf("precision %q, want %q", p.DatePrecision, tc.prec)
			}
			if tc.value != 0 && (p.Value == nil || *p.Value != tc.value || p.Unit != tc.unit) {
				t.Errorf("value %v %q, want %v %q", p.Value, p.Unit, tc.value, tc.unit)
			}
			if p.Interp != tc.interp {
				t.Errorf("interp %q, want %q", p.Interp, tc.interp)
			}
			if tc.code != "" && (len(p.Codes) == 0 || p.Codes[0].Code != tc.code) {
				t.Errorf("codes %v, want first %q", p.Codes, tc.code)
			}
		})
	}
}

func TestProjectRangesAndEnds(t *testing.T) {
	p, _ := Project(loadFixture(t, "lab"))
	if p.RefLow == nil || *p.RefLow != 4 || p.RefHigh == nil || *p.RefHigh != 5.6 {
		t.Errorf("range %v %v", p.RefLow, p.RefHigh)
	}
	p, _ = Project(loadFixture(t, "encounter"))
	if !p.End.Equal(day("2021-03-04T09:30:00-05:00")) {
		t.Errorf("end %v", p.End)
	}
}

func TestProjectPatient(t *testing.T) {
	r := loadFixture(t, "patient")
	if _, err := Project(r); !errors.Is(err, ErrPatientResource) {
		t.Fatalf("Project(Patient) = %v", err)
	}
	prof, err := ProfileFromPatient(r)
	if err != nil || prof.Name != "Jane Doe" || prof.BirthDate != "1980-02-03" || prof.Patient.ID != "p1" {
		t.Fatalf("ProfileFromPatient = %+v, %v", prof, err)
	}
}

func TestProjectBadInput(t *testing.T) {
	for _, in := range []string{``, `[]`, `null`, `"x"`, `{"resourceType":`, `{"resourceType":"Observation","secret":"Jane Doe"`} {
		_, err := Project(fhir.Resource{JSON: []byte(in)})
		if err == nil {
			t.Errorf("%q: no error", in)
			continue
		}
		if len(err.Error()) > 80 || containsAny(err.Error(), "Jane", "Observation") {
			t.Errorf("%q: error %q says too much", in, err)
		}
	}
	// Odd but valid JSON projects to something.
	for _, in := range []string{`{}`, `{"resourceType":7}`, `{"resourceType":"Observation","code":[1,2],"valueQuantity":"x","component":{}}`,
		`{"resourceType":"Observation","valueQuantity":{"value":1e400}}`, `{"resourceType":"Encounter","period":{"start":"2019-02-30"}}`} {
		if _, err := Project(fhir.Resource{JSON: []byte(in)}); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if len(x) > 0 && len(s) >= len(x) {
			for i := 0; i+len(x) <= len(s); i++ {
				if s[i:i+len(x)] == x {
					return true
				}
			}
		}
	}
	return false
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in, prec string
		ok       bool
		want     string
	}{
		{"2019", PrecisionYear, true, "2019-01-01T00:00:00Z"},
		{"2019-05", PrecisionMonth, true, "2019-05-01T00:00:00Z"},
		{"2019-05-31", "", true, "2019-05-31T00:00:00Z"},
		{"2019-05-31T10:30:00+02:00", "", true, "2019-05-31T08:30:00Z"},
		{"2019-05-31T10:30:00.123Z", "", true, "2019-05-31T10:30:00.123Z"},
		{"2019-05-31T10:30", "", true, "2019-05-31T10:30:00Z"},
		{"2019-13", "", false, ""},
		{"0000", "", false, ""},
		{"yesterday", "", false, ""},
		{"", "", false, ""},
	} {
		got, prec, ok := ParseDate(tc.in)
		if ok != tc.ok || ok && (prec != tc.prec || got.UTC().Format(time.RFC3339Nano) != tc.want) {
			t.Errorf("ParseDate(%q) = %v %q %v", tc.in, got, prec, ok)
		}
	}
}
