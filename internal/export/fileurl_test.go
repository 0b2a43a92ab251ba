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

// The IPS points at the archived file too.
func TestIPSLinksFiles(t *testing.T) {
	sum := strings.Repeat("ef", 32)
	r, err := fhir.Parse([]byte(`{"resourceType":"Observation","id":"o","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"valueQuantity":{"value":1,"unit":"mV"},"code":{"coding":[{"system":"http://loinc.org","code":"11524-6"}]},` +
		`"effectiveDateTime":"2024-03-05","extension":[{"url":"http://example.org/tracing","valueAttachment":{"contentType":"application/pdf","url":"` + record.FileURL(sum) + `"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := record.Project(r)
	if err != nil {
		t.Fatal(err)
	}
	d := Data{
		Profiles: []record.Profile{{ID: "p", Name: "Ana"}},
		Entries:  []record.Entry{{ID: "e", Profile: "p", Resource: r, Projection: p, Files: []string{"f"}}},
		Files:    []record.FileInfo{{ID: "f", Profile: "p", Name: "ECG.pdf", Type: "application/pdf", SHA256: sum}},
	}
	ips, err := IPS(d, "p", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ips.JSON), `"url":"files/ECG.pdf"`) || strings.Contains(string(ips.JSON), "ni:///") {
		t.Errorf("IPS: %s", ips.JSON)
	}
}
