package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

func readAttach(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "attach", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importAttach(t *testing.T, name string) Result {
	t.Helper()
	res, err := ImportBytes(name, readAttach(t, name), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func sumHex(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// ownersOf returns "Type/id" of a file's owners.
func ownersOf(res Result, f File) []string {
	var out []string
	for _, i := range f.Owners {
		out = append(out, res.Resources[i].Type+"/"+res.Resources[i].ID)
	}
	slices.Sort(out)
	return out
}

func hasProblemCode(res Result, code string) bool {
	for _, p := range res.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// noData fails when a resource still holds the bytes of an extracted file.
func noData(t *testing.T, res Result) {
	t.Helper()
	pdf, png := readAttach(t, "tiny.pdf"), readAttach(t, "tiny.png")
	for _, r := range res.Resources {
		for _, f := range [][]byte{pdf, png} {
			enc := fhirB64(f)
			if bytes.Contains(r.JSON, []byte(enc[:40])) {
				t.Errorf("%s/%s still holds the file's base64", r.Type, r.ID)
			}
		}
	}
}

func fhirB64(b []byte) string {
	r, _ := fhir.FromMap(map[string]any{"resourceType": "Binary", "data": b})
	m, _ := r.Map()
	return m["data"].(string)
}

func TestCCDANonXMLBodyBecomesFile(t *testing.T) {
	res := importAttach(t, "ccda-nonxml.xml")
	pdf := readAttach(t, "tiny.pdf")
	if len(res.Files) != 1 {
		t.Fatalf("files = %d, want 1", len(res.Files))
	}
	f := res.Files[0]
	if !bytes.Equal(f.Data, pdf) || f.Type != "application/pdf" || f.Size != int64(len(pdf)) || f.SHA256 != sumHex(pdf) {
		t.Errorf("file = %s %s %d %s", f.Name, f.Type, f.Size, f.SHA256)
	}
	if f.Name != "Discharge summary.pdf" {
		t.Errorf("name = %q", f.Name)
	}
	if got := ownersOf(res, f); len(got) != 1 || !strings.HasPrefix(got[0], "DocumentReference/") {
		t.Errorf("owners = %v", got)
	}
	// The stored resource points at the file instead of holding it.
	m, _ := res.Resources[f.Owners[0]].Map()
	att := m["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	if att["data"] != nil || att["url"] != record.FileURL(f.SHA256) || record.FileSHA256(att["url"].(string)) != f.SHA256 {
		t.Errorf("attachment = %v", att)
	}
	if att["size"] == nil || att["hash"] == nil || att["contentType"] != "application/pdf" {
		t.Errorf("attachment = %v", att)
	}
	noData(t, res)
}

func TestCCDAObservationMediaAndEDValue(t *testing.T) {
	res := importAttach(t, "ccda-media.xml")
	pdf, png := readAttach(t, "tiny.pdf"), readAttach(t, "tiny.png")
	if len(res.Files) != 2 {
		t.Fatalf("files = %d, want 2: %+v", len(res.Files), res.Files)
	}
	byType := map[string]File{}
	for _, f := range res.Files {
		byType[f.Type] = f
	}
	img, doc := byType["image/png"], byType["application/pdf"]
	if !bytes.Equal(img.Data, png) || img.Name != "Skin photo, left arm.png" {
		t.Errorf("image: %q %d bytes", img.Name, len(img.Data))
	}
	if got := ownersOf(res, img); len(got) != 1 || !strings.HasPrefix(got[0], "Media/") {
		t.Errorf("image owners = %v", got)
	}
	// The ED value's file belongs to its Media and to the Observation.
	if !bytes.Equal(doc.Data, pdf) || doc.Name != "EKG study.pdf" {
		t.Errorf("pdf: %q %d bytes", doc.Name, len(doc.Data))
	}
	got := ownersOf(res, doc)
	if len(got) != 2 || !strings.HasPrefix(got[0], "Media/") || !strings.HasPrefix(got[1], "Observation/") {
		t.Errorf("pdf owners = %v", got)
	}
	// The bad base64 is a problem line; its Observation and Media are kept.
	if !hasProblemCode(res, ProblemAttachmentInvalid) {
		t.Errorf("no %s problem: %+v", ProblemAttachmentInvalid, res.Problems)
	}
	if res.Counts["Media"] != 3 || res.Counts["Observation"] < 2 {
		t.Errorf("counts = %v", res.Counts)
	}
	noData(t, res)
}

func TestFHIRAttachments(t *testing.T) {
	res := importAttach(t, "fhir-attachments.json")
	pdf, png := readAttach(t, "tiny.pdf"), readAttach(t, "tiny.png")
	// One PDF (held by a DocumentReference and a DiagnosticReport) and one
	// PNG (held by a Binary and a Media, pointed at by a DocumentReference).
	if len(res.Files) != 2 {
		t.Fatalf("files = %d, want 2: %+v", len(res.Files), res.Files)
	}
	for _, f := range res.Files {
		switch f.Type {
		case "application/pdf":
			if !bytes.Equal(f.Data, pdf) {
				t.Error("pdf bytes differ")
			}
			if got := ownersOf(res, f); !slices.Equal(got, []string{"DiagnosticReport/rep1", "DocumentReference/dr1"}) {
				t.Errorf("pdf owners = %v", got)
			}
		case "image/png":
			if !bytes.Equal(f.Data, png) {
				t.Error("png bytes differ")
			}
			if got := ownersOf(res, f); !slices.Equal(got, []string{"Binary/b1", "DocumentReference/dr2", "Media/m1"}) {
				t.Errorf("png owners = %v", got)
			}
		default:
			t.Errorf("unexpected file %+v", f)
		}
	}
	// The plain-text presentedForm stays inline; the broken scan is a
	// problem and keeps its data.
	for _, r := range res.Resources {
		switch r.ID {
		case "rep1":
			if !bytes.Contains(r.JSON, []byte(fhirB64([]byte("No acute findings.")))) {
				t.Errorf("text presentedForm lost: %s", r.JSON)
			}
		case "dr3":
			if !bytes.Contains(r.JSON, []byte("%%%not-base64%%%")) {
				t.Errorf("broken data not kept: %s", r.JSON)
			}
		case "dr2":
			if !bytes.Contains(r.JSON, []byte(`"Binary/b1"`)) {
				t.Errorf("reference to the Binary changed: %s", r.JSON)
			}
		}
	}
	if !hasProblemCode(res, ProblemAttachmentInvalid) {
		t.Errorf("no %s problem", ProblemAttachmentInvalid)
	}
	if res.Total() != 7 {
		t.Errorf("total = %d", res.Total())
	}
	noData(t, res)
}

func TestMergeKeepsFileOwners(t *testing.T) {
	a, b := importAttach(t, "ccda-nonxml.xml"), importAttach(t, "fhir-attachments.json")
	m := Merge(a, b)
	if len(m.Files) != len(a.Files)+len(b.Files) {
		t.Fatalf("files = %d", len(m.Files))
	}
	for i, f := range m.Files {
		var src Result
		var sf File
		if i < len(a.Files) {
			src, sf = a, a.Files[i]
		} else {
			src, sf = b, b.Files[i-len(a.Files)]
		}
		if !slices.Equal(ownersOf(m, f), ownersOf(src, sf)) {
			t.Errorf("file %d owners %v, want %v", i, ownersOf(m, f), ownersOf(src, sf))
		}
	}
}

func TestFileName(t *testing.T) {
	for _, c := range []struct{ title, typ, ct, want string }{
		{"Scan", "DocumentReference", "application/pdf", "Scan.pdf"},
		{"scan.PDF", "DocumentReference", "application/pdf; charset=x", "scan.PDF"},
		{"a/b:c", "Media", "image/png", "a b c.png"},
		{"", "Media", "image/jpeg", "media.jpg"},
		{"..", "Binary", "application/x-unknown", "binary"},
	} {
		if got := fileName(c.title, c.typ, c.ct); got != c.want {
			t.Errorf("fileName(%q) = %q, want %q", c.title, got, c.want)
		}
	}
}

// TestCorpusEmbeddedPDF: HL7's unstructured-document examples with an
// embedded PDF each give one PDF file attached to the document's entry;
// the plain-text one stays the note's text.
func TestCorpusEmbeddedPDF(t *testing.T) {
	dir := corpus(t, "ccda-sections/Unstructured")
	for _, c := range []struct {
		path  string
		files int
	}{
		{"CDA_with_Embedded_PDF_1/Unstructured_Document_embed.xml", 1},
		{"CDA_with_Embedded_PDF_2/CDA_with_Embedded_PDF.xml", 1},
		{"CDA_with_Embedded_Text_plain/CDA_Embedded_Text_Plain_Surgical_Consult.xml", 0},
	} {
		b, err := os.ReadFile(filepath.Join(dir, c.path))
		if err != nil {
			t.Fatal(err)
		}
		res, err := ImportBytes(filepath.Base(c.path), b, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if len(res.Files) != c.files {
			t.Errorf("%s: %d files, want %d", c.path, len(res.Files), c.files)
			continue
		}
		for _, f := range res.Files {
			if !bytes.HasPrefix(f.Data, []byte("%PDF")) || f.Type != "application/pdf" || len(f.Owners) != 1 ||
				res.Resources[f.Owners[0]].Type != "DocumentReference" {
				t.Errorf("%s: %s %s %d owners", c.path, f.Name, f.Type, len(f.Owners))
			}
		}
		noData(t, res)
	}
}
