package portal_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"backpack/internal/portal"
)

func TestDirectoryBuildAndSearch(t *testing.T) {
	b, err := os.ReadFile("testdata/endpoints.json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := portal.BuildDirectory(&buf, b)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 { // no name, plain http and a duplicate URL are left out
		t.Errorf("%d places", n)
	}
	d, err := portal.ReadDirectory(buf.Bytes())
	if err != nil || d.Len() != 4 {
		t.Fatalf("read: %v, %d", err, d.Len())
	}
	for q, want := range map[string]string{
		"san jose":      "https://fhir.sanjose.example/api/FHIR/R4",
		"SAN ANTONIO":   "https://fhir.sanjose.example/api/FHIR/R4", // by city
		"salud":         "https://fhir.sanjose.example/api/FHIR/R4", // by organisation
		"evanston":      "https://fhir.example.org/r4/NSC",
		"springfield":   "https://fhir.springfield.example/r4/abc",
		"south cardio":  "https://fhir.south.example/r4", // every word, any order
		"clínica josé ": "https://fhir.sanjose.example/api/FHIR/R4",
	} {
		got := d.Search(q, 10)
		if len(got) != 1 || got[0].FHIR != want {
			t.Errorf("%q: %+v", q, got)
		}
	}
	if got := d.Search("cardiology", 10); len(got) != 2 {
		t.Errorf("cardiology: %+v", got)
	}
	if got := d.Search("springfield", 1); got[0].Org != "" || got[0].Name != "Springfield Community Clinic" {
		t.Errorf("an organisation id is not a name: %+v", got[0])
	}
	if got := d.Search("cardiology", 1); len(got) != 1 {
		t.Errorf("max: %d", len(got))
	}
	if _, err := portal.ReadDirectory([]byte("not gzip")); err == nil {
		t.Error("read garbage")
	}
}

// TestShippedDirectory checks that web/directory.dat is what the project's
// command builds from the public lists (when they are present), and that
// it finds health systems by name.
func TestShippedDirectory(t *testing.T) {
	shipped, err := os.ReadFile("../../web/" + portal.DirectoryFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := portal.ReadDirectory(shipped)
	if err != nil || d.Len() < 1000 {
		t.Fatalf("shipped directory: %v, %d places", err, d.Len())
	}
	if got := d.Search("mayo clinic", 5); len(got) == 0 {
		t.Error("no Mayo Clinic")
	}
	var lists [][]byte
	for _, dir := range []string{os.Getenv("BACKPACK_DIRECTORY"), "../../../shared/directory", "/work/shared/directory"} {
		if dir == "" {
			continue
		}
		for _, f := range []string{"epic-r4.json", "cerner-r4.json", "healow-r4.json"} {
			if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
				lists = append(lists, b)
			}
		}
		if len(lists) > 0 {
			break
		}
	}
	if len(lists) == 0 {
		t.Skip("public endpoint lists not present")
	}
	var buf bytes.Buffer
	if _, err := portal.BuildDirectory(&buf, lists...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), shipped) {
		t.Error("web/directory.dat is not what `backpack directory` builds from the lists: rebuild it")
	}
}
