package ccda

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"backpack/internal/fhir"
)

// The corpus lives in shared/, beside the repository checkout (and, for
// layouts that put shared/ inside it, one level up).
var corpusDirs = []string{"../../../../shared/corpus/ccda", "../../../shared/corpus/ccda"}

func corpusFiles(tb testing.TB) []string {
	var files []string
	for _, d := range corpusDirs {
		if files, _ = filepath.Glob(filepath.Join(d, "*.xml")); len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		tb.Skip("C-CDA corpus not present (shared/corpus/ccda)")
	}
	sort.Strings(files)
	return files
}

// counts tallies resources by type (and Observation by category).
func counts(d Document) map[string]int {
	n := map[string]int{}
	for _, r := range d.Resources {
		k := r.Type
		if k == "Observation" || k == "Condition" {
			var o struct {
				Category []struct {
					Coding []struct{ Code string }
				}
			}
			_ = json.Unmarshal(r.JSON, &o)
			if len(o.Category) > 0 && len(o.Category[0].Coding) > 0 {
				k = k[:3] + ":" + o.Category[0].Coding[0].Code
			}
		}
		n[k]++
	}
	return n
}

var tableCols = []struct{ key, head string }{
	{"Con:problem-list-item", "Prob"}, {"Con:encounter-diagnosis", "EncDx"}, {"MedicationStatement", "Med"}, {"AllergyIntolerance", "Allg"},
	{"Immunization", "Imm"}, {"DiagnosticReport", "DxR"}, {"Obs:laboratory", "Lab"},
	{"Obs:vital-signs", "Vital"}, {"Obs:social-history", "Soc"}, {"Procedure", "Proc"},
	{"Encounter", "Enc"}, {"CarePlan", "Plan"}, {"Goal", "Goal"}, {"DocumentReference", "Note"},
	{"Practitioner", "Prac"}, {"Organization", "Org"}, {"PractitionerRole", "Role"},
}

// TestCorpus converts every real vendor document of the shared corpus.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	var table strings.Builder
	fmt.Fprintf(&table, "%-30s", "file")
	for _, c := range tableCols {
		fmt.Fprintf(&table, "%6s", c.head)
	}
	fmt.Fprintf(&table, "%6s%6s%6s\n", "warn", "info", "total")
	got := map[string]map[string]int{}
	for _, f := range files {
		name := filepath.Base(f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Convert(bytes.NewReader(b), Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d.Patient == nil {
			t.Errorf("%s: no Patient", name)
		} else {
			var p struct{ Name []map[string]any }
			_ = json.Unmarshal(d.Patient.JSON, &p)
			if len(p.Name) == 0 {
				t.Errorf("%s: Patient without a name", name)
			}
		}
		if d.Title == "" || d.Date == "" {
			t.Errorf("%s: title or date missing", name)
		}
		checkResources(t, name, d)
		n := counts(d)
		got[name] = n
		fmt.Fprintf(&table, "%-30s", strings.TrimSuffix(name, ".xml"))
		for _, c := range tableCols {
			fmt.Fprintf(&table, "%6d", n[c.key])
		}
		var warn, info int
		for _, p := range d.Problems {
			switch p.Severity {
			case "warning", "error":
				warn++
			default:
				info++
			}
		}
		fmt.Fprintf(&table, "%6d%6d%6d\n", warn, info, len(d.Resources))
	}
	t.Log("\n" + table.String())

	// Counts checked by hand against the XML: one resource per entry
	// (problem and allergy observations, medication and immunization
	// entries, result and vital sign observations).
	for name, want := range corpusCounts {
		n, ok := got[name]
		if !ok {
			t.Errorf("%s: missing from the corpus", name)
			continue
		}
		for k, v := range want {
			if n[k] != v {
				t.Errorf("%s: %d %s, want %d", name, n[k], k, v)
			}
		}
	}
	// Every document yields at least a few records.
	for name, n := range got {
		total := 0
		for _, v := range n {
			total += v
		}
		if total < 10 {
			t.Errorf("%s: only %d resources", name, total)
		}
	}
}

// corpusCounts are per-document counts verified by reading the XML. A
// systolic and a diastolic observation of one reading count once: they
// become one blood pressure panel.
var corpusCounts = map[string]map[string]int{
	"HL7-CCD-1.xml":           {"Con:problem-list-item": 4, "MedicationStatement": 2, "AllergyIntolerance": 2, "Immunization": 5, "Obs:laboratory": 6, "Obs:vital-signs": 6},
	"Practice-Fusion.xml":     {"Con:problem-list-item": 5, "MedicationStatement": 3, "AllergyIntolerance": 2, "Immunization": 3, "Obs:laboratory": 7, "Obs:vital-signs": 9},
	"Meditech-Magic.xml":      {"Con:problem-list-item": 8, "MedicationStatement": 12, "AllergyIntolerance": 2, "Immunization": 3, "Obs:laboratory": 11, "Obs:vital-signs": 8},
	"YourCareUniverse.xml":    {"Con:problem-list-item": 6, "MedicationStatement": 12, "AllergyIntolerance": 2, "Immunization": 3, "Obs:laboratory": 11, "Obs:vital-signs": 7},
	"Henry-Schein.xml":        {"Con:problem-list-item": 6, "MedicationStatement": 3, "AllergyIntolerance": 3, "Immunization": 3, "Obs:laboratory": 9, "Obs:vital-signs": 7},
	"Bizmatics-PrognoCIS.xml": {"Con:problem-list-item": 5, "MedicationStatement": 4, "AllergyIntolerance": 2, "Immunization": 3, "Obs:laboratory": 7, "Obs:vital-signs": 8},
}

// checkResources applies the invariants every converted resource must meet.
func checkResources(t *testing.T, name string, d Document) {
	t.Helper()
	seen := map[string]bool{}
	all := d.Resources
	if d.Patient != nil {
		all = append([]fhir.Resource{*d.Patient}, all...)
	}
	for _, r := range all {
		key := r.Type + "/" + r.ID
		if r.ID == "" || seen[key] {
			t.Errorf("%s: missing or duplicate id %s", name, key)
		}
		seen[key] = true
		if !json.Valid(r.JSON) {
			t.Errorf("%s: invalid JSON for %s", name, key)
		}
	}
	for _, p := range d.Problems {
		if p.Code == "" || p.Severity == "" {
			t.Errorf("%s: bad problem %+v", name, p)
		}
	}
}
