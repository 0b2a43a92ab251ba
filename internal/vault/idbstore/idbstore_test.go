//go:build js && wasm

package idbstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall/js"
	"testing"

	"backpack/internal/vault"
)

var (
	ctx     = context.Background()
	realKDF = vault.DefaultKDF
	dbSeq   int
)

func TestMain(m *testing.M) {
	vault.DefaultKDF = vault.KDFParams{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

// open returns a fresh database, deleted when the test ends.
func open(t testing.TB) *Store {
	t.Helper()
	dbSeq++
	name := fmt.Sprintf("backpack-test-%s-%d", t.Name(), dbSeq)
	s, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		Delete(ctx, name)
	})
	return s
}

func dump(t *testing.T, s *Store) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, b := range vault.Buckets {
		out[b] = map[string]string{}
		err := s.Each(ctx, b, func(k string, v []byte) error {
			out[b][k] = string(v)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestPutGetEach(t *testing.T) {
	s := open(t)
	if _, err := s.Get(ctx, vault.BucketRecords, "nope"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatal(err)
	}
	err := s.Write(ctx, []vault.Op{
		{Bucket: vault.BucketRecords, Key: "b", Value: []byte("two")},
		{Bucket: vault.BucketRecords, Key: "a", Value: []byte("one")},
		{Bucket: vault.BucketRecords, Key: "c", Value: []byte{}},
		{Bucket: vault.BucketMeta, Key: "schema", Value: []byte("2")},
		{Bucket: vault.BucketChunks, Key: "f1.00000000", Value: []byte("c0")},
		{Bucket: vault.BucketChunks, Key: "f1.00000001", Value: []byte("c1")},
		{Bucket: vault.BucketChunks, Key: "f2.00000000", Value: []byte("d0")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, vault.BucketRecords, "a"); err != nil || string(v) != "one" {
		t.Fatal(v, err)
	}
	if v, err := s.Get(ctx, vault.BucketRecords, "c"); err != nil || v == nil || len(v) != 0 {
		t.Fatalf("empty value: %v %v", v, err)
	}
	var keys []string
	s.Each(ctx, vault.BucketRecords, func(k string, v []byte) error {
		keys = append(keys, k+"="+string(v))
		return nil
	})
	if strings.Join(keys, ",") != "a=one,b=two,c=" {
		t.Fatal(keys)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.Each(ctx, vault.BucketRecords, func(string, []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Fatal(err, n)
	}
	// Delete, prefix delete and put in one batch.
	err = s.Write(ctx, []vault.Op{
		{Bucket: vault.BucketRecords, Key: "a", Delete: true},
		{Bucket: vault.BucketChunks, Key: "f1", Delete: true, Prefix: true},
		{Bucket: vault.BucketRecords, Key: "b", Value: []byte("TWO")},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := dump(t, s)
	if fmt.Sprint(d[vault.BucketRecords]) != "map[b:TWO c:]" || fmt.Sprint(d[vault.BucketChunks]) != "map[f2.00000000:d0]" {
		t.Fatal(d)
	}
}

func TestEachBatches(t *testing.T) {
	s := open(t)
	const n = 2600
	var ops []vault.Op
	for i := 0; i < n; i++ {
		ops = append(ops, vault.Op{Bucket: vault.BucketRecords, Key: fmt.Sprintf("k%05d", i), Value: []byte(fmt.Sprint(i))})
	}
	if err := s.Write(ctx, ops); err != nil {
		t.Fatal(err)
	}
	i := 0
	// fn may write (the migration does): rewrite every tenth key as we go.
	err := s.Each(ctx, vault.BucketRecords, func(k string, v []byte) error {
		if k != fmt.Sprintf("k%05d", i) || string(v) != fmt.Sprint(i) {
			return fmt.Errorf("at %d: %s=%s", i, k, v)
		}
		i++
		if i%10 != 0 {
			return nil
		}
		return s.Write(ctx, []vault.Op{{Bucket: vault.BucketRecords, Key: k, Value: []byte("new")}})
	})
	if err != nil || i != n {
		t.Fatal(err, i)
	}
	d := dump(t, s)[vault.BucketRecords]
	if len(d) != n || d["k00009"] != "new" || d["k02599"] != "new" || d["k02598"] != "2598" {
		t.Fatal("rewrites lost")
	}
}

func TestWriteAtomic(t *testing.T) {
	s := open(t)
	base := []vault.Op{{Bucket: vault.BucketRecords, Key: "keep", Value: []byte("v1")}}
	if err := s.Write(ctx, base); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	batch := []vault.Op{
		{Bucket: vault.BucketMeta, Key: "m", Value: []byte("x")},
		{Bucket: vault.BucketRecords, Key: "keep", Value: []byte("v2")},
		{Bucket: vault.BucketChunks, Key: "c", Value: bytes.Repeat([]byte("z"), 1<<20)},
		{Bucket: vault.BucketBodies, Key: "keep", Delete: true},
	}
	t.Run("aborted transaction", func(t *testing.T) {
		err := s.write(ctx, batch, func(txn js.Value) { txn.Call("abort") })
		if err == nil {
			t.Fatal("no error")
		}
		if d := dump(t, s); fmt.Sprint(d) != fmt.Sprint(before) {
			t.Fatalf("aborted write left %v", d)
		}
	})
	t.Run("invalid batch", func(t *testing.T) {
		bad := append(append([]vault.Op{}, batch...), vault.Op{Bucket: "nope", Key: "k", Value: []byte("x")})
		if err := s.Write(ctx, bad); err == nil {
			t.Fatal("no error")
		}
		bad = append(append([]vault.Op{}, batch...), vault.Op{Bucket: vault.BucketMeta, Key: "", Value: []byte("x")})
		if err := s.Write(ctx, bad); err == nil {
			t.Fatal("no error")
		}
		if d := dump(t, s); fmt.Sprint(d) != fmt.Sprint(before) {
			t.Fatalf("invalid write left %v", d)
		}
	})
	t.Run("committed", func(t *testing.T) {
		if err := s.Write(ctx, batch); err != nil {
			t.Fatal(err)
		}
		d := dump(t, s)
		if d[vault.BucketMeta]["m"] != "x" || d[vault.BucketRecords]["keep"] != "v2" || len(d[vault.BucketChunks]["c"]) != 1<<20 {
			t.Fatal("batch not applied")
		}
	})
	t.Run("closed database", func(t *testing.T) {
		s.Close()
		if err := s.Write(ctx, batch); err == nil {
			t.Fatal("write to a closed database succeeded")
		}
		if _, err := s.Get(ctx, vault.BucketMeta, "m"); err == nil {
			t.Fatal("read from a closed database succeeded")
		}
	})
}

func TestVaultOnIndexedDB(t *testing.T) {
	s := open(t)
	v, rk, err := vault.Create(ctx, s, "pass phrase")
	if err != nil {
		t.Fatal(err)
	}
	recs := []vault.Record{
		{ID: "Patient-Jane", Header: []byte("Observation 2024"), Body: []byte("HbA1c 7.2%")},
		{ID: vault.NewID(), Header: []byte("h2")},
	}
	if err := v.Put(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	file := bytes.Repeat([]byte("0123456789abcdef"), (3*vault.ChunkSize)/16+100)
	if n, err := v.PutFile(ctx, "xray", bytes.NewReader(file)); err != nil || n != int64(len(file)) {
		t.Fatal(n, err)
	}
	for bucket, kv := range dump(t, s) {
		for k, val := range kv {
			for _, sec := range []string{"Patient-Jane", "Observation", "HbA1c", "0123456789abcdef", "xray"} {
				if strings.Contains(k, sec) || strings.Contains(val, sec) {
					t.Errorf("%s/%s holds %q", bucket, k, sec)
				}
			}
		}
	}
	v.Lock()
	if _, err := vault.Unlock(ctx, s, "wrong"); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatal(err)
	}
	v, err = vault.UnlockWithRecoveryKey(ctx, s, rk)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := v.Body(ctx, "Patient-Jane"); err != nil || string(b) != "HbA1c 7.2%" {
		t.Fatal(b, err)
	}
	r, err := v.OpenFile(ctx, "xray")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, file) {
		t.Fatal(len(got), err)
	}
	if err := v.DeleteFile(ctx, "xray"); err != nil {
		t.Fatal(err)
	}
	if n := len(dump(t, s)[vault.BucketChunks]); n != 0 {
		t.Fatalf("%d chunks left", n)
	}
}

func TestStorageHelpers(t *testing.T) {
	usage, quota, err := Estimate(ctx)
	if err != nil || quota == 0 {
		t.Fatal(usage, quota, err)
	}
	t.Logf("usage %d quota %d", usage, quota)
	if _, err := Persisted(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Persist(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestGetMany(t *testing.T) {
	s := open(t)
	err := s.Write(ctx, []vault.Op{
		{Bucket: vault.BucketChunks, Key: "a", Value: []byte("one")},
		{Bucket: vault.BucketChunks, Key: "c", Value: []byte{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMany(ctx, vault.BucketChunks, []string{"a", "b", "c"})
	if err != nil || len(got) != 3 || string(got[0]) != "one" || got[1] != nil || got[2] == nil || len(got[2]) != 0 {
		t.Fatalf("%q %v", got, err)
	}
}

// A Put of 10,000 records is one IndexedDB transaction: a request failing
// after every other one was issued leaves nothing behind.
func TestPut10kAtomic(t *testing.T) {
	s := open(t)
	v, _, err := vault.Create(ctx, s, "pass phrase")
	if err != nil {
		t.Fatal(err)
	}
	base := records(100, 300)
	if err := v.Put(ctx, base...); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	// The batch replaces half the records already stored (their packs are
	// rewritten or deleted in the same transaction) and adds 9,950.
	batch := append(records(9950, 1024), base[:50]...)
	for i := range base[:50] {
		batch[9950+i].Header = []byte("changed")
	}
	var existing string
	for k := range before[vault.BucketRecords] {
		existing = k
	}
	txns := 0
	testBeforeCommit = func(txn js.Value) {
		txns++
		// add() of a key that exists fails inside IndexedDB, after the
		// batch's last request: the transaction aborts.
		txn.Call("objectStore", vault.BucketRecords).Call("add", js.Global().Get("Uint8Array").New(1), existing)
	}
	err = v.Put(ctx, batch...)
	testBeforeCommit = nil
	var de *DOMError
	if !errors.As(err, &de) || de.Name != "ConstraintError" {
		t.Fatalf("Put: %v", err)
	}
	if txns != 1 {
		t.Fatalf("Put took %d transactions", txns)
	}
	if d := dump(t, s); fmt.Sprint(d) != fmt.Sprint(before) {
		t.Fatal("failed Put changed the store")
	}
	if h, _ := v.Headers(); len(h) != 100 || string(h[base[0].ID]) == "changed" {
		t.Fatal("failed Put changed the cache")
	}
	if err := v.Put(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	v, err = vault.Unlock(ctx, s, "pass phrase")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := v.Headers()
	if c, _ := v.Corrupt(); len(h) != 10050 || len(c) != 0 || string(h[base[0].ID]) != "changed" {
		t.Fatal(len(h), c)
	}
	if b, err := v.Body(ctx, batch[123].ID); err != nil || !bytes.Equal(b, batch[123].Body) {
		t.Fatal(err)
	}
}
