package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/trustelem/zxcvbn/frequency"

	"backpack/internal/i18n"
	"backpack/internal/zxcvbn"
)

var (
	updateV1 = flag.Bool("update-v1", false, "rewrite testdata/v1.json")
	realKDF  = DefaultKDF
	ctx      = context.Background()
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Tests use a cheap KDF; the slot stores its parameters, so Unlock
	// follows. TestDefaultKDF and the benchmarks use the real ones.
	DefaultKDF = KDFParams{Memory: 64, Time: 1, Threads: 1}
	// The app loads zxcvbn's word lists from web/zxcvbn.dat; the tests
	// from the library they are made of (the same bytes).
	if err := LoadWordLists(zxcvbn.Encode(frequency.FrequencyLists)); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func newVault(t testing.TB) (*MemStore, *Vault, string) {
	t.Helper()
	s := NewMemStore()
	v, rk, err := Create(ctx, s, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	return s, v, rk
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func mustPut(t testing.TB, v *Vault, recs ...Record) {
	t.Helper()
	if err := v.Put(ctx, recs...); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, v *Vault, id string) ([]byte, error) {
	t.Helper()
	r, err := v.OpenFile(ctx, id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func TestDefaultKDF(t *testing.T) {
	s := NewMemStore()
	if _, _, err := create(ctx, s, "pass", realKDF); err != nil {
		t.Fatal(err)
	}
	raw, _ := s.Get(ctx, BucketMeta, slotPassphrase)
	var slot keyslot
	if err := json.Unmarshal(raw, &slot); err != nil {
		t.Fatal(err)
	}
	if slot.KDF != "argon2id" || slot.Memory != 46*1024 || slot.Time != 1 || slot.Threads != 1 || len(slot.Salt) != 16 {
		t.Fatalf("slot %+v", slot)
	}
	if _, err := Unlock(ctx, s, "pass"); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	s, v, _ := newVault(t)
	mustPut(t, v,
		Record{ID: "a", Header: []byte("head a"), Body: []byte("body a")},
		Record{ID: "b", Header: []byte("head b")},
		Record{ID: "c", Header: nil, Body: []byte("body c")})
	data := pattern(2*ChunkSize + 12345)
	if n, err := v.PutFile(ctx, "f1", bytes.NewReader(data)); err != nil || n != int64(len(data)) {
		t.Fatal(n, err)
	}
	v.Lock()

	v, err := Unlock(ctx, s, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	h, err := v.Headers()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"a": []byte("head a"), "b": []byte("head b"), "c": {}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("headers %q", h)
	}
	ids, _ := v.IDs()
	if !reflect.DeepEqual(ids, []string{"a", "b", "c"}) {
		t.Fatal(ids)
	}
	for id, body := range map[string]string{"a": "body a", "b": "", "c": "body c"} {
		got, err := v.Body(ctx, id)
		if err != nil || string(got) != body {
			t.Fatalf("body %s: %q %v", id, got, err)
		}
	}
	if _, err := v.Body(ctx, "zz"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if got, err := readFile(t, v, "f1"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file: %d bytes, %v", len(got), err)
	}

	// Replace a record: new header, body removed.
	mustPut(t, v, Record{ID: "a", Header: []byte("head a2")})
	if got, _ := v.Body(ctx, "a"); got != nil {
		t.Fatalf("old body kept: %q", got)
	}
	if _, err := s.Get(ctx, BucketBodies, v.k.storageKey(kindBody, "a")); !errors.Is(err, ErrNotFound) {
		t.Fatal("old body still stored")
	}
	if err := v.Delete(ctx, "c", "unknown"); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	v, _ = Unlock(ctx, s, "correct horse battery staple")
	h, _ = v.Headers()
	if len(h) != 2 || string(h["a"]) != "head a2" {
		t.Fatalf("after replace/delete %q", h)
	}
	if n := len(s.Dump()[BucketBodies]); n != 0 {
		t.Fatalf("%d bodies left, want 0", n)
	}
}

func TestCreateExistsUnlockErrors(t *testing.T) {
	s := NewMemStore()
	if ok, err := Exists(ctx, s); ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := Unlock(ctx, s, "x"); !errors.Is(err, ErrNoVault) {
		t.Fatal(err)
	}
	if _, _, err := Create(ctx, s, ""); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatal(err)
	}
	if _, _, err := Create(ctx, s, "one"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := Exists(ctx, s); !ok {
		t.Fatal("Exists false")
	}
	if _, _, err := Create(ctx, s, "two"); !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	if _, err := Unlock(ctx, s, "one"); err != nil {
		t.Fatal(err)
	}
}

func TestWrongPassphraseChangesNothing(t *testing.T) {
	s, v, _ := newVault(t)
	mustPut(t, v, Record{ID: "a", Header: []byte("h")})
	before := s.Dump()
	for _, p := range []string{"", "wrong", "correct horse battery staple ", "Correct horse battery staple"} {
		if _, err := Unlock(ctx, s, p); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatalf("%q: %v", p, err)
		}
	}
	if !reflect.DeepEqual(before, s.Dump()) {
		t.Fatal("store changed")
	}
}

func TestUnicodeNormalization(t *testing.T) {
	s := NewMemStore()
	if _, _, err := Create(ctx, s, "caf\u00e9 ni\u00f1o"); err != nil {
		t.Fatal(err)
	}
	if _, err := Unlock(ctx, s, "cafe\u0301 nin\u0303o"); err != nil {
		t.Fatal("decomposed form:", err)
	}
}

func TestRecoveryKey(t *testing.T) {
	s, v, rk := newVault(t)
	mustPut(t, v, Record{ID: "a", Header: []byte("h"), Body: []byte("b")})
	if len(rk) != 39 || strings.Count(rk, "-") != 7 || !ValidRecoveryKey(rk) {
		t.Fatalf("recovery key %q", rk)
	}
	for _, form := range []string{rk, strings.ToLower(rk), strings.ReplaceAll(rk, "-", " "), strings.ReplaceAll(rk, "-", ""),
		strings.NewReplacer("O", "0", "I", "1", "B", "8").Replace(rk)} {
		v2, err := UnlockWithRecoveryKey(ctx, s, form)
		if err != nil {
			t.Fatalf("%q: %v", form, err)
		}
		if b, _ := v2.Body(ctx, "a"); string(b) != "b" {
			t.Fatal("body via recovery key")
		}
	}
	// One changed character is a typo, caught by the checksum.
	typo := []byte(rk)
	if typo[0] == 'A' {
		typo[0] = 'C'
	} else {
		typo[0] = 'A'
	}
	for _, bad := range []string{string(typo), "", "ABCD", rk + "A", "ÄBCD-" + rk[5:]} {
		if _, err := UnlockWithRecoveryKey(ctx, s, bad); !errors.Is(err, ErrRecoveryKeyTypo) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	other := formatRecoveryKey(randomBytes(recoverySecretSize))
	if _, err := UnlockWithRecoveryKey(ctx, s, other); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatal(err)
	}
	// A new recovery key replaces the old one.
	rk2, err := v.NewRecoveryKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnlockWithRecoveryKey(ctx, s, rk); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatal("old recovery key still works:", err)
	}
	if _, err := UnlockWithRecoveryKey(ctx, s, rk2); err != nil {
		t.Fatal(err)
	}
}

func TestChangePassphrase(t *testing.T) {
	s, v, rk := newVault(t)
	mustPut(t, v, Record{ID: "a", Header: []byte("h"), Body: []byte("b")})
	before := s.Dump()
	if err := v.ChangePassphrase(ctx, ""); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatal(err)
	}
	if err := v.ChangePassphrase(ctx, "new one"); err != nil {
		t.Fatal(err)
	}
	after := s.Dump()
	if bytes.Equal(before[BucketMeta][slotPassphrase], after[BucketMeta][slotPassphrase]) {
		t.Fatal("slot not rewritten")
	}
	delete(before[BucketMeta], slotPassphrase)
	delete(after[BucketMeta], slotPassphrase)
	if !reflect.DeepEqual(before, after) {
		t.Fatal("more than the passphrase slot changed")
	}
	if _, err := Unlock(ctx, s, "correct horse battery staple"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatal(err)
	}
	for _, open := range []func() (*Vault, error){
		func() (*Vault, error) { return Unlock(ctx, s, "new one") },
		func() (*Vault, error) { return UnlockWithRecoveryKey(ctx, s, rk) },
	} {
		v2, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := v2.Body(ctx, "a"); string(b) != "b" {
			t.Fatal("body")
		}
	}
}

func TestLockWipes(t *testing.T) {
	s, v, _ := newVault(t)
	mustPut(t, v, Record{ID: "a", Header: []byte("secret header"), Body: []byte("b")})
	if _, err := v.PutFile(ctx, "f", strings.NewReader("file")); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	v, _ = Unlock(ctx, s, "correct horse battery staple")
	h, _ := v.Header("a")
	k := v.k
	data, idk := k.data, k.idk
	r, err := v.OpenFile(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	v.Lock() // twice is fine
	if !v.Locked() {
		t.Fatal("not locked")
	}
	for name, b := range map[string][]byte{"data key": data, "id key": idk, "header": h} {
		if !bytes.Equal(b, make([]byte, len(b))) {
			t.Errorf("%s not zeroed: %x", name, b)
		}
	}
	if _, err := r.Read(make([]byte, 10)); !errors.Is(err, ErrLocked) {
		t.Errorf("open file reader after Lock: %v", err)
	}
	calls := map[string]func() error{
		"Put":              func() error { return v.Put(ctx, Record{ID: "x"}) },
		"Delete":           func() error { return v.Delete(ctx, "a") },
		"Headers":          func() error { _, err := v.Headers(); return err },
		"IDs":              func() error { _, err := v.IDs(); return err },
		"Header":           func() error { _, err := v.Header("a"); return err },
		"Corrupt":          func() error { _, err := v.Corrupt(); return err },
		"Body":             func() error { _, err := v.Body(ctx, "a"); return err },
		"PutFile":          func() error { _, err := v.PutFile(ctx, "g", strings.NewReader("x")); return err },
		"OpenFile":         func() error { _, err := v.OpenFile(ctx, "f"); return err },
		"DeleteFile":       func() error { return v.DeleteFile(ctx, "f") },
		"ChangePassphrase": func() error { return v.ChangePassphrase(ctx, "x") },
		"NewRecoveryKey":   func() error { _, err := v.NewRecoveryKey(ctx); return err },
	}
	before := s.Dump()
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrLocked) {
			t.Errorf("%s after Lock: %v", name, err)
		}
	}
	if !reflect.DeepEqual(before, s.Dump()) {
		t.Fatal("a locked vault wrote to the store")
	}
}

// The store must hold nothing but opaque keys and ciphertext.
func TestNoPlaintextInStore(t *testing.T) {
	s, v, rk := newVault(t)
	secrets := []string{"Patient-Jane-Doe", "HbA1c 7.2%", "metformin 500mg", "Observation", "2024-03-05",
		"fileid-xray-chest", "PDFCONTENTMARKER"}
	mustPut(t, v,
		Record{ID: "Patient-Jane-Doe", Header: []byte(`{"type":"Observation","date":"2024-03-05"}`), Body: []byte("HbA1c 7.2%")},
		Record{ID: NewID(), Header: []byte("metformin 500mg")})
	file := bytes.Repeat([]byte("PDFCONTENTMARKER"), ChunkSize/8) // two chunks
	if _, err := v.PutFile(ctx, "fileid-xray-chest", bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, "correct horse battery staple", rk, strings.ReplaceAll(rk, "-", ""))
	for bucket, kv := range s.Dump() {
		for key, val := range kv {
			for _, sec := range secrets {
				for _, hay := range [][]byte{[]byte(key), val} {
					if bytes.Contains(bytes.ToLower(hay), bytes.ToLower([]byte(sec))) {
						t.Errorf("%s/%s contains %q", bucket, key, sec)
					}
				}
			}
		}
	}
}

// big returns a body too large to be stored inline.
func big(s string) []byte { return bytes.Repeat([]byte(s), InlineBodyMax) }

func flipByte(t *testing.T, s *MemStore, bucket, key string, i int) {
	t.Helper()
	d := s.Dump()
	val := d[bucket][key]
	if val == nil {
		t.Fatalf("no %s/%s", bucket, key)
	}
	val[(i%len(val)+len(val))%len(val)] ^= 0x01
	s.Load(d)
}

func swap(s *MemStore, bucket, k1, k2 string) {
	d := s.Dump()
	d[bucket][k1], d[bucket][k2] = d[bucket][k2], d[bucket][k1]
	s.Load(d)
}

func TestTamperRecords(t *testing.T) {
	const pass = "correct horse battery staple"
	setup := func(t *testing.T) (*MemStore, *Vault) {
		s, v, _ := newVault(t)
		// a, b, c: bodies in BucketBodies; d, e: bodies inline.
		mustPut(t, v,
			Record{ID: "a", Header: []byte("ha"), Body: big("ba")},
			Record{ID: "b", Header: []byte("hb"), Body: big("bb")},
			Record{ID: "c", Header: []byte("hc"), Body: big("bc")},
			Record{ID: "d", Header: []byte("hd"), Body: []byte("bd")},
			Record{ID: "e", Header: []byte("he"), Body: []byte("be")})
		if n := len(s.Dump()[BucketBodies]); n != 3 {
			t.Fatalf("%d separate bodies, want 3", n)
		}
		return s, v
	}
	corrupt := func(t *testing.T, s *MemStore) (*Vault, []string) {
		t.Helper()
		v, err := Unlock(ctx, s, pass)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := v.Corrupt()
		return v, c
	}
	for _, i := range []int{0, 5, 12, 20, -1} { // nonce, ciphertext, tag
		t.Run(fmt.Sprintf("flip header byte %d", i), func(t *testing.T) {
			s, v := setup(t)
			key := v.k.storageKey(kindRecord, "b")
			val, _ := s.Get(ctx, BucketRecords, key)
			flipByte(t, s, BucketRecords, key, (i+len(val))%len(val))
			_ = val
			v, c := corrupt(t, s)
			if !reflect.DeepEqual(c, []string{key}) {
				t.Fatalf("corrupt %v", c)
			}
			if _, err := v.Header("b"); !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			if h, _ := v.Header("a"); string(h) != "ha" {
				t.Fatal("undamaged record lost")
			}
		})
	}
	t.Run("swap headers", func(t *testing.T) {
		s, v := setup(t)
		ka, kb := v.k.storageKey(kindRecord, "a"), v.k.storageKey(kindRecord, "b")
		swap(s, BucketRecords, ka, kb)
		_, c := corrupt(t, s)
		if len(c) != 2 {
			t.Fatalf("corrupt %v", c)
		}
	})
	t.Run("header moved between buckets", func(t *testing.T) {
		s, v := setup(t)
		d := s.Dump()
		kb := v.k.storageKey(kindBody, "a")
		d[BucketBodies][kb] = d[BucketRecords][v.k.storageKey(kindRecord, "a")]
		s.Load(d)
		v, _ = corrupt(t, s)
		if _, err := v.Body(ctx, "a"); !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
	})
	t.Run("flip body", func(t *testing.T) {
		s, v := setup(t)
		flipByte(t, s, BucketBodies, v.k.storageKey(kindBody, "c"), 14)
		v, _ = corrupt(t, s)
		if _, err := v.Body(ctx, "c"); !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
		if b, err := v.Body(ctx, "a"); err != nil || !bytes.Equal(b, big("ba")) {
			t.Fatal(b, err)
		}
	})
	t.Run("flip inline body", func(t *testing.T) {
		s, v := setup(t)
		flipByte(t, s, BucketRecords, v.k.storageKey(kindRecord, "d"), -3)
		v, c := corrupt(t, s)
		if len(c) != 0 {
			t.Fatal("header reported corrupt", c)
		}
		if _, err := v.Body(ctx, "d"); !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
		if b, err := v.Body(ctx, "e"); err != nil || string(b) != "be" {
			t.Fatal(b, err)
		}
	})
	t.Run("swap records with inline bodies", func(t *testing.T) {
		s, v := setup(t)
		swap(s, BucketRecords, v.k.storageKey(kindRecord, "d"), v.k.storageKey(kindRecord, "e"))
		if _, c := corrupt(t, s); len(c) != 2 {
			t.Fatalf("corrupt %v", c)
		}
	})
	t.Run("swap bodies", func(t *testing.T) {
		s, v := setup(t)
		swap(s, BucketBodies, v.k.storageKey(kindBody, "a"), v.k.storageKey(kindBody, "b"))
		v, _ = corrupt(t, s)
		for _, id := range []string{"a", "b"} {
			if _, err := v.Body(ctx, id); !errors.Is(err, ErrCorrupt) {
				t.Fatal(id, err)
			}
		}
	})
	t.Run("body deleted", func(t *testing.T) {
		s, v := setup(t)
		d := s.Dump()
		delete(d[BucketBodies], v.k.storageKey(kindBody, "a"))
		s.Load(d)
		v, _ = corrupt(t, s)
		if _, err := v.Body(ctx, "a"); !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
	})
	t.Run("passphrase slot flipped", func(t *testing.T) {
		s, _ := setup(t)
		d := s.Dump()
		var slot keyslot
		json.Unmarshal(d[BucketMeta][slotPassphrase], &slot)
		slot.Wrapped[20] ^= 1
		d[BucketMeta][slotPassphrase], _ = json.Marshal(slot)
		s.Load(d)
		if _, err := Unlock(ctx, s, pass); !errors.Is(err, ErrWrongPassphrase) {
			t.Fatal(err)
		}
	})
	t.Run("slot asks for huge memory", func(t *testing.T) {
		s, _ := setup(t)
		d := s.Dump()
		var slot keyslot
		json.Unmarshal(d[BucketMeta][slotPassphrase], &slot)
		slot.Memory = 1 << 30
		d[BucketMeta][slotPassphrase], _ = json.Marshal(slot)
		s.Load(d)
		if _, err := Unlock(ctx, s, pass); !errors.Is(err, ErrCorrupt) {
			t.Fatal(err)
		}
	})
	t.Run("slots swapped", func(t *testing.T) {
		s, _ := setup(t)
		swap(s, BucketMeta, slotPassphrase, slotRecovery)
		if _, err := Unlock(ctx, s, pass); err == nil {
			t.Fatal("unlocked with swapped slots")
		}
	})
	t.Run("newer schema", func(t *testing.T) {
		s, _ := setup(t)
		s.Write(ctx, []Op{{Bucket: BucketMeta, Key: metaSchema, Value: []byte(strconv.Itoa(SchemaVersion + 1))}})
		if _, err := Unlock(ctx, s, pass); !errors.Is(err, ErrNewerSchema) {
			t.Fatal(err)
		}
	})
}

func TestFiles(t *testing.T) {
	_, v, _ := newVault(t)
	sizes := []int{0, 1, 1000, ChunkSize - 1, ChunkSize, ChunkSize + 1, 2 * ChunkSize, 3*ChunkSize + 5}
	readers := map[string]func([]byte) io.Reader{
		"plain": func(b []byte) io.Reader { return bytes.NewReader(b) },
		"half":  func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
	}
	for _, n := range sizes {
		for rname, mk := range readers {
			id := fmt.Sprintf("file-%d-%s", n, rname)
			data := pattern(n)
			got, err := v.PutFile(ctx, id, mk(data))
			if err != nil || got != int64(n) {
				t.Fatalf("%s: put %d %v", id, got, err)
			}
			back, err := readFile(t, v, id)
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("%s: read %d bytes, %v", id, len(back), err)
			}
			// WriteTo path (io.Copy uses it).
			r, _ := v.OpenFile(ctx, id)
			var buf bytes.Buffer
			if m, err := io.Copy(&buf, r); err != nil || m != int64(n) || !bytes.Equal(buf.Bytes(), data) {
				t.Fatalf("%s: copy %d %v", id, m, err)
			}
			r.Close()
			if _, err := r.Read(make([]byte, 1)); err == nil {
				t.Fatal("read after close")
			}
		}
	}
	s := v.store.(*MemStore)
	if _, err := v.PutFile(ctx, "file-0-plain", strings.NewReader("again")); !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	if _, err := v.OpenFile(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := v.PutFile(ctx, "", strings.NewReader("x")); !errors.Is(err, ErrBadID) {
		t.Fatal(err)
	}
	for _, n := range sizes {
		for rname := range readers {
			if err := v.DeleteFile(ctx, fmt.Sprintf("file-%d-%s", n, rname)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if left := len(s.Dump()[BucketChunks]); left != 0 {
		t.Fatalf("%d chunks left after deleting every file", left)
	}
	// A reader that fails midway leaves no chunks behind.
	failing := io.MultiReader(bytes.NewReader(pattern(2*ChunkSize+10)), iotest.ErrReader(errors.New("disk gone")))
	if _, err := v.PutFile(ctx, "broken", failing); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatal(err)
	}
	if left := len(s.Dump()[BucketChunks]); left != 0 {
		t.Fatalf("%d chunks left after a failed PutFile", left)
	}
	// A store that fails midway, too.
	calls := 0
	s.FailWrite = func(ops []Op) error {
		if calls++; calls == 2 {
			return errors.New("quota")
		}
		return nil
	}
	if _, err := v.PutFile(ctx, "broken", bytes.NewReader(pattern(BatchChunks*ChunkSize+10))); err == nil {
		t.Fatal("no error from failing store")
	}
	s.FailWrite = nil
	if calls != 3 { // first batch, failed last batch, clean-up
		t.Fatalf("%d writes", calls)
	}
	if d := s.Dump(); len(d[BucketChunks]) != 0 || len(d[BucketMeta]) != 3 {
		t.Fatalf("%d chunks, %d meta records left after a failed store write", len(d[BucketChunks]), len(d[BucketMeta]))
	}
}

func TestTamperFiles(t *testing.T) {
	data := pattern(2*ChunkSize + 500) // chunks 0, 1 full; 2 final
	setup := func(t *testing.T) (*MemStore, *Vault, string) {
		s, v, _ := newVault(t)
		if _, err := v.PutFile(ctx, "f", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if _, err := v.PutFile(ctx, "g", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return s, v, v.k.storageKey(kindFile, "f")
	}
	edit := func(s *MemStore, fn func(chunks map[string][]byte)) {
		d := s.Dump()
		fn(d[BucketChunks])
		s.Load(d)
	}
	cases := map[string]func(s *MemStore, v *Vault, p string){
		"flip chunk 1": func(s *MemStore, v *Vault, p string) {
			edit(s, func(c map[string][]byte) { c[chunkKey(p, 1)][100] ^= 1 })
		},
		"flip final chunk tag": func(s *MemStore, v *Vault, p string) {
			edit(s, func(c map[string][]byte) { k := chunkKey(p, 2); c[k][len(c[k])-1] ^= 1 })
		},
		"swap chunks 0 and 1": func(s *MemStore, v *Vault, p string) {
			swap(s, BucketChunks, chunkKey(p, 0), chunkKey(p, 1))
		},
		"truncate: drop final chunk": func(s *MemStore, v *Vault, p string) {
			edit(s, func(c map[string][]byte) { delete(c, chunkKey(p, 2)) })
		},
		"truncate: drop two chunks": func(s *MemStore, v *Vault, p string) {
			edit(s, func(c map[string][]byte) { delete(c, chunkKey(p, 1)); delete(c, chunkKey(p, 2)) })
		},
		"final chunk moved up": func(s *MemStore, v *Vault, p string) {
			edit(s, func(c map[string][]byte) { c[chunkKey(p, 1)] = c[chunkKey(p, 2)]; delete(c, chunkKey(p, 2)) })
		},
		"chunk from another file": func(s *MemStore, v *Vault, p string) {
			g := v.k.storageKey(kindFile, "g")
			edit(s, func(c map[string][]byte) { c[chunkKey(p, 1)] = c[chunkKey(g, 1)] })
		},
		"final chunk cut short": func(s *MemStore, v *Vault, p string) {
			edit(s, func(c map[string][]byte) { k := chunkKey(p, 2); c[k] = c[k][:len(c[k])-100] })
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			s, v, p := setup(t)
			tamper(s, v, p)
			got, err := readFile(t, v, "f")
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("read %d bytes, err %v", len(got), err)
			}
			if len(got) > len(data) || !bytes.Equal(got, data[:len(got)]) {
				t.Fatal("returned bytes that were not written")
			}
			if g, err := readFile(t, v, "g"); err != nil || !bytes.Equal(g, data) {
				t.Fatal("other file damaged", err)
			}
		})
	}
}

func TestPutAtomic(t *testing.T) {
	s, v, _ := newVault(t)
	mustPut(t, v, Record{ID: "a", Header: []byte("h1"), Body: []byte("b1")})
	before := s.Dump()
	s.FailWrite = func([]Op) error { return errors.New("disk full") }
	if err := v.Put(ctx, Record{ID: "a", Header: []byte("h2")}, Record{ID: "b", Header: []byte("x")}); err == nil {
		t.Fatal("no error")
	}
	if err := v.Delete(ctx, "a"); err == nil {
		t.Fatal("no error")
	}
	s.FailWrite = nil
	if !reflect.DeepEqual(before, s.Dump()) {
		t.Fatal("failed write changed the store")
	}
	if h, _ := v.Header("a"); string(h) != "h1" {
		t.Fatal("cache changed by a failed write")
	}
	if _, err := v.Header("b"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	for _, bad := range [][]Record{{{ID: ""}}, {{ID: "x"}, {ID: "x"}}, {{ID: strings.Repeat("x", MaxIDLen+1)}}, {{ID: "\xff"}}} {
		if err := v.Put(ctx, bad...); !errors.Is(err, ErrBadID) {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(before, s.Dump()) {
		t.Fatal("rejected Put changed the store")
	}
	if err := s.Write(ctx, []Op{{Bucket: "nope", Key: "k"}}); err == nil {
		t.Fatal("unknown bucket accepted")
	}
}

func TestConcurrentLock(t *testing.T) {
	_, v, _ := newVault(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := fmt.Sprintf("r%d-%d", g, i)
				if err := v.Put(ctx, Record{ID: id, Header: []byte("h"), Body: []byte("b")}); err != nil && !errors.Is(err, ErrLocked) {
					t.Error(err)
				}
				if _, err := v.Body(ctx, id); err != nil && !errors.Is(err, ErrLocked) {
					t.Error(err)
				}
				v.Headers()
			}
		}()
	}
	v.Lock()
	wg.Wait()
}

func TestMessageKeys(t *testing.T) {
	for _, err := range []error{ErrNoVault, ErrExists, ErrWrongPassphrase, ErrWrongRecoveryKey, ErrRecoveryKeyTypo,
		ErrEmptyPassphrase, ErrLocked, ErrCorrupt, ErrNewerSchema, ErrNotFound, ErrBadID, ErrQuota} {
		k := MessageKey(fmt.Errorf("wrapped: %w", err))
		if k == "" || !i18n.Has(k) {
			t.Errorf("%v: key %q not in catalog", err, k)
		}
	}
	if MessageKey(errors.New("other")) != "" {
		t.Fatal("unknown error mapped")
	}
}

func TestStrength(t *testing.T) {
	for _, c := range []struct {
		pass   string
		min    int
		max    int
		reason string
	}{
		{"", 0, 0, "vault.strength.empty"},
		{"password", 0, 0, "vault.strength.common"},
		{"Password1!", 0, 1, "vault.strength.common"},
		{"qwerty", 0, 0, "vault.strength.common"},
		{"iloveyou", 0, 0, "vault.strength.common"},
		{"letmein123", 0, 1, "vault.strength.common"},
		{"contraseña123", 0, 2, "vault.strength.common"}, // Spanish, not in zxcvbn's lists
		{"backpack2024", 0, 2, "vault.strength.common"},  // the app's own name
		{"aaaaaaaaaaaaaaaa", 0, 0, "vault.strength.pattern"},
		{"abcdefghijklmnop", 0, 0, "vault.strength.pattern"},
		{"qazwsxedcrfv", 0, 1, ""}, // a keyboard walk
		{"Summer2024!", 0, 2, ""},
		{"Tr0ub4dour&3", 0, 2, ""}, // l33t spelling of a word
		{"horse", 0, 0, ""},
		{"kX9#mQ2$vLp", 3, 4, ""},
		{"apple river cloud tiger lamp bread", 4, 4, "vault.strength.strong"},
		{"zq8#Lm2!vR0@pX7&", 4, 4, "vault.strength.strong"},
		{strings.Repeat("long passphrase ", 40), 0, 4, ""}, // bounded: must return at once
	} {
		s, r := Strength(c.pass)
		if s < c.min || s > c.max || (c.reason != "" && r != c.reason) {
			t.Errorf("%q: %d %s, want %d..%d %s", c.pass, s, r, c.min, c.max, c.reason)
		}
		if !i18n.Has(r) || !i18n.Has(fmt.Sprintf("vault.strength.%d", s)) {
			t.Errorf("%q: reason %q not in catalog", c.pass, r)
		}
	}
}

// Before the word lists are loaded no passphrase is rated, and none is
// strong enough: without its dictionaries zxcvbn would call "password1"
// fair and a short word list strong.
func TestStrengthBeforeWordLists(t *testing.T) {
	saved := wordLists.Load()
	wordLists.Store(nil)
	defer wordLists.Store(saved)
	if WordListsLoaded() {
		t.Fatal("loaded")
	}
	for _, p := range []string{"password1", "apple river cloud tiger lamp bread", GeneratePassphrase()} {
		if s, r := Strength(p); s != 0 || r != StrengthChecking {
			t.Errorf("%q before the lists: %d %s", p, s, r)
		}
	}
	if !i18n.Has(StrengthChecking) {
		t.Error("no message for", StrengthChecking)
	}
	if err := LoadWordLists([]byte("backpack-zxcvbn-lists 1\npasswords 1\nx\n")); err == nil || WordListsLoaded() {
		t.Error("other word lists accepted")
	}
	if err := LoadWordLists(zxcvbn.Encode(frequency.FrequencyLists)); err != nil || !WordListsLoaded() {
		t.Fatal(err)
	}
	if s, _ := Strength("password1"); s != 0 {
		t.Errorf("password1 scores %d", s)
	}
}

func TestGeneratePassphrase(t *testing.T) {
	words := wordList()
	wordSet := map[string]bool{}
	for _, w := range words {
		wordSet[w] = true
	}
	if len(words) != 2048 || len(wordSet) != 2048 {
		t.Fatalf("%d words", len(words))
	}
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		p := GeneratePassphrase()
		ws := strings.Split(p, " ")
		if len(ws) != PassphraseWords {
			t.Fatal(p)
		}
		for _, w := range ws {
			if !wordSet[w] {
				t.Fatal(w)
			}
		}
		if s, _ := Strength(p); s != 4 {
			t.Fatalf("%q scores %d", p, s)
		}
		if seen[p] {
			t.Fatal("repeat")
		}
		seen[p] = true
	}
}

func TestNewID(t *testing.T) {
	a, b := NewID(), NewID()
	if len(a) != 32 || a == b {
		t.Fatal(a, b)
	}
}
