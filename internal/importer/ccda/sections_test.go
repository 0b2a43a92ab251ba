package ccda

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// HL7's C-CDA examples (github.com/HL7/C-CDA-Examples), one folder per
// example under a folder per topic, each with a Readme saying what it
// shows. Most are a bare <section> (or <component>) without namespaces:
// wrapSample puts them in a document.
var sectionDirs = []string{"../../../../shared/corpus/ccda-sections", "../../../shared/corpus/ccda-sections"}

// topicTypes is what the structured entries of each topic's examples must
// yield (any one of the types).
var topicTypes = map[string][]string{
	"Allergies":                         {"AllergyIntolerance"},
	"Care_Team":                         {"CareTeam"},
	"Encounters":                        {"Encounter"},
	"Family_History":                    {"FamilyMemberHistory"},
	"Functional_Status":                 {"Observation"},
	"Goals":                             {"Goal"},
	"Health_Concerns":                   {"Condition"},
	"Immunizations":                     {"Immunization"},
	"Interventions":                     {"Procedure", "ServiceRequest"},
	"Medical_Equipment":                 {"DeviceUseStatement"},
	"Medications":                       {"MedicationStatement"},
	"Mental_Status":                     {"Observation"},
	"Notes":                             {"DocumentReference"},
	"Plan_of_Treatment":                 {"ServiceRequest", "CarePlan", "Goal"},
	"Problems":                          {"Condition"},
	"Procedures":                        {"Procedure"},
	"Referrals_-_Planned_and_Completed": {"ServiceRequest", "Encounter", "Procedure"},
	"Results":                           {"Observation"},
	"Social_History":                    {"Observation"},
	"Vital_Signs":                       {"Observation"},
}

// exampleTypes override topicTypes for examples filed under one topic
// that show another section.
var exampleTypes = map[string][]string{
	"Procedures/Procedure_Alternatives":      {"ServiceRequest"},    // a Plan of Treatment section
	"Medical_Equipment/No_Implanted_Devices": {"DocumentReference"}, // "no implants" stays in words
}

// placeholders are examples whose only entries say there is no
// information: they must yield nothing for their topic, and a problem.
var placeholders = map[string]bool{
	"Allergies/No_Section_Information_Allergies":         true,
	"Immunizations/No_Section_Information_Immunizations": true,
	"Immunizations/Unknown_Immunization_Status":          true,
	"General/No_Section_Information_Problems":            true,
	"Social_History/Unknown_if_Pregnant":                 true, // pregnancy status unknown (nullFlavor UNK)
}

// sectionCounts are counts checked by hand against the examples' XML.
var sectionCounts = map[string]map[string]int{
	"Allergies/No_Known_Allergies":                                                   {"AllergyIntolerance": 1},
	"Allergies/Allergy_to_specific_drug_Penicillin":                                  {"AllergyIntolerance": 1},
	"Encounters/Outpatient_Encounter_with_Diagnoses":                                 {"Encounter": 1, "Condition": 1},
	"Family_History/Normal_Family_History_Father_deceased-Mother_alive":              {"FamilyMemberHistory": 3},
	"Family_History/Family_History_Generic":                                          {"FamilyMemberHistory": 2},
	"Family_History/Family_History_two_individuals_same_relationship_to_the_patient": {"FamilyMemberHistory": 3},
	"Medical_Equipment/Non-Medicinal_Supply_-_Cane_and_Eyeglasses":                   {"DeviceUseStatement": 2},
	"Medical_Equipment/Multiple_Implants":                                            {"DeviceUseStatement": 2},
	"Health_Concerns/Health_Concerns_Link_to_Problems_Section":                       {"Condition": 2},
	"Problems/No_Known_Problems":                                                     {"Condition": 1},
	"Goals/SDOH_Goal":                                                                {"Goal": 1},
	"Care_Team/Care_Team_Structured_Entry":                                           {"CareTeam": 1, "PractitionerRole": 1},
	"Plan_of_Treatment/Planned_EKG":                                                  {"ServiceRequest": 1},
	"Mental_Status/Patient_Health_Questionnaire_PHQ-9":                               {"Observation": 1},
	"Social_History/Birth_Sex":                                                       {"Observation": 1},
	"Medications/No_Medications":                                                     {"MedicationStatement": 1},
}

