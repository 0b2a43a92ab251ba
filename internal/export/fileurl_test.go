package export

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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

// A bundle with its files inside: the resource that points at a stored
// file holds its bytes beside the url, once; a file no resource points at
// is a DocumentReference holding them; a pointer at a file not shared stays
// a pointer; a file whose bytes do not match its SHA-256 fails the bundle.
func TestInlineBundle(t *testing.T) {
	pdf, photo := []byte("%PDF-1.4 discharge"), []byte("\xff\xd8\xff x-ray")
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	out := strings.Repeat("cd", 32)
	att := `{"contentType":"application/pdf","url":"` + record.FileURL(sum(pdf)) + `","size":18}`
	r, err := fhir.Parse([]byte(`{"resourceType":"DiagnosticReport","id":"d","status":"final","code":{"text":"Discharge"},` +
		`"presentedForm":[` + att + `,` + att + `,{"url":"` + record.FileURL(out) + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	d := Data{
		Profiles: []record.Profile{{ID: "p", Name: "Ana"}},
		Entries:  []record.Entry{{ID: "e", Profile: "p", Resource: r, Files: []string{"f", "g"}}},
		Files: []record.FileInfo{
			{ID: "f", Profile: "p", Name: "discharge.pdf", Type: "application/pdf", Size: int64(len(pdf)), SHA256: sum(pdf)},
			{ID: "g", Profile: "p", Name: "x-ray.jpg", Type: "image/jpeg", Size: int64(len(photo)), SHA256: sum(photo)},
		},
	}
	src := MemFiles{"f": pdf, "g": photo}
	var b bytes.Buffer
	if err := InlineBundle(context.Background(), &b, d, src, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Entry []struct {
			FullURL  string         `json:"fullUrl"`
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b.Bytes(), &bundle); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	if len(bundle.Entry) != 3 {
		t.Fatalf("%d entries, want Patient, the report and the photo's DocumentReference:\n%s", len(bundle.Entry), b.String())
	}
	got := b.String()
	if n := strings.Count(got, base64.StdEncoding.EncodeToString(pdf)); n != 1 {
		t.Errorf("the PDF's bytes are in the bundle %d times, want once", n)
	}
	if strings.Count(got, record.FileURL(sum(pdf))) != 2 || !strings.Contains(got, `"url":"`+record.FileURL(out)+`"}`) {
		t.Errorf("urls changed: %s", got)
	}
	form := bundle.Entry[1].Resource["presentedForm"].([]any)[0].(map[string]any)
	if form["data"] != base64.StdEncoding.EncodeToString(pdf) || form["url"] != record.FileURL(sum(pdf)) || form["contentType"] != "application/pdf" {
		t.Errorf("report's attachment %v", form)
	}
	doc := bundle.Entry[2].Resource
	a := doc["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	h := sha1.Sum(photo)
	if doc["resourceType"] != "DocumentReference" || doc["status"] != "current" ||
		doc["subject"].(map[string]any)["reference"] != bundle.Entry[0].FullURL ||
		a["data"] != base64.StdEncoding.EncodeToString(photo) || a["contentType"] != "image/jpeg" || a["title"] != "x-ray.jpg" ||
		a["size"] != float64(len(photo)) || a["hash"] != base64.StdEncoding.EncodeToString(h[:]) || a["url"] != record.FileURL(sum(photo)) {
		t.Errorf("the photo's DocumentReference: %v", doc)
	}
	if rel := doc["context"].(map[string]any)["related"].([]any); len(rel) != 1 || rel[0].(map[string]any)["reference"] != bundle.Entry[1].FullURL {
		t.Errorf("not related to its entry: %v", doc["context"])
	}

	src["g"] = []byte("\xff\xd8\xff other")
	if err := InlineBundle(context.Background(), &bytes.Buffer{}, d, src, time.Unix(0, 0)); err == nil {
		t.Error("a file whose bytes changed went into the bundle")
	}
}
