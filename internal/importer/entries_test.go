package importer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"backpack/internal/record"
)

func TestToEntries(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	res := importFile(t, "transaction.json")
	es := ToEntries(res, "prof1", now)
	if len(es) != len(res.Resources) || len(es) != 3 {
		t.Fatalf("%d entries for %d resources", len(es), len(res.Resources))
	}
	kinds := map[record.Kind]bool{}
	ids := map[string]bool{}
	for i, e := range es {
		if e.Profile != "prof1" || e.ID == "" || ids[e.ID] || e.Identity == "" || !e.Created.Equal(now) {
			t.Errorf("entry %d: %+v", i, e)
		}
		ids[e.ID] = true
		kinds[e.Kind] = true
		p := e.Provenance
		if p.Source != "fhir" || p.File != "transaction.json" || p.System != "https://ehr.example.org/fhir" || !p.ImportedAt.Equal(now) || p.Verified != nil {
			t.Errorf("entry %d provenance %+v", i, p)
		}
		if !bytes.Equal(e.Resource.JSON, res.Resources[i].JSON) {
			t.Errorf("entry %d: resource changed", i)
		}
	}
	for _, k := range []record.Kind{record.KindVisit, record.KindLab, record.KindCondition} {
		if !kinds[k] {
			t.Errorf("no %s entry (kinds %v)", k, kinds)
		}
	}
	// Importing the same file again gives the same identities.
	again := ToEntries(importFile(t, "transaction.json"), "prof1", now)
	for i := range es {
		if es[i].Identity != again[i].Identity {
			t.Errorf("entry %d: identity not stable", i)
		}
	}
}

func TestToEntriesSHC(t *testing.T) {
	is := newIssuer(t)
	for _, keys := range []JWKS{is.jwks, {}} {
		res, err := Import("c.smart-health-card", strings.NewReader(cardFile(is.sign(t, cardBundle))), Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		es := ToEntries(res, "p", time.Now())
		if len(es) != 1 || es[0].Kind != record.KindImmunization {
			t.Fatalf("entries %+v", es)
		}
		p := es[0].Provenance
		if p.Source != "shc" || p.System != "https://issuer.example.org" || p.Verified == nil || *p.Verified != (len(keys.Keys) > 0) {
			t.Errorf("provenance %+v", p)
		}
		if p.Verified == res.Verified {
			t.Error("Verified pointer shared with the Result")
		}
	}
}

// A resource record.Project refuses (another person's Patient) is kept.
func TestToEntriesKeepsEverything(t *testing.T) {
	res := importFile(t, "Patient.ndjson")
	es := ToEntries(res, "p", time.Now())
	if len(es) != 1 || es[0].Kind != record.KindOther || es[0].Title != "Patient" {
		t.Fatalf("%+v", es)
	}
}
