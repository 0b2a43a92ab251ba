package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// plainStore hides MemStore's GetMany, so Bodies reads key by key.
type plainStore struct{ Store }

// bodiesVault makes a vault holding every kind of record: without a body,
// with an inline or a separate body, stored alone or packed, and records
// moved out of their pack by a later Put.
func bodiesVault(t *testing.T, s Store) (*Vault, []Record) {
	t.Helper()
	v, _, err := Create(ctx, s, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	packed := manyRecords("p", 3*PackMin)                       // packed: none, inline, separate
	alone := manyRecords("a", 6)                                // alone: none, inline, separate
	moved := []Record{{ID: "p0001", Body: []byte("now alone")}} // out of its pack
	for _, recs := range [][]Record{packed, alone, moved} {
		if err := v.Put(ctx, recs...); err != nil {
			t.Fatal(err)
		}
	}
	all := append(slices.Clone(packed), alone...)
	all[1] = moved[0]
	return v, all
}

// checkBodies checks that Bodies(ids) matches Body for each id: the same
// bodies, or an error of the same kind.
func checkBodies(t *testing.T, v *Vault, ids []string) {
	t.Helper()
	got, err := v.Bodies(ctx, ids)
	var firstErr error
	for i, id := range ids {
		want, werr := v.Body(ctx, id)
		if werr != nil {
			if firstErr == nil {
				firstErr = werr
			}
			continue
		}
		if err == nil && !bytes.Equal(got[i], want) {
			t.Fatalf("%s: Bodies %q, Body %q", id, got[i], want)
		}
	}
	switch {
	case firstErr == nil && err != nil:
		t.Fatalf("Bodies: %v, Body: no error", err)
	case firstErr != nil && err == nil:
		t.Fatalf("Bodies: no error, Body: %v", firstErr)
	case firstErr != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotFound):
		t.Fatalf("Bodies: %v", err)
	case err == nil && len(got) != len(ids):
		t.Fatalf("%d bodies for %d ids", len(got), len(ids))
	}
}

