package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// v1Vector is testdata/v1.json: a store written in schema version 1 (no
// schema version in the AAD), generated once with -update-v1.
type v1Vector struct {
	Passphrase  string                       `json:"passphrase"`
	RecoveryKey string                       `json:"recovery_key"`
	Store       map[string]map[string][]byte `json:"store"`
}

var v1Records = []Record{
	{ID: "rec-1", Header: []byte("header one"), Body: []byte("body one")},
	{ID: "rec-2", Header: []byte("header two")},
}

const v1File = "small file content, schema 1\n"

// writeV1 creates a vault in the version 1 format, as the code of that
// version wrote it.
func writeV1(t *testing.T, s *MemStore, pass string, recs []Record, files map[string][]byte) string {
	t.Helper()
	v, rk, err := Create(ctx, s, pass)
	if err != nil {
		t.Fatal(err)
	}
	v.schema = 1
	mustPut(t, v, recs...)
	for id, data := range files {
		if _, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Write(ctx, []Op{{Bucket: BucketMeta, Key: metaSchema, Value: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	return rk
}

func checkMigrated(t *testing.T, v *Vault, recs []Record, files map[string][]byte) {
	t.Helper()
	if c, _ := v.Corrupt(); len(c) != 0 {
		t.Fatalf("corrupt after migration: %v", c)
	}
	h, _ := v.Headers()
	if len(h) != len(recs) {
		t.Fatalf("%d headers, want %d", len(h), len(recs))
	}
	for _, r := range recs {
		if !bytes.Equal(h[r.ID], r.Header) {
			t.Fatalf("%s header %q", r.ID, h[r.ID])
		}
		b, err := v.Body(ctx, r.ID)
		if err != nil || !bytes.Equal(b, r.Body) {
			t.Fatalf("%s body %q %v", r.ID, b, err)
		}
	}
	for id, data := range files {
		got, err := readFile(t, v, id)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("file %s: %d bytes, %v", id, len(got), err)
		}
	}
	s := v.store
	if raw, _ := s.Get(ctx, BucketMeta, metaSchema); string(raw) != strconv.Itoa(SchemaVersion) {
		t.Fatalf("schema %q", raw)
	}
	// Nothing opens under the version 1 AAD any more.
	for _, bucket := range []string{BucketRecords, BucketBodies} {
		s.Each(ctx, bucket, func(key string, val []byte) error {
			if _, err := open(v.k.aead, nil, aad(1, bucket, key, nil), val); err == nil {
				t.Errorf("%s/%s still in version 1 format", bucket, key)
			}
			return nil
		})
	}
}

func TestMigrateV1Vector(t *testing.T) {
	const path = "testdata/v1.json"
	files := map[string][]byte{"file-1": []byte(v1File)}
	if *updateV1 {
		s := NewMemStore()
		vec := v1Vector{Passphrase: "backpack v1 test vector"}
		vec.RecoveryKey = writeV1(t, s, vec.Passphrase, v1Records, files)
		vec.Store = s.Dump()
		out, _ := json.MarshalIndent(vec, "", "\t")
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vec v1Vector
	if err := json.Unmarshal(raw, &vec); err != nil {
		t.Fatal(err)
	}
	for _, unlock := range map[string]func(*MemStore) (*Vault, error){
		"passphrase":   func(s *MemStore) (*Vault, error) { return Unlock(ctx, s, vec.Passphrase) },
		"recovery key": func(s *MemStore) (*Vault, error) { return UnlockWithRecoveryKey(ctx, s, vec.RecoveryKey) },
	} {
		s := NewMemStore()
		s.Load(vec.Store)
		if _, err := Unlock(ctx, s, "wrong"); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Dump(), NewMemStoreFrom(vec.Store).Dump()) {
			t.Fatal("a failed unlock migrated")
		}
		v, err := unlock(s)
		if err != nil {
			t.Fatal(err)
		}
		checkMigrated(t, v, v1Records, files)
		v.Lock()
		// And again, now from version 2.
		v, err = Unlock(ctx, s, vec.Passphrase)
		if err != nil {
			t.Fatal(err)
		}
		checkMigrated(t, v, v1Records, files)
		// Rewriting a migrated record moves its small body inline.
		mustPut(t, v, Record{ID: "rec-1", Header: []byte("h"), Body: []byte("new body")})
		if n := len(s.Dump()[BucketBodies]); n != 0 {
			t.Fatalf("%d separate bodies left", n)
		}
		if b, err := v.Body(ctx, "rec-1"); err != nil || string(b) != "new body" {
			t.Fatal(b, err)
		}
	}
}

// A migration cut short (browser closed, quota) resumes at the next unlock.
func TestMigrateResumes(t *testing.T) {
	const pass = "resume"
	s := NewMemStore()
	var recs []Record
	for i := 0; i < migrateBatchOps+10; i++ {
		id := NewID()
		recs = append(recs, Record{ID: id, Header: []byte("h" + id), Body: []byte(strings.Repeat("b", i%7))})
	}
	files := map[string][]byte{"big": pattern(2*ChunkSize + 77), "exact": pattern(ChunkSize), "empty": nil}
	writeV1(t, s, pass, recs, files)
	// Every attempt fails at its second write; each keeps the progress of
	// its first, until a last attempt has only one batch and the schema left.
	attempts := 0
	var v *Vault
	for ; attempts < 10; attempts++ {
		writes := 0
		s.FailWrite = func([]Op) error {
			if writes++; writes == 2 {
				return errors.New("tab closed")
			}
			return nil
		}
		var err error
		if v, err = Unlock(ctx, s, pass); err == nil {
			break
		}
		if raw, _ := s.Get(ctx, BucketMeta, metaSchema); string(raw) == strconv.Itoa(SchemaVersion) {
			t.Fatalf("schema %q after an interrupted migration", raw)
		}
	}
	s.FailWrite = nil
	if attempts < 3 || v == nil {
		t.Fatalf("%d attempts", attempts)
	}
	for i := range recs {
		if len(recs[i].Body) == 0 {
			recs[i].Body = nil
		}
	}
	checkMigrated(t, v, recs, files)
}

// NewMemStoreFrom returns a MemStore holding a copy of d.
func NewMemStoreFrom(d map[string]map[string][]byte) *MemStore {
	s := NewMemStore()
	s.Load(d)
	return s
}
