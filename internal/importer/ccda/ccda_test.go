package ccda

import (
	"backpack/internal/record"
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// fixtures are embedded so the tests also run in the browser (wasm).
//
//go:embed testdata/*.xml
var fixtures embed.FS

func load(t *testing.T, name string) Document {
	t.Helper()
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Convert(bytes.NewReader(b), Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkResources(t, name, d)
	return d
}

// maps decodes every resource of a type.
func maps(t *testing.T, d Document, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range d.Resources {
		if r.Type == typ {
			var m map[string]any
			dec := json.NewDecoder(bytes.NewReader(r.JSON))
			dec.UseNumber() // keep decimals as written
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

// get follows a dotted path ("code.coding.0.system") through decoded JSON
// and returns the leaf formatted with %v ("" when absent).
func get(v any, path string) string {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	if v == nil {
		return ""
	}
	if _, ok := v.(map[string]any); ok {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return fmt.Sprint(v)
}

func hasProblem(d Document, code, whereSuffix string) bool {
	for _, p := range d.Problems {
		if p.Code == code && strings.HasSuffix(p.Where, whereSuffix) {
			return true
		}
	}
	return false
}

func TestCCD(t *testing.T) {
	d := load(t, "ccd.xml")
	if d.Title != "Test Continuity of Care Document" || d.Date != "2024-03-05T14:30:00-05:00" || d.Source != "Test Community Clinic" {
		t.Errorf("header: %q %q %q", d.Title, d.Date, d.Source)
	}
	if d.Patient == nil {
		t.Fatal("no patient")
	}
	p, _ := d.Patient.Map()
	patientRef := "Patient/" + d.Patient.ID
	for path, want := range map[string]string{
		"name.0.family":                          "Testperson",
		"name.0.given.1":                         "Q",
		"name.0.use":                             "official",
		"gender":                                 "female",
		"birthDate":                              "1980-02-15",
		"address.0.city":                         "Springfield",
		"address.0.use":                          "home",
		"telecom.0.value":                        "+1(555)555-0100",
		"telecom.1.system":                       "email",
		"identifier.0.system":                    "urn:oid:2.16.840.1.113883.19.5.99999.2",
		"identifier.0.value":                     "MRN-0001",
		"maritalStatus.text":                     "",
		"communication.0.language.coding.0.code": "en",
		"extension.0.extension.0.url":            "ombCategory",
		"extension.0.extension.1.url":            "detailed",
		"extension.0.extension.2.valueString":    "White, European",
		"extension.1.url":                        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
	} {
		if got := get(p, path); got != want {
			t.Errorf("Patient.%s = %q, want %q", path, got, want)
		}
	}

	want := map[string]int{
		"Condition": 3, "MedicationStatement": 1, "AllergyIntolerance": 1, "Immunization": 1,
		"DiagnosticReport": 1, "Observation": 5, "Procedure": 1, "Encounter": 1, "CarePlan": 1, "Goal": 1,
		"DocumentReference": 2, "Practitioner": 1, "ServiceRequest": 1,
	}
	got := map[string]int{}
	for _, r := range d.Resources {
		got[r.Type]++
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%d %s, want %d", got[k], k, v)
		}
	}

	cond := maps(t, d, "Condition")
	checks := []struct {
		v          any
		path, want string
	}{
		{cond[0], "code.coding.0.system", "http://snomed.info/sct"},
		{cond[0], "code.coding.0.code", "59621000"},
		{cond[0], "code.coding.1.system", "http://hl7.org/fhir/sid/icd-10-cm"},
		{cond[0], "code.coding.1.code", "I10"},
		{cond[0], "code.text", "Essential hypertension"},
		{cond[0], "clinicalStatus.coding.0.code", "active"},
		{cond[0], "onsetDateTime", "2019-06-12"},
		{cond[0], "subject.reference", patientRef},
		{cond[0], "category.0.coding.0.code", "problem-list-item"},
		{cond[1], "code.text", "Knee pain, left"},
		{cond[1], "code.coding", ""},
		{cond[1], "onsetDateTime", "2018-01"},
		{cond[1], "abatementDateTime", "2018-04-30"},
		{cond[1], "clinicalStatus.coding.0.code", "resolved"},
		{cond[2], "category.0.coding.0.code", "encounter-diagnosis"},
	}
	med := maps(t, d, "MedicationStatement")[0]
	alg := maps(t, d, "AllergyIntolerance")[0]
	imm := maps(t, d, "Immunization")[0]
	dr := maps(t, d, "DiagnosticReport")[0]
	obs := maps(t, d, "Observation")
	proc := maps(t, d, "Procedure")[0]
	enc := maps(t, d, "Encounter")[0]
	plan := maps(t, d, "CarePlan")[0]
	goal := maps(t, d, "Goal")[0]
	notes := maps(t, d, "DocumentReference")
	sr := maps(t, d, "ServiceRequest")[0]
	checks = append(checks, []struct {
		v          any
		path, want string
	}{
		{med, "medicationCodeableConcept.coding.0.system", "http://www.nlm.nih.gov/research/umls/rxnorm"},
		{med, "medicationCodeableConcept.coding.0.code", "314076"},
		{med, "medicationCodeableConcept.text", "Lisinopril 10 MG Oral Tablet"},
		{med, "status", "active"},
		{med, "effectiveDateTime", "2019-07-01"},
		{med, "dosage.0.text", "Take 1 tablet by mouth daily"},
		{med, "dosage.0.route.coding.0.system", "http://ncimeta.nci.nih.gov"},
		{med, "dosage.0.doseAndRate.0.doseQuantity.value", "1"},
		{med, "dosage.0.timing.repeat.period", "24"},
		{med, "dosage.0.timing.repeat.periodUnit", "h"},
		{alg, "code.coding.0.code", "7980"},
		{alg, "code.text", "Penicillin G"},
		{alg, "type", "allergy"},
		{alg, "category.0", "medication"},
		{alg, "reaction.0.manifestation.0.coding.0.code", "247472004"},
		{alg, "reaction.0.severity", "moderate"},
		{alg, "clinicalStatus.coding.0.code", "active"},
		{alg, "onsetDateTime", "2008"},
		{alg, "patient.reference", patientRef},
		{imm, "vaccineCode.coding.0.system", "http://hl7.org/fhir/sid/cvx"},
		{imm, "vaccineCode.coding.0.code", "140"},
		{imm, "status", "completed"},
		{imm, "occurrenceDateTime", "2023-10-01"},
		{imm, "lotNumber", "LOT-42"},
		{imm, "manufacturer.display", "Vaccine Maker Inc."},
		{imm, "doseQuantity.code", "mL"},
		{dr, "code.coding.0.code", "58410-2"},
		{dr, "status", "final"},
		{dr, "category.0.coding.0.code", "LAB"},
		{dr, "effectiveDateTime", "2024-03-01T08:30:00-05:00"},
		{dr, "result.0.reference", "Observation/" + obs[0]["id"].(string)},
		{dr, "result.1.reference", "Observation/" + obs[1]["id"].(string)},
		{obs[0], "category.0.coding.0.code", "laboratory"},
		{obs[0], "code.coding.0.system", "http://loinc.org"},
		{obs[0], "valueQuantity.value", "13.20"},
		{obs[0], "valueQuantity.system", "http://unitsofmeasure.org"},
		{obs[0], "valueQuantity.code", "g/dL"},
		{obs[0], "referenceRange.0.low.value", "12.0"},
		{obs[0], "referenceRange.0.high.value", "16.0"},
		{obs[0], "referenceRange.0.text", "12.0-16.0 g/dL"},
		{obs[0], "interpretation.0.coding.0.system", "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"},
		{obs[0], "status", "final"},
		{obs[1], "valueString", "Specimen slightly hemolyzed"},
		{obs[1], "interpretation.0.coding.0.system", "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"},
		{obs[1], "effectiveDateTime", "2024-03-01T08:30:00-05:00"}, // from the organizer
		{obs[2], "category.0.coding.0.code", "vital-signs"},
		{obs[2], "code.coding.0.code", "85354-9"}, // systolic and diastolic: one blood pressure panel
		{obs[2], "component.0.code.coding.0.code", "8480-6"},
		{obs[2], "component.0.valueQuantity.value", "128"},
		{obs[2], "component.1.code.coding.0.code", "8462-4"},
		{obs[2], "component.1.valueQuantity.code", "mm[Hg]"},
		{obs[2], "component.1.valueQuantity.unit", "mmHg"},
		{obs[2], "identifier.1.value", "urn:uuid:c6f88322-67ad-11db-bd13-0800200c9a66"}, // the diastolic's id is kept
		{obs[2], "effectiveDateTime", "2024-03-05"},
		{obs[3], "category.0.coding.0.code", "social-history"},
		{obs[3], "valueCodeableConcept.coding.0.code", "266919005"},
		{proc, "code.coding.0.code", "80146002"},
		{proc, "status", "completed"},
		{proc, "performedDateTime", "2010-05-12"},
		{enc, "status", "finished"},
		{enc, "class.code", "AMB"},
		{enc, "type.0.coding.0.system", "http://www.ama-assn.org/go/cpt"},
		{enc, "period.start", "2024-03-05T14:00:00-05:00"},
		{enc, "period.end", "2024-03-05T14:30:00-05:00"},
		{enc, "location.0.location.display", "Test Community Clinic"},
		{enc, "diagnosis.0.condition.reference", "Condition/" + cond[2]["id"].(string)},
		{plan, "intent", "plan"},
		{plan, "activity.0.reference.reference", "ServiceRequest/" + sr["id"].(string)},
		{sr, "code.coding.0.code", "185389009"},
		{sr, "status", "active"},
		{sr, "intent", "plan"},
		{sr, "category.0.coding.0.code", "3457005"},
		{sr, "occurrenceDateTime", "2024-06-05"},
		{plan, "goal.0.reference", "Goal/" + goal["id"].(string)},
		{goal, "lifecycleStatus", "active"},
		{goal, "target.0.detailRange.high.value", "130"},
		{goal, "target.0.measure.coding.0.code", "8480-6"},
		{goal, "startDate", "2024-03-05"},
		{notes[0], "type.coding.0.code", "51848-0"},
		{notes[0], "description", "Assessment"},
		{notes[0], "status", "current"},
		{notes[0], "category.0.coding.0.code", "clinical-note"},
		{notes[0], "content.0.attachment.contentType", "text/plain; charset=utf-8"},
		{notes[0], "content.1", ""},
		{notes[0], "text.status", "additional"},
		{notes[0], "date", "2024-03-05T14:30:00-05:00"}, // the document date is precise: an instant
		{notes[0], "context.period.start", "2024-03-05T14:30:00-05:00"},
		{notes[1], "type.coding.1.code", "11506-3"},
	}...)
	for _, c := range checks {
		if got := get(c.v, c.path); got != c.want {
			t.Errorf("%s.%s = %q, want %q", get(c.v, "resourceType"), c.path, got, c.want)
		}
	}
	if !strings.Contains(get(plan, "text.div"), "Recheck blood pressure") {
		t.Errorf("CarePlan narrative missing")
	}

	// Note contents: the narrative as plain text, and its structure as the
	// resource's narrative (safe XHTML).
	plain, _ := base64.StdEncoding.DecodeString(get(notes[0], "content.0.attachment.data"))
	if string(plain) != "Hypertension well controlled ." {
		t.Errorf("plain note = %q", plain)
	}
	if !strings.Contains(get(notes[0], "text.div"), "<p>Hypertension <b>well controlled</b>.</p>") {
		t.Errorf("note narrative = %q", get(notes[0], "text.div"))
	}
	activity, _ := base64.StdEncoding.DecodeString(get(notes[1], "content.0.attachment.data"))
	if string(activity) != "Patient doing well; continue current plan." {
		t.Errorf("note activity = %q", activity)
	}

	// Every section maps: nothing to report.
	if len(d.Problems) != 0 {
		t.Errorf("problems: %+v", d.Problems)
	}
}

func TestLoose(t *testing.T) {
	d := load(t, "loose.xml")
	if d.Source != "Loose Vendor Hospital" {
		t.Errorf("source %q", d.Source)
	}
	p, _ := d.Patient.Map()
	if get(p, "name.0.text") != "Bob Unstructured" || get(p, "birthDate") != "1970" || get(p, "gender") != "" {
		t.Errorf("patient %v", p)
	}
	if get(p, "extension.0.extension.0.valueCoding.code") != "ASKU" {
		t.Errorf("race %v", p["extension"])
	}
	cond := maps(t, d, "Condition")
	if len(cond) != 2 {
		t.Fatalf("%d conditions", len(cond))
	}
	// Translation-only code, text from the narrative (with &nbsp;).
	if get(cond[0], "code.coding.0.code") != "E11.9" || get(cond[0], "code.text") != "Type 2 diabetes mellitus" {
		t.Errorf("condition 0: %v", cond[0]["code"])
	}
	if get(cond[0], "onsetDateTime") != "" || !hasProblem(d, ProblemDateInvalid, "entryRelationship[1]/observation/effectiveTime/low") {
		t.Errorf("bad date not reported")
	}
	// The problem filed in the immunizations section.
	if get(cond[1], "code.coding.0.code") != "195967001" {
		t.Errorf("misfiled problem: %v", cond[1]["code"])
	}
	alg := maps(t, d, "AllergyIntolerance")
	if len(alg) != 1 || get(alg[0], "code.coding.0.code") != "716186003" || get(alg[0], "verificationStatus.coding.0.code") != "confirmed" {
		t.Errorf("no-known-allergy: %v", alg)
	}
	obs := maps(t, d, "Observation")
	if len(obs) != 2 {
		t.Fatalf("%d observations", len(obs))
	}
	if get(obs[0], "valueString") != "pending mg/dL" || !hasProblem(d, ProblemValueInvalid, "observation/value") {
		t.Errorf("non-numeric PQ: %v", obs[0])
	}
	if get(obs[1], "valueQuantity.value") != "80.0" || get(obs[1], "effectiveDateTime") != "2024-01-02T10:15:00" ||
		get(obs[1], "category.0.coding.0.code") != "vital-signs" {
		t.Errorf("prefixed xsi:type: %v", obs[1])
	}
	notes := maps(t, d, "DocumentReference")
	var titles []string
	for _, n := range notes {
		titles = append(titles, get(n, "description"))
	}
	// Narrative-only medications, the unknown vendor section and its nested
	// family history are kept; the immunizations section mapped its
	// (misfiled) entry, so its narrative is not repeated as a note.
	if strings.Join(titles, ",") != "Medications,Vendor Extras,Family history" {
		t.Errorf("notes %v", titles)
	}
	plain, _ := base64.StdEncoding.DecodeString(get(notes[0], "content.0.attachment.data"))
	if string(plain) != "- Metformin 500 mg twice daily\n- Aspirin 81 mg daily" {
		t.Errorf("med note %q", plain)
	}
	for _, c := range []struct{ code, where string }{
		{ProblemSectionNote, "section[2]"},
		{ProblemSectionEmpty, "section[7]"},
		{ProblemSectionNote, "section[8]"},
		{ProblemSectionNote, "section[8]/section[1]"},
	} {
		if !hasProblem(d, c.code, c.where) {
			t.Errorf("missing problem %s at %s: %+v", c.code, c.where, d.Problems)
		}
	}
	// The document has no id: ids come from a hash of its bytes, and
	// resources without <id> from their path.
	if d.Patient.ID == "" {
		t.Error("patient id")
	}
}

func TestErrors(t *testing.T) {
	bomb, err := fixtures.ReadFile("testdata/doctype-entities.xml")
	if err != nil {
		t.Fatal(err)
	}
	deep := "<ClinicalDocument>" + strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300) + "</ClinicalDocument>"
	for _, c := range []struct {
		name string
		in   string
		max  int64
		want error
		code string
	}{
		{"entity bomb", string(bomb), 0, ErrDoctype, "ccda-doctype"},
		{"not xml", "{\"resourceType\":\"Patient\"}", 0, ErrNotXML, "ccda-not-xml"},
		{"empty", "", 0, ErrNotXML, "ccda-not-xml"},
		{"truncated", "<ClinicalDocument><title>x", 0, ErrNotXML, "ccda-not-xml"},
		{"other xml", "<html><body/></html>", 0, ErrNotCDA, "ccda-not-cda"},
		{"too deep", deep, 0, ErrTooDeep, "ccda-too-deep"},
		{"too large", "<ClinicalDocument>" + strings.Repeat(" ", 100) + "</ClinicalDocument>", 50, ErrTooLarge, "ccda-too-large"},
		{"undefined entity", "<ClinicalDocument>&xxe;</ClinicalDocument>", 0, ErrNotXML, "ccda-not-xml"},
	} {
		_, err := Convert(strings.NewReader(c.in), Options{MaxBytes: c.max})
		if !errors.Is(err, c.want) || ErrorCode(err) != c.code {
			t.Errorf("%s: got %v (%q), want %v", c.name, err, ErrorCode(err), c.want)
		}
		if err != nil && strings.Contains(err.Error(), "lol") {
			t.Errorf("%s: error leaks content: %v", c.name, err)
		}
	}
	// Exactly at the limit is fine; a plain DOCTYPE without entities too.
	doc := `<!DOCTYPE ClinicalDocument><ClinicalDocument xmlns="urn:hl7-org:v3"><title>t</title></ClinicalDocument>`
	if _, err := Convert(strings.NewReader(doc), Options{MaxBytes: int64(len(doc))}); err != nil {
		t.Errorf("at limit: %v", err)
	}
}

// Many character-data runs split by comments must not be quadratic.
func TestManyTextRuns(t *testing.T) {
	doc := "<ClinicalDocument><title>" + strings.Repeat("a<!---->", 200000) + "</title></ClinicalDocument>"
	d, err := Convert(strings.NewReader(doc), Options{})
	if err != nil || len(d.Title) != 200000 {
		t.Fatalf("%d %v", len(d.Title), err)
	}
}

func TestMinimalDocument(t *testing.T) {
	d, err := Convert(strings.NewReader(`<ClinicalDocument xmlns="urn:hl7-org:v3"/>`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Patient != nil || len(d.Resources) != 0 || !hasProblem(d, ProblemPatientMissing, "recordTarget") || !hasProblem(d, ProblemBodyUnreadable, "component") {
		t.Errorf("%+v", d)
	}
}

func TestNonXMLBody(t *testing.T) {
	doc := `<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2.3" extension="x"/><title>Scan</title>
<recordTarget><patientRole><patient><name><given>A</given><family>B</family></name></patient></patientRole></recordTarget>
<component><nonXMLBody><text mediaType="application/pdf" representation="B64">JVBER
i0xLjQK</text></nonXMLBody></component></ClinicalDocument>`
	d, err := Convert(strings.NewReader(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	notes := maps(t, d, "DocumentReference")
	if len(notes) != 1 || get(notes[0], "content.0.attachment.contentType") != "application/pdf" || get(notes[0], "content.0.attachment.data") != "" {
		t.Fatalf("%v", notes)
	}
	// The PDF is decoded into a file the attachment points at.
	if len(d.Files) != 1 || string(d.Files[0].Data) != "%PDF-1.4\n" || d.Files[0].Resource != "DocumentReference/"+get(notes[0], "id") ||
		get(notes[0], "content.0.attachment.url") != record.FileURL(d.Files[0].SHA256) || get(notes[0], "content.0.attachment.size") != "9" {
		t.Errorf("files %+v, attachment %v", d.Files, notes[0]["content"])
	}
}

func TestLatin1(t *testing.T) {
	doc := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Resumen cl\xednico</title></ClinicalDocument>")
	d, err := Convert(bytes.NewReader(doc), Options{})
	if err != nil || d.Title != "Resumen clínico" {
		t.Errorf("%q %v", d.Title, err)
	}
	// UTF-16 with a byte order mark.
	u := []byte{0xFF, 0xFE}
	for _, r := range `<?xml version="1.0" encoding="UTF-16"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>ñ</title></ClinicalDocument>` {
		u = append(u, byte(r), byte(r>>8))
	}
	d, err = Convert(bytes.NewReader(u), Options{})
	if err != nil || d.Title != "ñ" {
		t.Errorf("utf-16: %q %v", d.Title, err)
	}
}

func TestDeterministicIDs(t *testing.T) {
	b, _ := fixtures.ReadFile("testdata/ccd.xml")
	d1, _ := Convert(bytes.NewReader(b), Options{})
	d2, _ := Convert(bytes.NewReader(b), Options{})
	if len(d1.Resources) != len(d2.Resources) || d1.Patient.ID != d2.Patient.ID {
		t.Fatal("different results")
	}
	for i := range d1.Resources {
		if d1.Resources[i].ID != d2.Resources[i].ID || !bytes.Equal(d1.Resources[i].JSON, d2.Resources[i].JSON) {
			t.Errorf("resource %d differs between runs", i)
		}
	}
	// Another document (another id) gives other resource ids, but the same
	// patient identifier gives the same Patient.
	other := bytes.Replace(b, []byte(`extension="TEST-CCD-1"`), []byte(`extension="TEST-CCD-2"`), 1)
	d3, _ := Convert(bytes.NewReader(other), Options{})
	if d3.Patient.ID != d1.Patient.ID {
		t.Error("patient id depends on the document")
	}
	if d3.Resources[1].ID == d1.Resources[1].ID {
		t.Error("resource ids do not depend on the document")
	}
}

func TestFhirDate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2012", "2012"},
		{"201208", "2012-08"},
		{"20120806", "2012-08-06"},
		{"2012080615", "2012-08-06T15:00:00"},
		{"201208061530-0500", "2012-08-06T15:30:00-05:00"},
		{"20120806153045+0130", "2012-08-06T15:30:45+01:30"},
		{"20120806153045.123-0800", "2012-08-06T15:30:45.123-08:00"},
		{"20120806240000", "2012-08-06T23:59:59"},
		{"20120800", "2012-08"},
		{"20120000", "2012"},
		{"20120230", ""},
		{"20240229", "2024-02-29"},
		{"20230229", ""},
		{"2012-08-06", ""},
		{"20121306", ""},
		{"0000", ""},
		{"", ""},
		{"201208061530-2500", ""},
	} {
		got, ok := fhirDate(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("fhirDate(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"5.40", "5.40"}, {".5", "0.5"}, {"5.", "5"}, {"+7", "7"}, {"007", "7"}, {"-0.0", "0.0"},
		{"-3.2", "-3.2"}, {"1e3", "1e3"}, {"1,234", ""}, {"abc", ""}, {"", ""}, {"1.2.3", ""},
	} {
		got, ok := decimal(c.in)
		if string(got) != c.want || ok != (c.want != "") {
			t.Errorf("decimal(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestSystemURI(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2.16.840.1.113883.6.1", "http://loinc.org"},
		{"2.16.840.1.113883.6.96", "http://snomed.info/sct"},
		{"2.16.840.1.113883.6.88", "http://www.nlm.nih.gov/research/umls/rxnorm"},
		{"2.16.840.1.113883.12.292", "http://hl7.org/fhir/sid/cvx"},
		{"2.16.840.1.113883.6.90", "http://hl7.org/fhir/sid/icd-10-cm"},
		{"1.2.3.4", "urn:oid:1.2.3.4"},
		{"9A6D1BAC-17D3-4195-89A4-1121BC809A5A", "urn:uuid:9a6d1bac-17d3-4195-89a4-1121bc809a5a"},
		{"not an oid", ""},
		{"", ""},
	} {
		if got := systemURI(c.in); got != c.want {
			t.Errorf("systemURI(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// wrapSection wraps one section's inner XML in a minimal document.
func wrapSection(inner string) string {
	return `<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><id root="1.2.3" extension="snip"/>` +
		`<recordTarget><patientRole><patient><name><family>T</family></name></patient></patientRole></recordTarget>` +
		`<component><structuredBody><component><section>` + inner + `</section></component></structuredBody></component></ClinicalDocument>`
}

func TestSnippets(t *testing.T) {
	for _, c := range []struct {
		name    string
		inner   string
		types   string // resource types built, in order
		problem string // a problem code expected at section[1]...
	}{
		{"nka without negation", `<code code="48765-2"/><text>No known allergies</text><entry><act><entryRelationship typeCode="SUBJ"><observation>
			<code code="ASSERTION"/><value xsi:type="CD" code="419199007" codeSystem="2.16.840.1.113883.6.96"/>
			<participant typeCode="CSM"><participantRole><playingEntity><code nullFlavor="NA"/></playingEntity></participantRole></participant>
			</observation></entryRelationship></act></entry>`, "AllergyIntolerance", ""},
		{"no known problems placeholder", `<code code="11450-4"/><text>No known problems</text><entry><act><code code="CONC"/><entryRelationship typeCode="SUBJ">
			<observation negationInd="true"><code nullFlavor="UNK"/><value xsi:type="CD" code="55607006" codeSystem="2.16.840.1.113883.6.96"/></observation>
			</entryRelationship></act></entry>`, "Condition", ""},
		{"unknown statement", `<code code="10160-0"/><text>Aspirin</text><entry><foo/></entry>`, "DocumentReference", ProblemEntrySkipped},
		{"empty section", `<code code="10160-0"/><text/>`, "", ProblemSectionEmpty},
		{"no-information section", `<code code="10160-0"/><text>No information</text>`, "", ProblemSectionEmpty},
		{"no-information table", `<code code="10160-0"/><text><table><thead><tr><th>Directive</th><th>Yes / No</th></tr></thead><tbody><tr><td>Unknown</td><td/></tr></tbody></table></text>`, "", ProblemSectionEmpty},
		{"narrative-only section", `<code code="10160-0"/><text>Aspirin daily</text>`, "DocumentReference", ProblemSectionNote},
		{"no-information entries, real narrative", `<code code="42348-3"/><text><paragraph>Do not resuscitate</paragraph></text><entry><observation><code nullFlavor="NI"/><value nullFlavor="UNK"/></observation></entry>`, "DocumentReference", ProblemSectionNote},
		{"placeholder entries and no-information narrative", `<code code="11450-4"/><text><table><tbody><tr><td>No information</td></tr></tbody></table></text><entry><act><code code="CONC"/><entryRelationship><observation><code nullFlavor="UNK"/><value nullFlavor="NI"/></observation></entryRelationship></act></entry>`, "", ProblemEntryEmpty},
		{"no known allergies kept", `<code code="48765-2"/><text>No known allergies</text><entry><act><code code="CONC"/><entryRelationship><observation negationInd="true"><value code="419199007" codeSystem="2.16.840.1.113883.6.96"/><participant><participantRole><playingEntity><code nullFlavor="NA"/></playingEntity></participantRole></participant></observation></entryRelationship></act></entry>`, "AllergyIntolerance", ""},
		{"no known medications", `<code code="10160-0"/><text>No medications</text><entry><substanceAdministration negationInd="true"><consumable><manufacturedProduct><manufacturedMaterial><code nullFlavor="OTH"><translation code="410942007" codeSystem="2.16.840.1.113883.6.96"/></code></manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>`, "MedicationStatement", ""},
		{"template fallback to LOINC", `<templateId root="9.9.9"/><code code="47519-4"/><text>x</text><entry><procedure moodCode="EVN"><code code="80146002" codeSystem="2.16.840.1.113883.6.96"/></procedure></entry>`, "Procedure", ""},
		{"result without organizer", `<code code="30954-2"/><entry><observation><code code="2345-7" codeSystem="2.16.840.1.113883.6.1"/><value xsi:type="PQ" value="&lt;5" unit="mg/dL"/></observation></entry>`, "Observation", ""},
		{"medication wrapped in an act", `<code code="10183-2"/><entry><act><entryRelationship><substanceAdministration><consumable><manufacturedProduct><manufacturedMaterial><code code="1191" codeSystem="2.16.840.1.113883.6.88"/></manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entryRelationship></act></entry>`, "MedicationStatement", ""},
	} {
		d, err := Convert(strings.NewReader(wrapSection(c.inner)), Options{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var types []string
		for _, r := range d.Resources {
			types = append(types, r.Type)
		}
		if strings.Join(types, ",") != c.types {
			t.Errorf("%s: built %v, want %s", c.name, types, c.types)
		}
		if c.problem != "" && !hasProblem(d, c.problem, "") {
			t.Errorf("%s: no %s problem in %+v", c.name, c.problem, d.Problems)
		}
		if c.name == "nka without negation" {
			if m := maps(t, d, "AllergyIntolerance")[0]; get(m, "code.coding.0.code") != "716186003" {
				t.Errorf("nka: %v", m["code"])
			}
		}
		if c.name == "result without organizer" {
			if m := maps(t, d, "Observation")[0]; get(m, "valueQuantity.comparator") != "<" || get(m, "valueQuantity.value") != "5" {
				t.Errorf("comparator: %v", m["valueQuantity"])
			}
		}
	}
}
