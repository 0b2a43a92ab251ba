package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
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
			if f.Name != "Rash.png" { // the first title the bytes come with (the Binary has none)
				t.Errorf("png name %q", f.Name)
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

// A Binary's file is named by the DocumentReference pointing at it.
func TestBinaryNamedByItsDocument(t *testing.T) {
	bin, _ := fhir.Parse([]byte(`{"resourceType":"Binary","id":"b","contentType":"application/pdf","data":"JVBERi0xLjQK"}`))
	doc, _ := fhir.Parse([]byte(`{"resourceType":"DocumentReference","id":"d","description":"Referral letter","content":[{"attachment":{"contentType":"application/pdf","url":"Binary/b"}}]}`))
	res := Result{Resources: []fhir.Resource{bin, doc}}
	extractFiles(&res)
	if len(res.Files) != 1 || res.Files[0].Name != "Referral letter.pdf" || !slices.Equal(res.Files[0].Owners, []int{0, 1}) {
		t.Errorf("%+v", res.Files)
	}
}

func TestMergeKeepsFileOwners(t *testing.T) {
	a, b := importAttach(t, "ccda-nonxml.xml"), importAttach(t, "fhir-attachments.json")
	m := Merge(a, b)
	// The same PDF in both files is one File with every owner.
	if len(m.Files) != 2 {
		t.Fatalf("files = %d", len(m.Files))
	}
	want := map[string][]string{}
	for _, src := range []Result{a, b} {
		for _, f := range src.Files {
			want[f.SHA256] = append(want[f.SHA256], ownersOf(src, f)...)
		}
	}
	for _, f := range m.Files {
		w := want[f.SHA256]
		slices.Sort(w)
		if !slices.Equal(ownersOf(m, f), w) {
			t.Errorf("%s owners %v, want %v", f.Name, ownersOf(m, f), w)
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

func TestMayHoldFile(t *testing.T) {
	for _, c := range []struct {
		json string
		want bool
	}{
		{`{"resourceType":"Observation"}`, false},
		{`{"content":[{"attachment":{"contentType":"text/plain; charset=utf-8","data":"aGk="}},{"attachment":{"contentType" : "text/html","data":"aGk="}}]}`, false},
		{`{"content":[{"attachment":{"contentType":"text/plain","data":"aGk="}},{"attachment":{"contentType":"application/pdf","data":"aGk="}}]}`, true},
		{`{"resourceType":"Binary","contentType":"image/png","data":"aGk="}`, true},
		{`{"data":"aGk=","contentType":"text/plain"}`, false},
		{`{"data":"aGk=","contentType":`, true},
	} {
		if got := mayHoldFile([]byte(c.json)); got != c.want {
			t.Errorf("%s: %v", c.json, got)
		}
	}
}

// BenchmarkExtractFilesLongHistory is what looking for embedded documents
// costs an import of the corpus's long history (plain-text notes only).
func BenchmarkExtractFilesLongHistory(b *testing.B) {
	res, err := Import("long-history.json.gz", bytes.NewReader(longHistory(b)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r := res
		r.Files = nil
		extractFiles(&r)
	}
}

// Only the data member changes; everything else stays byte for byte, and
// the result is valid JSON whatever member the data was.
func TestExtractFilesSurgery(t *testing.T) {
	pdf := fhirB64([]byte("%PDF-1.4 x"))
	sum := sumHex([]byte("%PDF-1.4 x"))
	for _, c := range []struct{ in, want string }{
		{`{"resourceType":"DocumentReference","id":"a","content":[{"attachment":{"contentType":"application/pdf","data":"` + pdf + `","title":"T"}}],"note":1.50}`,
			`{"resourceType":"DocumentReference","id":"a","content":[{"attachment":{"contentType":"application/pdf",` + `"url":"` + record.FileURL(sum) + `","size":10,"hash":"HASH","title":"T"}}],"note":1.50}`},
		{`{"resourceType":"Media","id":"b","content":{ "data" : "` + pdf + `" , "contentType":"application/pdf","url":"u","size":10,"hash":"h"}}`,
			`{"resourceType":"Media","id":"b","content":{ "contentType":"application/pdf","url":"u","size":10,"hash":"h"}}`},
		{`{"resourceType":"Media","id":"c","content":{"contentType":"application/pdf","url":"u","size":10,"hash":"h","data":"` + pdf + `"}}`,
			`{"resourceType":"Media","id":"c","content":{"contentType":"application/pdf","url":"u","size":10,"hash":"h"}}`},
		{`{"resourceType":"Binary","id":"d","contentType":"application/pdf","data":"` + strings.ReplaceAll(pdf, "/", `\/`) + `"}`,
			`{"resourceType":"Binary","id":"d","contentType":"application/pdf","url":"` + record.FileURL(sum) + `","size":10,"hash":"HASH"}`},
	} {
		r, err := fhir.Parse([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		res := Result{Resources: []fhir.Resource{r}}
		extractFiles(&res)
		got := string(res.Resources[0].JSON)
		if i := strings.Index(got, `"hash":"`); i >= 0 && strings.Contains(c.want, "HASH") {
			j := strings.IndexByte(got[i+8:], '"')
			got = got[:i+8] + "HASH" + got[i+8+j:]
		}
		if got != c.want || len(res.Files) != 1 || string(res.Files[0].Data) != "%PDF-1.4 x" {
			t.Errorf("\n got %s\nwant %s (%d files)", got, c.want, len(res.Files))
		}
	}
}

// Taking a large document out of a resource allocates its decoded bytes
// and little else: the base64 is read where it lies in the input.
func TestExtractFilesMemory(t *testing.T) {
	data := bytes.Repeat([]byte("%PDF-1.4 0123456789abcdef"), 160000) // 4 MB
	r, err := fhir.Parse([]byte(`{"resourceType":"Binary","id":"b","contentType":"application/pdf","data":"` + fhirB64(data) + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	res := Result{Resources: []fhir.Resource{r}}
	runtime.GC()
	runtime.ReadMemStats(&before)
	extractFiles(&res)
	runtime.ReadMemStats(&after)
	if len(res.Files) != 1 || !bytes.Equal(res.Files[0].Data, data) {
		t.Fatal("not extracted")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(len(data))*11/10 {
		t.Errorf("allocated %d bytes for a %d-byte document", got, len(data))
	}
}

// FuzzExtractFiles: whatever valid resource comes in, what comes out is
// valid JSON, and each file's bytes are what its base64 said.
func FuzzExtractFiles(f *testing.F) {
	f.Add(`{"resourceType":"Binary","contentType":"image/png","data":"aGVsbG8="}`)
	f.Add(`{"resourceType":"DocumentReference","content":[{"attachment":{"data":"aGk=","contentType":"application/pdf","url":"x","size":2,"hash":"h"}}]}`)
	f.Add(`{"resourceType":"Media","content":{"contentType":"image/png","title":"a\"b","data":"aG\/k="},"x":[{"data":"YQ==","contentType":"a"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := fhir.Parse([]byte(s))
		if err != nil || !json.Valid([]byte(s)) {
			return
		}
		res := Result{Resources: []fhir.Resource{r}}
		extractFiles(&res)
		if !json.Valid(res.Resources[0].JSON) {
			t.Fatalf("invalid JSON out of %s: %s", s, res.Resources[0].JSON)
		}
	})
}

// FHIR XML carries documents the same way.
func TestFHIRXMLAttachment(t *testing.T) {
	doc := `<DocumentReference xmlns="http://hl7.org/fhir"><id value="x1"/><status value="current"/>
<description value="Scan"/><content><attachment><contentType value="application/pdf"/><data value="JVBERi0xLjQK"/></attachment></content></DocumentReference>`
	res, err := ImportBytes("scan.xml", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || string(res.Files[0].Data) != "%PDF-1.4\n" || res.Files[0].Name != "Scan.pdf" {
		t.Fatalf("files %+v", res.Files)
	}
	noData(t, res)
}

// BenchmarkImportEmbedded imports a C-CDA and a FHIR Binary each carrying
// an 8 MB document: documents decoded per second, and bytes allocated.
func BenchmarkImportEmbedded(b *testing.B) {
	doc := bytes.Repeat([]byte("%PDF-1.4 embedded document bytes "), 8<<20/33)
	enc := fhirB64(doc)
	var lines strings.Builder
	for i := 0; i < len(enc); i += 76 {
		lines.WriteString(enc[i:min(i+76, len(enc))])
		lines.WriteByte('\n')
	}
	inputs := map[string][]byte{
		"ccda.xml": []byte(`<ClinicalDocument xmlns="urn:hl7-org:v3"><id root="1.2" extension="b"/><title>Scan</title>` +
			`<component><nonXMLBody><text mediaType="application/pdf" representation="B64">` + lines.String() +
			`</text></nonXMLBody></component></ClinicalDocument>`),
		"binary.json": []byte(`{"resourceType":"Binary","id":"b","contentType":"application/pdf","data":"` + enc + `"}`),
	}
	for _, name := range []string{"ccda.xml", "binary.json"} {
		in := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				res, err := ImportBytes(name, in, Options{})
				if err != nil || len(res.Files) != 1 {
					b.Fatal(err, len(res.Files))
				}
			}
		})
	}
}

// backpack inspect lists the documents a file carries.
func TestInspectListsFiles(t *testing.T) {
	rep, err := Inspect("ccda-nonxml.xml", bytes.NewReader(readAttach(t, "ccda-nonxml.xml")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	rep.WriteText(&text)
	rep.WriteJSON(&js)
	if !strings.Contains(text.String(), "Documents: 1 file") || !strings.Contains(text.String(), "Discharge summary.pdf (application/pdf, 591 B)") {
		t.Errorf("text:\n%s", text.String())
	}
	if !strings.Contains(js.String(), `"files":[{"name":"Discharge summary.pdf","type":"application/pdf","size":591,`) {
		t.Errorf("json: %s", js.String())
	}
}

// A bulk export's Binary.ndjson and DocumentReference.ndjson read together:
// the DocumentReference gets the Binary's file, named after it.
func TestMergeLinksBinaryAcrossFiles(t *testing.T) {
	bin, err := ImportBytes("Binary.ndjson", []byte(`{"resourceType":"Binary","id":"b7","contentType":"application/pdf","data":"JVBERi0xLjQK"}`+"\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ImportBytes("DocumentReference.ndjson", []byte(`{"resourceType":"DocumentReference","id":"d7","status":"current","description":"Referral letter","content":[{"attachment":{"contentType":"application/pdf","url":"Binary/b7"}}]}`+"\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ImportBytes("Binary2.ndjson", []byte(`{"resourceType":"Binary","id":"b8","contentType":"application/pdf","data":"JVBERi0xLjQK"}`+"\n"), Options{})
	m := Merge(bin, doc, again)
	if len(m.Files) != 1 {
		t.Fatalf("%d files", len(m.Files))
	}
	if got := ownersOf(m, m.Files[0]); !slices.Equal(got, []string{"Binary/b7", "Binary/b8", "DocumentReference/d7"}) || m.Files[0].Name != "Referral letter.pdf" {
		t.Errorf("owners %v, name %q", got, m.Files[0].Name)
	}
}
