package export

import (
	"bytes"
	"strings"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/i18n"
	"backpack/internal/record"
)

// Every text that comes from a record reaches summary.html escaped, in
// every place the page shows one: a name, details, a cell, a mark's row,
// a note's title. A NUL becomes U+FFFD.
func TestSummaryEscapesEverything(t *testing.T) {
	const evil = `<img src=x onerror="a('b')">&amp;` + "\x00"
	const safe = `&lt;img src=x onerror=&#34;a(&#39;b&#39;)&#34;&gt;&amp;amp;` + "\uFFFD"
	d := Data{Profiles: []record.Profile{{ID: "p", Name: "N" + evil, BirthDate: "B" + evil}}}
	add := func(kind record.Kind, typ string, pr record.Projection, json string) {
		id := string(kind)
		pr.Kind = kind
		d.Entries = append(d.Entries, record.Entry{ID: id, Profile: "p", Resource: fhir.Resource{Type: typ, ID: id, JSON: []byte(json)}, Projection: pr})
	}
	v := 9.0
	add(record.KindLab, "Observation", record.Projection{Title: "L" + evil, Value: &v, Unit: "U" + evil, Interp: "H"}, `{}`)
	add(record.KindCondition, "Condition", record.Projection{Title: "C" + evil, Text: "T" + evil}, `{}`)
	add(record.KindClinicianNote, "DocumentReference", record.Projection{Title: "D" + evil},
		`{"resourceType":"DocumentReference","text":{"status":"additional","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>kept</p></div>"}}`)
	d.Questions = append(d.Questions, record.Question{ID: "q", Profile: "p", Text: "Q" + evil})
	var b bytes.Buffer
	if err := HTMLSummary(&b, d, Selection{}, i18n.English); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	if strings.Contains(h, "<img") || strings.Contains(h, "\x00") {
		t.Fatalf("unescaped text in the summary:\n%s", h)
	}
	for _, want := range []string{"<h2>N" + safe + "</h2>", "B" + safe, "<td>L" + safe + "</td>", "U" + safe + ` <span class="mark">`,
		"<td>C" + safe + "</td>", "<td>T" + safe + "</td>", "<h4>D" + safe + "</h4><p>kept</p></div>", "<td>Q" + safe + "</td>"} {
		if !strings.Contains(h, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}
