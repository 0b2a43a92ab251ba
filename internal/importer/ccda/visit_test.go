package ccda

import (
	"strings"
	"testing"
)

// byCode finds the decoded resource of a type whose path has the value.
func byCode(t *testing.T, d Document, typ, path, want string) map[string]any {
	t.Helper()
	for _, m := range maps(t, d, typ) {
		if get(m, path) == want {
			return m
		}
	}
	t.Fatalf("no %s with %s = %s", typ, path, want)
	return nil
}

// A visit summary: the header visit is the Encounter its entries point to;
// its people are the care team; diagnoses of every section have their
// category; family history, equipment and assessments map; sections with
// no information are reported, not kept.
func TestVisitSummary(t *testing.T) {
	d := load(t, "visit.xml")
	count := map[string]int{}
	for _, r := range d.Resources {
		count[r.Type]++
	}
	for typ, n := range map[string]int{
		"Encounter": 1, "Practitioner": 2, "Organization": 1, "PractitionerRole": 2,
		"Condition": 6, "FamilyMemberHistory": 2, "DeviceUseStatement": 2, "Procedure": 1,
		"Observation": 1, "AllergyIntolerance": 1, "DocumentReference": 1,
	} {
		if count[typ] != n {
			t.Errorf("%d %s, want %d (all: %v)", count[typ], typ, n, count)
		}
	}

	// The visit: one Encounter (header and Encounters section agree on its id).
	enc := maps(t, d, "Encounter")[0]
	encRef := "Encounter/" + enc["id"].(string)
	for path, want := range map[string]string{
		"class.code":                         "AMB",
		"type.0.coding.0.code":               "99213", // completed from the Encounters section
		"period.start":                       "2024-04-10T14:00:00-05:00",
		"period.end":                         "2024-04-10T15:00:00-05:00",
		"location.0.location.display":        "Good Health Clinic, Room 4",
		"serviceProvider.display":            "Good Health Clinic",
		"participant.0.individual.display":   "Dr. Henry Seven",
		"participant.1.type.0.coding.0.code": "ATND",
		"participant.1.individual.display":   "Nora Nurse NP",
	} {
		if got := get(enc, path); got != want {
			t.Errorf("Encounter.%s = %q, want %q", path, got, want)
		}
	}
	if get(enc, "diagnosis.0.condition.reference") == "" {
		t.Errorf("visit has no diagnosis")
	}

	// Entries point to the visit when they are from it.
	old := byCode(t, d, "Condition", "code.coding.0.code", "195967001")      // asthma since 2010
	today := byCode(t, d, "Condition", "code.coding.0.code", "10509002")     // bronchitis, onset today
	discharge := byCode(t, d, "Condition", "code.coding.0.code", "34095006") // hospital discharge diagnosis
	preop := byCode(t, d, "Condition", "code.coding.0.code", "235919008")
	concern := byCode(t, d, "Condition", "code.text", "Worried about weight gain")
	for _, c := range []struct {
		m             map[string]any
		category, enc string
	}{
		{old, "problem-list-item", ""},
		{today, "problem-list-item", encRef},
		{discharge, "encounter-diagnosis", encRef},
		{preop, "encounter-diagnosis", encRef},
		{concern, "health-concern", encRef}, // undated: from this visit
	} {
		if got := get(c.m, "category.0.coding.0.code"); got != c.category {
			t.Errorf("%s: category %s, want %s", get(c.m, "code"), got, c.category)
		}
		if got := get(c.m, "encounter.reference"); got != c.enc {
			t.Errorf("%s: encounter %q, want %q", get(c.m, "code"), got, c.enc)
		}
	}
	if get(maps(t, d, "Observation")[0], "encounter.reference") != encRef {
		t.Errorf("mental status observation not linked to the visit")
	}
	if get(maps(t, d, "DocumentReference")[0], "context.encounter.0.reference") != encRef {
		t.Errorf("assessment note not linked to the visit")
	}

	// People: one Practitioner per person, their roles at the clinic.
	henry := byCode(t, d, "Practitioner", "identifier.0.value", "1111111111")
	if get(henry, "qualification.0.code.coding.0.display") != "Family Medicine" {
		t.Errorf("author qualification: %v", henry["qualification"])
	}
	org := maps(t, d, "Organization")[0]
	if get(org, "name") != "Good Health Clinic" || get(org, "address.0.city") != "Springfield" || get(org, "telecom.0.value") != "+1-555-555-2000" {
		t.Errorf("organization %v", org)
	}
	nora := byCode(t, d, "PractitionerRole", "practitioner.display", "Nora Nurse NP")
	if get(nora, "organization.display") != "Good Health Clinic" || get(nora, "code.0.coding.0.code") != "PCP" {
		t.Errorf("performer role %v", nora)
	}
	byCode(t, d, "PractitionerRole", "practitioner.display", "Dr. Henry Seven")

	// Family history: one per relative and condition; "no diabetes" is a
	// modifier, so no reader takes it as present.
	father := byCode(t, d, "FamilyMemberHistory", "relationship.coding.0.code", "FTH")
	for path, want := range map[string]string{
		"relationship.coding.0.system":   "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
		"condition.0.code.coding.0.code": "22298006",
		"condition.0.onsetAge.value":     "60",
		"condition.0.onsetAge.unit":      "years",
		"condition.0.contributedToDeath": "true",
		"deceasedBoolean":                "true",
		"sex.coding.0.code":              "male",
	} {
		if got := get(father, path); got != want {
			t.Errorf("father %s = %q, want %q", path, got, want)
		}
	}
	mother := byCode(t, d, "FamilyMemberHistory", "relationship.coding.0.code", "MTH")
	if get(mother, "condition.0.modifierExtension.0.url") != extNegated {
		t.Errorf("negated family history not marked: %v", mother["condition"])
	}

	// Equipment: the cane and the pacemaker (with its UDI), devices contained.
	cane := byCode(t, d, "DeviceUseStatement", "contained.0.type.coding.0.code", "87405001")
	if get(cane, "status") != "active" || get(cane, "timingDateTime") != "2023-01-05" || get(cane, "device.reference") != "#device" {
		t.Errorf("cane %v", cane)
	}
	pm := byCode(t, d, "DeviceUseStatement", "contained.0.type.coding.0.code", "14106009")
	if get(pm, "contained.0.udiCarrier.0.carrierHRF") != "(01)00643169007222(17)160128(21)BLC200461H" || get(pm, "status") != "active" {
		t.Errorf("pacemaker %v", pm)
	}

	// Mental status: an assessment observation.
	ms := maps(t, d, "Observation")[0]
	if get(ms, "category.0.coding.0.code") != "cognitive-status" {
		t.Errorf("mental status category %v", ms["category"])
	}

	// No known allergies is kept.
	if get(maps(t, d, "AllergyIntolerance")[0], "code.coding.0.code") != "716186003" {
		t.Errorf("no known allergies lost")
	}

	// The assessment's table (with a list inside) is kept as structure.
	div := get(maps(t, d, "DocumentReference")[0], "text.div")
	if !strings.Contains(div, "<table><thead><tr><th>Finding</th>") || !strings.Contains(div, "<ul><li>Rest</li><li>Fluids</li></ul>") {
		t.Errorf("assessment narrative %s", div)
	}

	// Advance directives (all "Unknown") and immunizations (nullFlavor NI)
	// say nothing: reported, not kept.
	for _, title := range []string{"Advance Directives", "Immunizations"} {
		for _, m := range maps(t, d, "DocumentReference") {
			if get(m, "description") == title {
				t.Errorf("%s kept as a note", title)
			}
		}
	}
	for _, where := range []string{"section[10]", "section[11]"} {
		if !hasProblem(d, ProblemSectionEmpty, where) {
			t.Errorf("%s not reported empty: %+v", where, d.Problems)
		}
	}
}
