package vault

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func manyRecords(prefix string, n int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		id := fmt.Sprintf("%s%04d", prefix, i)
		var body []byte
		switch i % 3 {
		case 1:
			body = []byte("inline body " + id)
		case 2:
			body = bytes.Repeat([]byte(id), InlineBodyMax/len(id)+1) // in BucketBodies
		}
		recs[i] = Record{ID: id, Header: []byte("header " + id), Body: body}
	}
	return recs
}

// checkRecords checks that v (and a fresh unlock of s) hold exactly recs,
// with no corrupt record, and that no pack holds a dead entry.
func checkRecords(t *testing.T, s *MemStore, v *Vault, recs []Record) {
	t.Helper()
	v2, err := Unlock(ctx, s, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []*Vault{v, v2} {
		if c, _ := v.Corrupt(); len(c) != 0 {
			t.Fatalf("corrupt %v", c)
		}
		h, _ := v.Headers()
		if len(h) != len(recs) {
			t.Fatalf("%d headers, want %d", len(h), len(recs))
		}
		ids := make([]string, len(recs))
		for i, r := range recs {
			ids[i] = r.ID
		}
		bodies, err := v.Bodies(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			if !bytes.Equal(bodies[i], r.Body) {
				t.Fatalf("%s: Bodies gave %q", r.ID, bodies[i])
			}
		}
		for _, r := range recs {
			if !bytes.Equal(h[r.ID], r.Header) {
				t.Fatalf("%s: header %q", r.ID, h[r.ID])
			}
			if b, err := v.Body(ctx, r.ID); err != nil || !bytes.Equal(b, r.Body) {
				t.Fatalf("%s: body %q, %v", r.ID, b, err)
			}
		}
	}
	if !reflect.DeepEqual(v.packs, v2.packs) {
		t.Fatalf("pack counts %v, stored %v", v.packs, v2.packs)
	}
	entries := 0
	for key, val := range s.Dump()[BucketRecords] {
		if !isPack(key) {
			entries++
			continue
		}
		eachPackEntry(val, func(string, []byte) error { entries++; return nil })
	}
	if entries != len(recs) {
		t.Fatalf("%d stored records, want %d", entries, len(recs))
	}
	v2.Lock()
}

func TestPacks(t *testing.T) {
	s, v, _ := newVault(t)
	recs := manyRecords("a", 300)
	mustPut(t, v, recs...)
	d := s.Dump()[BucketRecords]
	if len(d) >= 10 {
		t.Fatalf("300 records in %d values", len(d))
	}
	for key := range d {
		if !isPack(key) {
			t.Fatalf("record %s stored alone", key)
		}
	}
	checkRecords(t, s, v, recs)

	// One record changed: it leaves its pack and is stored alone.
	recs[7] = Record{ID: recs[7].ID, Header: []byte("new 7"), Body: []byte("new body")}
	recs[8] = Record{ID: recs[8].ID, Header: []byte("new 8")} // its big body goes
	mustPut(t, v, recs[7], recs[8])
	checkRecords(t, s, v, recs)

	// Deletes: from packs, alone, unknown, repeated.
	if err := v.Delete(ctx, recs[7].ID, recs[9].ID, recs[10].ID, "nope", recs[9].ID); err != nil {
		t.Fatal(err)
	}
	recs = append(append(recs[:7:7], recs[8]), recs[11:]...)
	checkRecords(t, s, v, recs)
	bodies := 0
	for _, r := range recs {
		if len(r.Body) > InlineBodyMax {
			bodies++
		}
	}
	if n := len(s.Dump()[BucketBodies]); n != bodies {
		t.Fatalf("%d bodies, want %d", n, bodies)
	}

	// A second big Put replacing half the records and adding others: the
	// old packs shrink or go.
	more := manyRecords("b", 100)
	for i := 0; i < len(recs); i += 2 {
		recs[i].Header = []byte("v2 " + recs[i].ID)
		more = append(more, recs[i])
	}
	mustPut(t, v, more...)
	for _, r := range more[:100] {
		recs = append(recs, r)
	}
	checkRecords(t, s, v, recs)

	// Everything replaced: no old pack is left.
	before := len(s.Dump()[BucketRecords])
	mustPut(t, v, recs...)
	checkRecords(t, s, v, recs)
	if after := len(s.Dump()[BucketRecords]); after > before {
		t.Fatalf("%d values after rewriting everything, %d before", after, before)
	}

	// Delete everything.
	ids, _ := v.IDs()
	if err := v.Delete(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, s, v, nil)
	if d := s.Dump(); len(d[BucketRecords])+len(d[BucketBodies]) != 0 {
		t.Fatal("values left after deleting every record")
	}
}

// Writes that move records out of packs are atomic too.
func TestPacksAtomic(t *testing.T) {
	s, v, _ := newVault(t)
	recs := manyRecords("a", 100)
	mustPut(t, v, recs...)
	before := s.Dump()
	s.FailWrite = func([]Op) error { return errors.New("disk full") }
	for name, fn := range map[string]func() error{
		"put one":    func() error { return v.Put(ctx, Record{ID: recs[3].ID, Header: []byte("x")}) },
		"put many":   func() error { return v.Put(ctx, manyRecords("a", 50)...) },
		"delete one": func() error { return v.Delete(ctx, recs[3].ID) },
		"delete all": func() error { return v.Delete(ctx, recs[0].ID, recs[1].ID) },
	} {
		if err := fn(); err == nil {
			t.Fatal(name, "no error")
		}
	}
	s.FailWrite = nil
	if !equalDumps(before, s.Dump()) {
		t.Fatal("a failed write changed the store")
	}
	checkRecords(t, s, v, recs)
}

func TestTamperPacks(t *testing.T) {
	const pass = "correct horse battery staple"
	setup := func(t *testing.T) (*MemStore, *Vault, string) {
		s, v, _ := newVault(t)
		mustPut(t, v, manyRecords("a", 40)...)
		for key := range s.Dump()[BucketRecords] {
			return s, v, key
		}
		panic("no pack")
	}
	edit := func(s *MemStore, pack string, fn func([]byte) []byte) {
		d := s.Dump()
		d[BucketRecords][pack] = fn(d[BucketRecords][pack])
		s.Load(d)
	}
	t.Run("flip a header in a pack", func(t *testing.T) {
		s, v, pack := setup(t)
		key := v.k.storageKey(kindRecord, "a0005")
		edit(s, pack, func(b []byte) []byte {
			i := bytes.Index(b, []byte(key))
			b[i+len(key)+10] ^= 1
			return b
		})
		v, err := Unlock(ctx, s, pass)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := v.Corrupt(); !reflect.DeepEqual(c, []string{key}) {
			t.Fatalf("corrupt %v", c)
		}
		if h, _ := v.Headers(); len(h) != 39 {
			t.Fatal(len(h))
		}
		// Records around it still work, and writes keep the bad entry.
		if b, err := v.Body(ctx, "a0004"); err != nil || string(b) != "inline body a0004" {
			t.Fatal(b, err)
		}
		if err := v.Delete(ctx, "a0004"); err != nil {
			t.Fatal(err)
		}
		v, _ = Unlock(ctx, s, pass)
		if c, _ := v.Corrupt(); !reflect.DeepEqual(c, []string{key}) {
			t.Fatalf("corrupt after a rewrite %v", c)
		}
	})
	t.Run("garbled pack", func(t *testing.T) {
		s, _, pack := setup(t)
		edit(s, pack, func(b []byte) []byte { return append(b, 0xff) })
		v, err := Unlock(ctx, s, pass)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := v.Corrupt()
		if len(c) != 1 || c[0] != pack {
			t.Fatalf("corrupt %v", c)
		}
		if h, _ := v.Headers(); len(h) != 40 {
			t.Fatal("entries before the damage lost", len(h))
		}
	})
	t.Run("entry moved to another key", func(t *testing.T) {
		s, v, pack := setup(t)
		k5, k6 := v.k.storageKey(kindRecord, "a0005"), v.k.storageKey(kindRecord, "a0006")
		edit(s, pack, func(b []byte) []byte {
			return bytes.Replace(b, []byte(k5), []byte(k6), 1)
		})
		v, _ = Unlock(ctx, s, pass)
		if c, _ := v.Corrupt(); !reflect.DeepEqual(c, []string{k6}) {
			t.Fatalf("corrupt %v", c)
		}
		if _, err := v.Header("a0005"); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if _, err := v.Header("a0006"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("record copied out of its pack", func(t *testing.T) {
		s, v, pack := setup(t)
		key := v.k.storageKey(kindRecord, "a0005")
		d := s.Dump()
		val, _ := findInPack(d[BucketRecords][pack], key)
		d[BucketRecords][key] = val
		s.Load(d)
		v, _ = Unlock(ctx, s, pass)
		if c, _ := v.Corrupt(); !reflect.DeepEqual(c, []string{key}) {
			t.Fatalf("corrupt %v", c)
		}
		if h, _ := v.Header("a0005"); !strings.HasPrefix(string(h), "header") {
			t.Fatal(h)
		}
	})
}

// A version 2 vault (records stored alone) opens, is bumped to version 3
// without rewriting a value, and packs from then on.
func TestMigrate2to3(t *testing.T) {
	s, v, _ := newVault(t)
	recs := manyRecords("a", PackMin-1)
	mustPut(t, v, recs...)
	s.Write(ctx, []Op{{Bucket: BucketMeta, Key: metaSchema, Value: []byte("2")}})
	before := s.Dump()
	v, err := Unlock(ctx, s, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	after := s.Dump()
	if string(after[BucketMeta][metaSchema]) != "3" {
		t.Fatal("schema not bumped")
	}
	after[BucketMeta][metaSchema] = before[BucketMeta][metaSchema]
	if !equalDumps(before, after) {
		t.Fatal("migration rewrote values")
	}
	more := manyRecords("b", PackMin)
	mustPut(t, v, more...)
	checkRecords(t, s, v, append(recs, more...))
}

func TestPackCache(t *testing.T) {
	var c packCache
	val := func(n int) []byte { return make([]byte, n) }
	q := PackCacheBytes / 4
	g := c.generation()
	c.put("a", val(q), g)
	c.put("b", val(q), g)
	c.put("c", val(q), g)
	c.get("a") // a is now the most recent
	c.put("d", val(q), g)
	c.put("e", val(q), g) // over budget: b goes
	if c.get("b") != nil || c.get("a") == nil || c.get("e") == nil {
		t.Fatal("not least recently used first")
	}
	c.put("big", val(q+1), g)
	if c.get("big") != nil {
		t.Fatal("oversized value cached")
	}
	c.drop("a")
	if c.get("a") != nil {
		t.Fatal("dropped value kept")
	}
	c.put("f", val(1), g) // read before the drop: stale
	if c.get("f") != nil {
		t.Fatal("stale value cached")
	}
	c.drop()
	if c.get("e") != nil || c.size != 0 {
		t.Fatal("drop all kept values")
	}
}

// Bodies read through the cache follow writes that rewrite their pack.
func TestPackCacheFollowsWrites(t *testing.T) {
	s, v, _ := newVault(t)
	recs := manyRecords("a", 40)
	mustPut(t, v, recs...)
	checkRecords(t, s, v, recs) // fills the cache
	if v.pcache.size == 0 {
		t.Fatal("nothing cached")
	}
	recs[1].Body = []byte("changed inline body")
	mustPut(t, v, recs[1])
	if err := v.Delete(ctx, recs[4].ID); err != nil {
		t.Fatal(err)
	}
	recs = append(recs[:4], recs[5:]...)
	checkRecords(t, s, v, recs)
	v.Lock()
	if v.pcache.size != 0 {
		t.Fatal("Lock kept the cache")
	}
}