func ids(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func TestBodies(t *testing.T) {
	for _, small := range []bool{false, true} {
		for _, batch := range []bool{true, false} {
			t.Run(fmt.Sprintf("small rounds %v, GetMany %v", small, batch), func(t *testing.T) {
				if small {
					defer func(p, a, b int) { bodiesRoundPacks, bodiesRoundAlone, bodiesRoundBodies = p, a, b }(bodiesRoundPacks, bodiesRoundAlone, bodiesRoundBodies)
					bodiesRoundPacks, bodiesRoundAlone, bodiesRoundBodies = 1, 2, 1
				}
				var s Store = NewMemStore()
				if !batch {
					s = plainStore{s}
				}
				v, recs := bodiesVault(t, s)
				got, err := v.Bodies(ctx, ids(recs))
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range recs {
					if !bytes.Equal(got[i], r.Body) || (r.Body == nil) != (got[i] == nil) {
						t.Fatalf("%s: %q", r.ID, got[i])
					}
				}
				// Any order, duplicates, none.
				some := []string{recs[5].ID, recs[0].ID, recs[5].ID, recs[len(recs)-1].ID, recs[2].ID}
				checkBodies(t, v, some)
				if got, err := v.Bodies(ctx, nil); err != nil || len(got) != 0 {
					t.Fatal(got, err)
				}
				// A fresh unlock (entries from loadHeaders, not the cache).
				v2, err := Unlock(ctx, s, "correct horse battery staple")
				if err != nil {
					t.Fatal(err)
				}
				checkBodies(t, v2, ids(recs))
				if _, err := v2.Bodies(ctx, []string{recs[0].ID, "nope"}); !errors.Is(err, ErrNotFound) {
					t.Fatal(err)
				}
				v2.Lock()
				if _, err := v2.Bodies(ctx, ids(recs)); !errors.Is(err, ErrLocked) {
					t.Fatal(err)
				}
			})
		}
	}
}

// Every stored value tampered with in turn (a flipped byte in several
// places, the value deleted): Bodies fails exactly when Body fails for one
// of the ids, with ErrCorrupt or ErrNotFound, and otherwise agrees.
func TestBodiesTampered(t *testing.T) {
	s := NewMemStore()
	_, recs := bodiesVault(t, s)
	clean := s.Dump()
	for _, bucket := range []string{BucketRecords, BucketBodies} {
		for key, val := range clean[bucket] {
			for _, at := range []int{0, len(val) / 2, len(val) - 20, len(val) - 1, -1} {
				t.Run(fmt.Sprintf("%s/%.8s/%d", bucket, key, at), func(t *testing.T) {
					d := s.Dump()
					if at < 0 {
						delete(d[bucket], key)
					} else {
						d[bucket][key][at] ^= 1
					}
					s2 := NewMemStore()
					s2.Load(d)
					v, err := Unlock(ctx, s2, "correct horse battery staple")
					if err != nil {
						t.Fatal(err)
					}
					h, _ := v.IDs()
					checkBodies(t, v, h)
					for _, id := range ids(recs) {
						checkBodies(t, v, []string{id})
					}
				})
			}
		}
	}
}

// Bodies read while other records are rewritten (moved out of and into
// packs, bodies moved between inline and separate) returns each record's
// old or new body, never an error.
func TestBodiesConcurrentWrites(t *testing.T) {
	s := NewMemStore()
	v, recs := bodiesVault(t, s)
	old := map[string][]byte{}
	for _, r := range recs {
		old[r.ID] = r.Body
	}
	newBody := func(id string, round int) []byte {
		if round%2 == 0 {
			return bytes.Repeat([]byte("new "+id), InlineBodyMax/4) // separate
		}
		return []byte("new " + id) // inline
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for round := 0; ; round++ {
			select {
			case <-stop:
				return
			default:
			}
			var batch []Record
			for i, r := range recs {
				if i%4 == round%4 {
					batch = append(batch, Record{ID: r.ID, Body: newBody(r.ID, round)})
				}
			}
			if round%3 == 0 {
				batch = batch[:3] // alone, not packed
			}
			if err := v.Put(ctx, batch...); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 30 {
		got, err := v.Bodies(ctx, ids(recs))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			if !bytes.Equal(got[i], old[r.ID]) && !bytes.Equal(got[i], newBody(r.ID, 0)) && !bytes.Equal(got[i], newBody(r.ID, 1)) {
				t.Fatalf("%s: %q", r.ID, got[i])
			}
		}
	}
	close(stop)
	wg.Wait()
}

// hookStore runs before once, before the first GetMany.
type hookStore struct {
	*MemStore
	before func()
}

func (h *hookStore) GetMany(c context.Context, bucket string, keys []string) ([][]byte, error) {
	if f := h.before; f != nil {
		h.before = nil
		f()
	}
	return h.MemStore.GetMany(c, bucket, keys)
}

// Records moved between Bodies' lookup and its read (out of a pack, into a
// pack, from a separate body to an inline one) are read again with Body.
func TestBodiesMoved(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(v *Vault, recs []Record) []Record
	}{
		{"out of pack", func(v *Vault, recs []Record) []Record {
			return []Record{{ID: recs[4].ID, Body: []byte("alone now")}}
		}},
		{"into pack", func(v *Vault, recs []Record) []Record {
			out := manyRecords("x", PackMin)
			out[0] = Record{ID: recs[len(recs)-2].ID, Body: []byte("packed now")}
			return out
		}},
		{"separate to inline", func(v *Vault, recs []Record) []Record {
			return []Record{{ID: recs[2].ID, Body: []byte("inline now")}, {ID: recs[len(recs)-1].ID, Body: []byte("inline too")}}
		}},
		{"whole pack rewritten", func(v *Vault, recs []Record) []Record {
			out := slices.Clone(recs[:3*PackMin])
			out[1] = Record{ID: out[1].ID}
			return out
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &hookStore{MemStore: NewMemStore()}
			v, recs := bodiesVault(t, s)
			want := map[string][]byte{}
			for _, r := range recs {
				want[r.ID] = r.Body
			}
			s.before = func() {
				w := tc.write(v, recs)
				if err := v.Put(ctx, w...); err != nil {
					t.Error(err)
				}
				for _, r := range w {
					want[r.ID] = r.Body
				}
			}
			got, err := v.Bodies(ctx, ids(recs))
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range recs {
				if !bytes.Equal(got[i], want[r.ID]) {
					t.Fatalf("%s: %q", r.ID, got[i])
				}
			}
		})
	}
}
