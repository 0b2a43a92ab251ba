package ui

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"backpack/internal/i18n"
	"backpack/internal/importer"
	"backpack/internal/record"
)

const fhirxmlTestdata = "../internal/importer/fhirxml/testdata"

// An International Patient Summary in FHIR XML goes through the import
// page's pipeline (read, preview, save) into a new person, and its JSON
// twin afterwards adds nothing: the same records, the same identities.
func TestImportFHIRXML(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestSession(t)
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

	res, err := parseBytes(t, "ips.xml", readFixture(t, filepath.Join(fhirxmlTestdata, "ips-bundle-01.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != importer.FormatIPS || res.Patient == nil || len(res.Resources) != 19 || res.HasErrors() {
		t.Fatalf("ips.xml: %s, patient %v, %d resources, problems %+v", res.Format, res.Patient != nil, len(res.Resources), res.Problems)
	}
	out, err := importSave(ctx, s, res, nil, importNewProfile, now, nil)
	if err != nil || out.Added != len(res.Resources) {
		t.Fatalf("save: %+v %v", out, err)
	}
	prof, _ := s.Book().Profile(out.Profile)
	if prof.Name != "Martha DeLarosa" || prof.BirthDate != "1972-05-01" {
		t.Errorf("profile %q born %q", prof.Name, prof.BirthDate)
	}
	kinds := map[record.Kind]int{}
	for _, e := range mustTimeline(s, prof.ID) {
		kinds[e.Kind]++
		if e.Provenance.Source != "ips" || e.Provenance.File != "ips.xml" {
			t.Errorf("entry %q provenance %+v", e.Title, e.Provenance)
		}
	}
	if kinds[record.KindLab] < 5 || kinds[record.KindCondition] != 2 || kinds[record.KindAllergy] != 2 || kinds[record.KindMedication] != 2 {
		t.Errorf("kinds %v", kinds)
	}

	// The XML and JSON forms of one bundle are the same records.
	x, err := parseBytes(t, "transaction.xml", readFixture(t, filepath.Join(fhirTestdata, "transaction.xml")))
	if err != nil {
		t.Fatal(err)
	}
	outX, err := importSave(ctx, s, x, nil, prof.ID, now, nil)
	if err != nil || outX.Added != len(x.Resources) {
		t.Fatalf("transaction.xml: %+v %v", outX, err)
	}
	j, err := parseBytes(t, "transaction.json", readFixture(t, filepath.Join(fhirTestdata, "transaction.json")))
	if err != nil {
		t.Fatal(err)
	}
	outJ, err := importSave(ctx, s, j, nil, prof.ID, now, nil)
	if err != nil || outJ.Added != 0 || outJ.Skipped != len(j.Resources) {
		t.Errorf("transaction.json after its XML form: %+v %v, want all skipped", outJ, err)
	}
}

// HL7's IPS bundle with immunizations, in XML, reads as an IPS with its
// vaccinations.
func TestImportFHIRXMLImmunizations(t *testing.T) {
	res, err := parseBytes(t, "ips-imm.xml", readFixture(t, filepath.Join(fhirxmlTestdata, "ips", "IPS-bundle-with-immunization.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != importer.FormatIPS || res.Patient == nil || res.Counts["Immunization"] == 0 || len(res.Problems) != 0 {
		t.Errorf("%s, patient %v, counts %v, problems %+v", res.Format, res.Patient != nil, res.Counts, res.Problems)
	}
	n := 0
	for _, e := range importer.ToEntries(res, "p", time.Now()) {
		if e.Kind == record.KindImmunization {
			n++
		}
	}
	if n != res.Counts["Immunization"] {
		t.Errorf("%d vaccination entries for %d Immunization resources", n, res.Counts["Immunization"])
	}
}

// XML the import page refuses: each with its own message.
func TestImportFHIRXMLBadInput(t *testing.T) {
	for _, tt := range []struct{ name, file, key string }{
		{"bomb.xml", "doctype-entities.xml", "import.error.fhirxml-doctype"},
		{"dtd.xml", "doctype-external.xml", "import.error.fhirxml-doctype"},
	} {
		data := readFixture(t, filepath.Join(fhirxmlTestdata, tt.file))
		_, err := importParse(tt.name, int64(len(data)), func() io.ReadCloser { return io.NopCloser(bytes.NewReader(data)) }, importer.JWKS{}, nil)
		if got := importErrorKey(err); got != tt.key || !i18n.Has(got) {
			t.Errorf("%s: key %q (%v), want %q with a message", tt.name, got, err, tt.key)
		}
	}
	cut := readFixture(t, filepath.Join(fhirxmlTestdata, "ips-bundle-01.xml"))
	cut = cut[:len(cut)/2]
	_, err := importParse("cut.xml", int64(len(cut)), func() io.ReadCloser { return io.NopCloser(bytes.NewReader(cut)) }, importer.JWKS{}, nil)
	if got := importErrorKey(err); got != "import.error.fhirxml-syntax" {
		t.Errorf("cut.xml: key %q (%v)", got, err)
	}
}
