package export

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/i18n"
	"backpack/internal/record"
)

// summary.html and the IPS narrative show results by record's one rule:
// blood pressure as a pair, computed numbers rounded, source flags in
// words, rows with no value left out; the IPS keeps the exact values.
func TestSummaryValues(t *testing.T) {
	d := Data{Profiles: []record.Profile{{ID: "p1", Name: "Ana", Relationship: "self"}}}
	for i, name := range []string{"bp-computed.json", "height-computed.json", "lab-lx.json", "lab-novalue.json", "lab-comparator.json"} {
		b, err := os.ReadFile(filepath.Join("..", "record", "testdata", "values", name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := fhir.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		p, err := record.Project(r)
		if err != nil {
			t.Fatal(err)
		}
		d.Entries = append(d.Entries, record.Entry{ID: name, Profile: "p1", Resource: r, Projection: p,
			Created: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)})
	}
	var b bytes.Buffer
	if err := HTMLSummary(&b, d, Selection{}, i18n.English); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	for _, want := range []string{"125/75 mmHg", "165.1 cm", "123 10*9/L", "150–350 10*9/L", `<span class="mark">Low</span>`, "&lt; 0.5 mg/L"} {
		if !strings.Contains(h, want) {
			t.Errorf("summary.html lacks %q", want)
		}
	}
	for _, bad := range []string{"124.6", "165.068", "Urea nitrogen"} {
		if strings.Contains(h, bad) {
			t.Errorf("summary.html shows %q", bad)
		}
	}
	ips, err := IPS(d, "p1", time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	js := string(ips.JSON)
	for _, want := range []string{"125/75 mmHg", "124.6011107612412", "75.01937460923318", "165.06825365352302", "Urea nitrogen, Serum — no value given"} {
		if !strings.Contains(js, want) {
			t.Errorf("IPS lacks %q", want)
		}
	}
	if strings.Contains(js, "124.6011107612412 mmHg") || strings.Contains(js, "165.06825365352302 cm") {
		t.Error("IPS narrative shows a computed number whole")
	}
}

// An export made before pairs and comparators were projected restores with
// both, read from the text its value made.
func TestRestoreOlderProjection(t *testing.T) {
	const v = `{"backpack":"export","version":1,"created":"2024-05-06T07:08:09Z","counts":{"profiles":0,"entries":2,"files":0,"questions":0}}
{"entry":{"id":"bp","profile":"p1","kind":"vital","title":"Blood Pressure","text":"118.51/85.45 mmHg","value":118.50735146589886,"unit":"mmHg","created":"2024-05-06T07:08:09Z","updated":"2024-05-06T07:08:09Z"}}
{"entry":{"id":"crp","profile":"p1","kind":"lab","title":"CRP","text":"< 5.4 mg/L","value":5.4,"unit":"mg/L","created":"2024-05-06T07:08:09Z","updated":"2024-05-06T07:08:09Z"}}
`
	var a Archive
	if err := readVault(strings.NewReader(v), &a, map[string]*record.FileInfo{}); err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Entries) != 2 {
		t.Fatalf("%d entries", len(a.Data.Entries))
	}
	if got := a.Data.Entries[0].ValueText(); got != "119/85 mmHg" {
		t.Errorf("blood pressure restores as %q", got)
	}
	if got := a.Data.Entries[1].ValueText(); got != "< 5.4 mg/L" {
		t.Errorf("comparator lost: %q", got)
	}
}
