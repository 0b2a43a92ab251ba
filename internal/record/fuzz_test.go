package record

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"backpack/internal/fhir"
)

// FuzzProject feeds arbitrary JSON to everything that reads resources:
// projection, identity, forms (read, unchanged rebuild, edit) and the
// header codec. None may panic; an unchanged form must not rewrite.
func FuzzProject(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "resources", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := fhir.Resource{JSON: b}
		p, err := Project(r)
		_ = Identity(r, Provenance{})
		if err != nil {
			return
		}
		for _, s := range []string{p.Title, p.Text, p.Who} {
			if len([]rune(s)) > maxText+1 {
				t.Fatalf("projection text of %d runes", len([]rune(s)))
			}
		}
		if !utf8.ValidString(p.Title) && utf8.Valid(b) {
			t.Fatal("invalid UTF-8 title from valid input")
		}
		e := Entry{ID: "e", Profile: "p", Resource: r, Projection: p}
		h, body := EncodeEntry(e)
		if _, err := DecodeHeader(h); err != nil {
			t.Fatalf("own header does not decode: %v", err)
		}
		_, _ = DecodeBody(body)
		form, err := FormFrom(e)
		if err != nil {
			return
		}
		if errs := form.Validate(); len(errs) > 0 {
			return // imported data a person would have to fix first
		}
		same, err := form.Build(testProfile, &r)
		if err != nil {
			t.Fatalf("unchanged rebuild: %v", err)
		}
		if string(same.JSON) != string(r.JSON) {
			t.Fatalf("unchanged form rewrote the resource")
		}
		for _, fd := range Fields(form.Kind) {
			if fd.Type == FieldText || fd.Type == FieldLongText {
				form.Fields[fd.Name] = "edited"
			}
		}
		if out, err := form.Build(testProfile, &r); err == nil {
			if _, err := Project(out); err != nil {
				t.Fatalf("edited resource does not project: %v", err)
			}
		}
	})
}

// FuzzForm fills every field of a kind's form with fuzzed text: a form
// that validates must build a resource that projects back to its kind,
// and reading it back into a form and rebuilding must change nothing.
func FuzzForm(f *testing.F) {
	f.Add(uint8(1), "7,2", "2024-05", "Hemoglobin A1c")
	f.Add(uint8(2), "120", "2024-05-01T10:00", "blood-pressure")
	f.Add(uint8(0), "", "2019", "office")
	f.Add(uint8(8), "-.5", "2024-02-30", "CT")
	f.Fuzz(func(t *testing.T, k uint8, num, date, text string) {
		kind := ManualKinds[int(k)%len(ManualKinds)]
		form := NewForm(kind)
		for _, fd := range Fields(kind) {
			switch fd.Type {
			case FieldNumber:
				form.Fields[fd.Name] = num
			case FieldDate:
				form.Fields[fd.Name] = date
			case FieldChoice:
				if len(fd.Choices) > 0 && text != "" {
					form.Fields[fd.Name] = fd.Choices[len(text)%len(fd.Choices)]
				}
			default:
				form.Fields[fd.Name] = text
			}
		}
		if len(form.Validate()) > 0 {
			return
		}
		r, err := form.Build(testProfile, nil)
		if err != nil {
			t.Fatalf("valid form does not build: %v", err)
		}
		p, err := Project(r)
		if err != nil || p.Kind != kind {
			t.Fatalf("built %s projects to %q (%v)", kind, p.Kind, err)
		}
		back, err := FormFrom(Entry{Resource: r, Projection: p})
		if err != nil {
			t.Fatal(err)
		}
		again, err := back.Build(testProfile, &r)
		if err != nil || string(again.JSON) != string(r.JSON) {
			t.Fatalf("round trip rewrote the resource (%v)", err)
		}
	})
}
