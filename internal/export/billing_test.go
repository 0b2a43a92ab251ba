package export

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"backpack/internal/record"
)

// Billing is left out of the timeline by default but never out of an
// export: the vault file keeps its kind and the FHIR bundle its resource.
func TestExportKeepsBilling(t *testing.T) {
	d, files := sample(t)
	r := mustParse(t, `{"resourceType":"ExplanationOfBenefit","id":"eob-1","status":"active","created":"2024-01-02",
		"item":[{"sequence":1,"productOrService":{"text":"Office visit"}}],"total":[{"amount":{"value":80,"currency":"USD"}}]}`)
	p, err := record.Project(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != record.KindBilling {
		t.Fatalf("kind %q", p.Kind)
	}
	d.Entries = append(d.Entries, record.Entry{ID: "bill-1", Profile: "p1", Resource: r, Projection: p,
		Provenance: record.Provenance{Source: "fhir"}, Created: t0, Updated: t0})
	pass := GeneratePassphrase()
	out := export(t, d, Selection{IncludeSummary: true, IncludeIPS: true}, files, passphrase(t, pass))
	_, sink := collect()
	a, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity(pass), sink)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range a.Data.Entries {
		if e.ID == "bill-1" {
			found = e.Kind == record.KindBilling && e.Title == "Office visit"
		}
	}
	if !found {
		t.Error("the billing entry is not in the vault file with its kind")
	}
	zr, _ := decryptZip(t, out, pass)
	for _, f := range zr.File {
		if f.Name != PathBundle {
			continue
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		if !strings.Contains(string(b), `"ExplanationOfBenefit"`) {
			t.Error("the FHIR bundle lacks the explanation of benefit")
		}
		return
	}
	t.Errorf("no %s in the export", PathBundle)
}
