package export

import (
	"bytes"
	"strings"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/i18n"
	"backpack/internal/record"
)

// A document's note shows in summary.html as the tables and lists it has,
// with nothing of the file's markup, and a person is listed once in the
// care team.
func TestSummaryNarrativeAndCareTeam(t *testing.T) {
	note := `{"resourceType":"DocumentReference","id":"n1","status":"current",` +
		`"text":{"status":"additional","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><table><tbody><tr><td>Directive</td><td>Do not resuscitate</td></tr></tbody></table><script>alert(1)</script><p style=\"x\"><a href=\"https://evil.example\">link text</a></p></div>"},` +
		`"content":[{"attachment":{"contentType":"text/plain","data":"RGlyZWN0aXZl"}}]}`
	d := Data{Profiles: []record.Profile{{ID: "p1", Name: "Ann"}}}
	add := func(id string, kind record.Kind, typ, title, who, json string) {
		d.Entries = append(d.Entries, record.Entry{ID: id, Profile: "p1", Resource: fhir.Resource{Type: typ, ID: id, JSON: []byte(json)},
			Projection: record.Projection{Kind: kind, Title: title, Who: who}})
	}
	add("n1", record.KindClinicianNote, "DocumentReference", "Advance directives", "", note)
	add("c1", record.KindCareTeam, "Practitioner", "Henry Seven", "", `{"resourceType":"Practitioner"}`)
	add("c2", record.KindCareTeam, "PractitionerRole", "Henry Seven", "Good Health Clinic", `{"resourceType":"PractitionerRole"}`)
	var b bytes.Buffer
	if err := HTMLSummary(&b, d, Selection{}, i18n.English); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	if !strings.Contains(h, "<table><tbody><tr><td>Directive</td><td>Do not resuscitate</td></tr></tbody></table>") {
		t.Errorf("narrative table missing:\n%s", h)
	}
	for _, bad := range []string{"alert(1)", "evil.example", `style="x"`} {
		if strings.Contains(h, bad) {
			t.Errorf("%q from the file reached the summary", bad)
		}
	}
	if !strings.Contains(h, "<p>link text</p>") {
		t.Errorf("link text missing")
	}
	if n := strings.Count(h, "Henry Seven"); n != 1 {
		t.Errorf("Henry Seven listed %d times", n)
	}
}
