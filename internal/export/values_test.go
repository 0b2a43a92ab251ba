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
	for _, want := range []string{"125/75 mmHg", "124.6011107612412", "75.01937460923318", "165.06825365352302"} {
		if !strings.Contains(js, want) {
			t.Errorf("IPS lacks %q", want)
		}
	}
	if strings.Contains(js, "124.6011107612412 mmHg") || strings.Contains(js, "165.06825365352302 cm") {
		t.Error("IPS narrative shows a computed number whole")
	}
}
