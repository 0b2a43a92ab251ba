package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// An imported resource's pointer at its file becomes the file's path in
// the export; a pointer at a file outside the export stays as it was.
func TestLinkFiles(t *testing.T) {
	in := strings.Repeat("ab", 32)
	out := strings.Repeat("cd", 32)
	raw := `{"resourceType":"DocumentReference","id":"d","content":[{"attachment":{"contentType":"application/pdf","url":"` +
		record.FileURL(in) + `"}},{"attachment":{"url":"` + record.FileURL(out) + `"}}]}`
	r, err := fhir.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	d := Data{
		Profiles: []record.Profile{{ID: "p", Name: "Ana"}},
		Entries:  []record.Entry{{ID: "e", Profile: "p", Resource: r, Files: []string{"f"}}},
		Files:    []record.FileInfo{{ID: "f", Profile: "p", Name: "Scan \"1\".pdf", Type: "application/pdf", SHA256: in}},
	}
	var b bytes.Buffer
	if err := Bundle(&b, d, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if !strings.Contains(got, `"url":"files/Scan \"1\".pdf"`) && !strings.Contains(got, `"url":"files/Scan _1_.pdf"`) {
		t.Errorf("no archive path in %s", got)
	}
	if strings.Contains(got, record.FileURL(in)) || !strings.Contains(got, record.FileURL(out)) {
		t.Errorf("urls: %s", got)
	}
	links := fileLinks(d.Files, filePaths(d.Files))
	if p := linkFile(record.FileURL(in), links); !strings.HasPrefix(p, "files/") {
		t.Errorf("linkFile = %q", p)
	}
	if p := linkFile("http://example.org/x", links); p != "http://example.org/x" {
		t.Errorf("linkFile changed an ordinary url: %q", p)
	}
	if string(linkFiles([]byte(`{"a":1}`), links)) != `{"a":1}` {
		t.Error("changed a resource without file urls")
	}
}
