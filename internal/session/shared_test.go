package session

import (
	"context"
	"testing"
	"time"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// Share links outlive a lock, list newest first, keep a revoke, and are
// neither health records nor exported.
func TestSharedLinks(t *testing.T) {
	ctx := context.Background()
	st := vault.NewMemStore()
	s, _, err := Create(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a, err := s.SaveSharedLink(ctx, record.SharedLink{URL: "https://x/api/share/a", Token: "ta", Link: "https://x/#a", Created: t0, Expires: t0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSharedLink(ctx, record.SharedLink{URL: "https://x/api/share/b", Token: "tb", Link: "https://x/#b", Label: "Dr. Lee", Created: t0.Add(time.Hour), Expires: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	a.Revoked, a.Token = true, ""
	if _, err := s.SaveSharedLink(ctx, a); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	s2, err := Unlock(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	got := s2.SharedLinks()
	if len(got) != 2 || got[0].Label != "Dr. Lee" || got[0].Token != "tb" || !got[1].Revoked || got[1].Token != "" {
		t.Fatalf("links after unlock: %+v", got)
	}
	if s2.Corrupt() != 0 {
		t.Errorf("%d records counted corrupt", s2.Corrupt())
	}
	d, err := s2.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Entries)+len(d.Files)+len(d.Questions) != 0 {
		t.Errorf("share links leaked into the export data: %+v", d)
	}
}
