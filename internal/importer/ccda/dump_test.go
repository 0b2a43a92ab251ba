package ccda

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDump prints one document's conversion (CCDA_DUMP=name.xml).
func TestDump(t *testing.T) {
	name := os.Getenv("CCDA_DUMP")
	if name == "" {
		t.Skip("set CCDA_DUMP")
	}
	files := []string{name}
	if _, err := os.Stat(name); err != nil {
		files = corpusFiles(t)
	}
	for _, f := range files {
		if filepath.Base(f) != filepath.Base(name) {
			continue
		}
		b, _ := os.ReadFile(f)
		d, err := Convert(bytes.NewReader(b), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("title=%q date=%q source=%q", d.Title, d.Date, d.Source)
		if d.Patient != nil {
			t.Logf("%s", d.Patient.JSON)
		}
		for _, r := range d.Resources {
			if os.Getenv("CCDA_TYPE") == "" || os.Getenv("CCDA_TYPE") == r.Type {
				t.Logf("%s", r.JSON)
			}
		}
		for _, p := range d.Problems {
			t.Logf("%+v", p)
		}
	}
}
