//go:build !wasm

package replica

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// longHistory makes a device holding the corpus's long record (9,290
// resources) with sync on and pushed, or skips.
func longHistory(b *testing.B) (*device, string) {
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "corpus", "large", "long-history.json.gz"))
	if err != nil {
		b.Skip("corpus absent")
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	var bundle struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &bundle); err != nil {
		b.Fatal(err)
	}
	store := vault.NewMemStore()
	s, _, err := session.Create(ctx, store, pass)
	if err != nil {
		b.Fatal(err)
	}
	var entries []record.Entry
	var prof *record.Profile
	for _, e := range bundle.Entry {
		res, err := fhir.Parse(e.Resource)
		if err != nil {
			b.Fatal(err)
		}
		if res.Type == "Patient" {
			prof = &record.Profile{Name: "Long History", Relationship: "self", Patient: res}
			continue
		}
		p, err := record.Project(res)
		if err != nil {
			continue
		}
		entries = append(entries, record.Entry{Resource: res, Projection: p, Provenance: record.Provenance{Source: "fhir"}})
	}
	if _, _, err := s.Import(ctx, prof, entries); err != nil {
		b.Fatal(err)
	}
	srv := realServer(b)
	e, err := Enable(ctx, s, opts(srv))
	if err != nil {
		b.Fatal(err)
	}
	d := &device{s: s, store: store, e: e}
	if _, err := e.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	inv, err := e.Invite(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return d, inv.Code
}

// BenchmarkFirstSync: a new device joins and pulls the long record.
func BenchmarkFirstSync(b *testing.B) {
	a, _ := longHistory(b)
	srv := a.e.c.origin
	for i := 0; i < b.N; i++ {
		inv, err := a.e.Invite(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		j, err := StartJoin(ctx, inv.Code, Options{Origin: srv})
		if err != nil {
			b.Fatal(err)
		}
		v, err := j.Unlock(ctx, vault.NewMemStore(), pass)
		if err != nil {
			b.Fatal(err)
		}
		s, err := session.Open(ctx, v)
		if err != nil {
			b.Fatal(err)
		}
		e, err := Open(ctx, s, Options{Origin: srv})
		if err != nil {
			b.Fatal(err)
		}
		r, err := e.Sync(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(r.Pulled), "records")
	}
}

// BenchmarkIncrementalSync: one note on one device, pulled by the other.
func BenchmarkIncrementalSync(b *testing.B) {
	a, code := longHistory(b)
	srv := a.e.c.origin
	j, err := StartJoin(ctx, code, Options{Origin: srv})
	if err != nil {
		b.Fatal(err)
	}
	v, err := j.Unlock(ctx, vault.NewMemStore(), pass)
	if err != nil {
		b.Fatal(err)
	}
	s, _ := session.Open(ctx, v)
	e, _ := Open(ctx, s, Options{Origin: srv})
	if _, err := e.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	page, _ := a.s.Book().Timeline(record.Filter{Profile: a.s.Book().Profiles()[0].ID}, 0, 1)
	if len(page) == 0 {
		b.Fatal("no entry")
	}
	id := page[0].ID
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := a.s.AddNote(ctx, id, "note"); err != nil {
			b.Fatal(err)
		}
		if _, err := a.e.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if r, err := e.Sync(ctx); err != nil || r.Pulled != 1 {
			b.Fatalf("%+v %v", r, err)
		}
	}
}
