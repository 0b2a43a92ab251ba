package importer

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// Over the public samples (Synthea bundles, the long history, the vendor
// C-CDAs): every result's number shows by record's one rule (no more than
// 3 decimals, and those only when the source wrote them so), every blood
// pressure as a pair in mmHg, and no systolic or diastolic stands alone where its
// document gave both.
func TestCorpusValues(t *testing.T) {
	var files []string
	for _, pat := range []string{"fhir-r4/*.json", "ccda/*.xml", "large/long-history.json.gz"} {
		m, _ := filepath.Glob(filepath.Join(corpus(t, ""), pat))
		files = append(files, m...)
	}
	// A number ≥ 1 with 4 decimals or more, or a small one with more than
	// 5 significant digits: a computed number shown whole.
	long := regexp.MustCompile(`(^|[^\d.])[1-9]\d*\.\d{4,}|0\.0*[1-9]\d{5,}`)
	pair := regexp.MustCompile(`^\d{2,3}/\d{2,3} mmHg$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ImportBytes(filepath.Base(f), b, Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		bp, single := 0, 0
		for _, e := range ToEntries(res, "p", time.Now()) {
			if e.Value == nil {
				continue
			}
			v := e.ValueText()
			if long.MatchString(v) || long.MatchString(e.Text) || long.MatchString(e.RangeText()) {
				t.Errorf("%s: %s shows %q (text %q)", filepath.Base(f), e.Title, v, e.Text)
			}
			for _, c := range e.Codes {
				switch c.Code {
				case "85354-9", "55284-4":
					bp++
					if !pair.MatchString(v) {
						t.Errorf("%s: blood pressure shows %q (%s %s %q %q)", filepath.Base(f), v, e.Resource.Type, e.Kind, e.Title, e.Text)
					}
				case "8480-6", "8462-4":
					single++
				}
			}
		}
		if bp > 0 && single > 0 && filepath.Ext(f) == ".xml" {
			t.Errorf("%s: %d blood pressures and %d lone systolic or diastolic values", filepath.Base(f), bp, single)
		}
		t.Logf("%s: %d blood pressures", filepath.Base(f), bp)
	}
}
