package ui

import (
	"context"
	"testing"
	"time"

	"backpack/internal/importer"
)

// TestImportCardsCheckedAgain: a health card read before its issuer's keys
// were added is checked again through the worker's messages (xpCheckCards),
// and the entries saved from it, prepared before the check, carry what the
// last check found.
func TestImportCardsCheckedAgain(t *testing.T) {
	const dir = "../internal/worker/jobs/testdata/"
	card, jwks := readFixture(t, dir+"card.smart-health-card"), readFixture(t, dir+"card-jwks.json")
	keys, err := importer.ParseJWKS(jwks)
	if err != nil {
		t.Fatal(err)
	}
	p, err := xpImportBytes(context.Background(), "card.smart-health-card", card)
	if err != nil || p.Result.Verified == nil || *p.Result.Verified {
		t.Fatalf("read without keys: %v, verified %v", err, p.Result.Verified)
	}
	prepared := importDecode(p, time.Now(), nil)
	if len(prepared) == 0 || prepared[0].Provenance.Verified == nil || *prepared[0].Provenance.Verified {
		t.Fatalf("%d entries prepared, not as unverified", len(prepared))
	}
	if err := xpCheckCards(context.Background(), &p.Result, keys.ForIssuer("https://issuer.example.org")); err != nil {
		t.Fatal(err)
	}
	if !*p.Result.Verified || len(p.Result.Problems) != 0 {
		t.Fatalf("with the issuer's keys: verified %v, problems %+v", *p.Result.Verified, p.Result.Problems)
	}
	s, _ := newTestSession(t)
	out, err := importSave(context.Background(), s, p.Result, prepared, importNewProfile, time.Now(), nil)
	if err != nil || out.Added != len(prepared) {
		t.Fatalf("saved %d of %d: %v", out.Added, len(prepared), err)
	}
	for _, e := range mustTimeline(s, out.Profile) {
		if e.Provenance.Verified == nil || !*e.Provenance.Verified {
			t.Errorf("%s saved as not verified", e.Projection.Title)
		}
	}
}