func sampleDir(tb testing.TB) string {
	for _, d := range sectionDirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	tb.Skip("C-CDA section examples not present (shared/corpus/ccda-sections)")
	return ""
}

var xmlDecl = regexp.MustCompile(`^\s*(<\?xml[^>]*\?>)?`)

// wrapSample puts a bare section (or component) in a ClinicalDocument with
// the namespaces the examples assume; whole documents are left as they are.
func wrapSample(b []byte, topic string) []byte {
	s := xmlDecl.ReplaceAllString(string(b), "")
	if strings.Contains(s[:min(len(s), 4000)], "<ClinicalDocument") {
		return b
	}
	trim := strings.TrimSpace(s)
	for strings.HasPrefix(trim, "<!--") {
		if i := strings.Index(trim, "-->"); i >= 0 {
			trim = strings.TrimSpace(trim[i+3:])
		} else {
			break
		}
	}
	head := `<recordTarget><patientRole><id root="2.16.840.1.113883.19.5" extension="sample"/><patient><name><given>Sample</given><family>Patient</family></name></patient></patientRole></recordTarget>`
	body := s
	first := firstElem.FindStringSubmatch(trim)
	switch name := ""; {
	case first != nil && headerElems[first[1]]:
		name = first[1]
		if name == "recordTarget" {
			head = ""
		}
		head += s
		body = ""
	case first != nil && first[1] == "section":
		body = "<component>" + s + "</component>"
	case first != nil && first[1] != "component":
		// A bare clinical statement: in a section of its topic.
		body = `<component><section><code code="` + topic + `" codeSystem="2.16.840.1.113883.6.1"/><entry>` + s + `</entry></section></component>`
	}
	return []byte(`<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sdtc="urn:hl7-org:sdtc">` +
		head + `<component><structuredBody>` + body + `</structuredBody></component></ClinicalDocument>`)
}

var firstElem = regexp.MustCompile(`^<([A-Za-z]+)`)

var headerElems = map[string]bool{"recordTarget": true, "author": true, "custodian": true, "documentationOf": true,
	"componentOf": true, "legalAuthenticator": true, "participant": true, "informant": true}

// topicLOINC is the section code a bare statement of a topic is put in.
var topicLOINC = map[string]string{"Social_History": "29762-2"}

// TestSectionExamples converts every HL7 example: each one that holds
// structured entries yields the resources its topic is about.
func TestSectionExamples(t *testing.T) {
	dir := sampleDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.xml"))
	sort.Strings(files)
	if len(files) < 100 {
		t.Fatalf("only %d examples", len(files))
	}
	var table strings.Builder
	seen := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, filepath.Dir(f))
		rel = filepath.ToSlash(rel)
		topic := strings.SplitN(rel, "/", 2)[0]
		seen[rel] = true
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Convert(bytes.NewReader(wrapSample(raw, topicLOINC[topic])), Options{})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		checkResources(t, rel, d)
		n := map[string]int{}
		for _, r := range d.Resources {
			n[r.Type]++
		}
		var parts []string
		for k, v := range n {
			parts = append(parts, fmt.Sprintf("%s:%d", k, v))
		}
		sort.Strings(parts)
		fmt.Fprintf(&table, "%-90s %s\n", rel, strings.Join(parts, " "))

		want := topicTypes[topic]
		if w, ok := exampleTypes[rel]; ok {
			want = w
		}
		got := 0
		for _, typ := range want {
			got += n[typ]
		}
		entries := bytes.Count(raw, []byte("<entry"))
		switch {
		case placeholders[rel]:
			if got > 0 {
				t.Errorf("%s: a no-information example yielded %v", rel, parts)
			}
			if len(d.Problems) == 0 {
				t.Errorf("%s: no problem reported", rel)
			}
		case want != nil && entries > 0 && got == 0:
			t.Errorf("%s: %d entries but no %s (built %v; problems %+v)", rel, entries, strings.Join(want, "/"), parts, d.Problems)
		}
		if topic == "Header" && d.Patient == nil {
			t.Errorf("%s: no Patient", rel)
		}
		for typ, c := range sectionCounts[rel] {
			if n[typ] != c {
				t.Errorf("%s: %d %s, want %d", rel, n[typ], typ, c)
			}
		}
	}
	for rel := range sectionCounts {
		if !seen[rel] {
			t.Errorf("%s: not among the examples", rel)
		}
	}
	t.Log("\n" + table.String())
}
