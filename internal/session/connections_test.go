package session

import (
	"bytes"
	"context"
	"testing"
	"time"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// Connections outlive a lock with their tokens, are stored encrypted (no
// token in the store's bytes), are not exported, and Disconnect forgets them.
func TestConnections(t *testing.T) {
	ctx := context.Background()
	st := vault.NewMemStore()
	s, _, err := Create(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	c, err := s.SaveConnection(ctx, record.Connection{Name: "Springfield Clinic", FHIR: "https://fhir.example/r4", TokenURL: "https://fhir.example/token",
		ClientID: "backpack", Patient: "p-123", Access: "ACCESS-TOKEN-SECRET", Refresh: "REFRESH-TOKEN-SECRET", Expires: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c.LastPull = t0
	if _, err := s.SaveConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"ACCESS-TOKEN-SECRET", "REFRESH-TOKEN-SECRET", "fhir.example", "p-123"} {
		if storeHolds(t, st, secret) {
			t.Errorf("the store holds %q in plaintext", secret)
		}
	}
	s.Lock()
	s2, err := Unlock(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	got := s2.Connections()
	if len(got) != 1 || got[0].Access != "ACCESS-TOKEN-SECRET" || got[0].Refresh != "REFRESH-TOKEN-SECRET" || !got[0].LastPull.Equal(t0) || got[0].ID != c.ID {
		t.Fatalf("after unlock: %+v", got)
	}
	if s2.Corrupt() != 0 {
		t.Errorf("%d corrupt", s2.Corrupt())
	}
	d, err := s2.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Entries)+len(d.Files)+len(d.Questions) != 0 {
		t.Errorf("a connection leaked into the export data: %+v", d)
	}
	if err := s2.DeleteConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := s2.Connection(c.ID); ok || len(s2.Connections()) != 0 {
		t.Error("still connected")
	}
	s2.Lock()
	s3, err := Unlock(ctx, st, "pass phrase words here")
	if err != nil {
		t.Fatal(err)
	}
	if len(s3.Connections()) != 0 {
		t.Error("a disconnected connection came back")
	}
}

// storeHolds reports whether any record of the store holds b in plaintext.
func storeHolds(t *testing.T, st *vault.MemStore, s string) bool {
	t.Helper()
	for bucket, kv := range st.Dump() {
		for k, raw := range kv {
			if bytes.Contains(raw, []byte(s)) || bytes.Contains([]byte(bucket+k), []byte(s)) {
				return true
			}
		}
	}
	return false
}
