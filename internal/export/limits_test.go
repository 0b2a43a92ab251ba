package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"backpack/internal/exportdata"
	"backpack/internal/record"
)

// withLimits lowers Read's limits for one test.
func withLimits(t *testing.T, set func(*limits)) {
	saved := limit
	set(&limit)
	t.Cleanup(func() { limit = saved })
}

// member is one archive member of a crafted export.
type member struct {
	name string
	body []byte
}

// craftZip writes members in order, as archive/zip's Create does (deflate
// and a data descriptor), repeated names and all.
func craftZip(t testing.TB, members ...member) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seal encrypts plain as Write does, with the passphrase "p".
func seal(t testing.TB, plain []byte) []byte {
	var b bytes.Buffer
	w, err := passphrase(t, "p").encrypt(&b, "x.zip", t0)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readSealed(t testing.TB, plain []byte, sink FileSink) (*Archive, error) {
	return Read(context.Background(), bytes.NewReader(seal(t, plain)), PassphraseIdentity("p"), sink)
}

const headLine = `{"backpack":"export","version":1}` + "\n"

func fileLine(id, path string, size int64, sum string) string {
	return fmt.Sprintf(`{"file":{"id":%q,"profile":"p1","name":"a.txt","type":"text/plain","size":%d,"sha256":%q},"path":%q}`+"\n", id, size, sum, path)
}

func discard(_ record.FileInfo, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }

// A second backpack/vault.jsonl (or any repeated member) is refused; it
// panicked with an index out of range.
func TestRepeatedMembersRefused(t *testing.T) {
	a, b := []byte("one"), []byte("two")
	v1 := headLine + fileLine("f1", "files/a.txt", 3, sha256Hex(a))
	v2 := headLine + fileLine("f2", "files/b.txt", 3, sha256Hex(b)) + fileLine("f3", "files/c.txt", 3, sha256Hex(b))
	for name, plain := range map[string][]byte{
		"vault": craftZip(t, member{PathVault, []byte(v1)}, member{PathVault, []byte(v2)},
			member{"files/a.txt", a}, member{"files/b.txt", b}, member{"files/c.txt", b}),
		"file": craftZip(t, member{PathVault, []byte(v1)}, member{"files/a.txt", a}, member{"files/a.txt", b}),
	} {
		if _, err := readSealed(t, plain, discard); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s repeated: %v", name, err)
		}
	}
}

// Only the S2K Backpack writes is derived: an Argon2 S2K asking for 2^31
// KiB of memory ran out of memory.
func TestForeignS2KRefused(t *testing.T) {
	good := seal(t, plainZipBytes())
	if good[0] != 0xC0|tagSKESK || int(good[1]) != 46 {
		t.Fatalf("export starts with %x", good[:2])
	}
	argon := []byte{4, cipherAES256, 4} // v4, AES-256, Argon2
	argon = append(argon, bytes.Repeat([]byte{7}, 16)...)
	argon = append(argon, 1, 4, 31) // t=1, p=4, m=2^31 KiB
	argon = append(argon, bytes.Repeat([]byte{9}, 33)...)
	pkt := append([]byte{0xC0 | tagSKESK, byte(len(argon))}, argon...)
	bad := append(pkt, good[48:]...)
	_, err := Read(context.Background(), bytes.NewReader(bad), PassphraseIdentity("p"), nil)
	if !errors.Is(err, ErrNotExport) {
		t.Errorf("Argon2 S2K: %v", err)
	}
	// The same packet beside Backpack's own is skipped: the file opens.
	mixed := append(append(pkt, good[:48]...), good[48:]...)
	if _, err := Read(context.Background(), bytes.NewReader(mixed), PassphraseIdentity("p"), nil); err != nil {
		t.Errorf("Argon2 beside Backpack's S2K: %v", err)
	}
}

// maxSKESK is a passphrase packet with the largest S2K count, for a key
// no passphrase opens.
func maxSKESK() []byte {
	body := []byte{4, cipherAES256, s2kIterated, hashSHA256}
	salt := make([]byte, 8+33)
	rand.Read(salt)
	body = append(body, salt[:8]...)
	body = append(body, 255)
	body = append(body, salt[8:]...)
	return append([]byte{0xC0 | tagSKESK, byte(len(body))}, body...)
}

// Thousands of passphrase packets with the largest S2K count froze the page
// for minutes; now a few are tried, then the file is refused.
func TestSKESKFloodBounded(t *testing.T) {
	good := seal(t, plainZipBytes())
	for _, n := range []int{5, 10_000} {
		var b bytes.Buffer
		for range n {
			b.Write(maxSKESK())
		}
		b.Write(good)
		var hashed int64 // the work is bounded, not timed: a timed test fails on a busy machine
		testHookS2K = func(count int) { hashed += int64(count) }
		_, err := Read(context.Background(), &b, PassphraseIdentity("p"), nil)
		testHookS2K = nil
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%d packets: %v", n, err)
		}
		if hashed > limit.s2kWork {
			t.Errorf("%d packets: %d bytes hashed, limit %d", n, hashed, limit.s2kWork)
		}
	}
}

// A file entry says its size and SHA-256, and no more than its size is
// read: one with neither (and 2 GB of zeros) ran MemFiles out of memory.
func TestFileEntriesBounded(t *testing.T) {
	zeros := make([]byte, 1<<20)
	sinkRead := 0
	sink := func(_ record.FileInfo, r io.Reader) error {
		n, err := io.Copy(io.Discard, r)
		sinkRead += int(n)
		return err
	}
	noSize := `{"file":{"id":"f1","profile":"p1","name":"z"},"path":"files/z"}` + "\n"
	_, err := readSealed(t, craftZip(t, member{PathVault, []byte(headLine + noSize)}, member{"files/z", zeros}), sink)
	if !errors.Is(err, ErrCorrupt) || sinkRead != 0 {
		t.Errorf("file without size and digest: %v, %d bytes to the sink", err, sinkRead)
	}
	small := fileLine("f1", "files/z", 10, sha256Hex(zeros[:10]))
	_, err = readSealed(t, craftZip(t, member{PathVault, []byte(headLine + small)}, member{"files/z", zeros}), sink)
	if !errors.Is(err, ErrCorrupt) || sinkRead > 11 {
		t.Errorf("file longer than declared: %v, %d bytes to the sink", err, sinkRead)
	}
	huge := fileLine("f1", "files/z", 1<<40, sha256Hex(nil))
	if _, err := readSealed(t, craftZip(t, member{PathVault, []byte(headLine + huge)}), sink); !errors.Is(err, ErrTooLarge) {
		t.Errorf("1 TiB file: %v", err)
	}
}

// MemFiles' sink keeps at most exportdata.MemFilesLimit bytes together.
func TestMemFilesBounded(t *testing.T) {
	saved := exportdata.MemFilesLimit
	t.Cleanup(func() { exportdata.MemFilesLimit = saved })
	exportdata.MemFilesLimit = 1 << 20
	a, b := bytes.Repeat([]byte{1}, 600<<10), bytes.Repeat([]byte{2}, 600<<10)
	v := headLine + fileLine("f1", "files/a", int64(len(a)), sha256Hex(a)) + fileLine("f2", "files/b", int64(len(b)), sha256Hex(b))
	plain := craftZip(t, member{PathVault, []byte(v)}, member{"files/a", a}, member{"files/b", b})
	mem := MemFiles{}
	if _, err := readSealed(t, plain, mem.Sink()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("2 × 600 KiB in a 1 MiB MemFiles: %v", err)
	}
	exportdata.MemFilesLimit = 2 << 20
	mem = MemFiles{}
	if _, err := readSealed(t, plain, mem.Sink()); err != nil || !bytes.Equal(mem["f2"], b) {
		t.Errorf("2 × 600 KiB in a 2 MiB MemFiles: %v", err)
	}
}

// A single-line vault.jsonl bigger than a line may be is refused without
// buffering it (a 256 MB one crashed the tab, a 1 GiB one took 5 GB).
func TestVaultLineBounded(t *testing.T) {
	withLimits(t, func(l *limits) { l.line = 4 << 20 })
	long := headLine + `{"question":{"id":"q","text":"` + strings.Repeat("a", 64<<20) + `"}}` + "\n"
	plain := craftZip(t, member{PathVault, []byte(long)})
	long = ""
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := readSealed(t, plain, nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("64 MiB line: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*uint64(limit.line)+(16<<20) {
		t.Errorf("64 MiB line: %d MiB allocated", alloc>>20)
	}
	// Spread over lines (left to encoding/json), the same.
	spread := headLine + `{"question":{"id":"q","text":"x",` + strings.Repeat(`"a":1,`+"\n", 4<<20) + `"b":2}}` + "\n"
	if _, err := readSealed(t, craftZip(t, member{PathVault, []byte(spread)}), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("28 MiB value over lines: %v", err)
	}
	// Under the limit, a long line reads.
	fits := headLine + `{"question":{"id":"q","text":"` + strings.Repeat("a", 3<<20) + `"}}` + "\n"
	if a, err := readSealed(t, craftZip(t, member{PathVault, []byte(fits)}), nil); err != nil || len(a.Data.Questions[0].Text) != 3<<20 {
		t.Errorf("3 MiB line: %v", err)
	}
}

// vault.jsonl as a whole, its records, the other members and what follows
// the archive are each bounded.
func TestArchiveBounded(t *testing.T) {
	withLimits(t, func(l *limits) { l.vault, l.records, l.other, l.tail = 1<<20, 1000, 1<<20, 1<<20 })
	q := `{"question":{"id":"q","text":"` + strings.Repeat("a", 1000) + `"}}` + "\n"
	big := headLine + strings.Repeat(`{"question":{"id":"q","text":"`+strings.Repeat("a", 10000)+`"}}`+"\n", 110) // 1.1 MB
	if _, err := readSealed(t, craftZip(t, member{PathVault, []byte(big)}), nil); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "vault.jsonl") {
		t.Errorf("1.1 MB vault.jsonl: %v", err)
	}
	many := headLine + strings.Repeat(`{"question":{"id":"q"}}`+"\n", 1001)
	if _, err := readSealed(t, craftZip(t, member{PathVault, []byte(many)}), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("1001 records: %v", err)
	}
	ok := headLine + strings.Repeat(q, 100)
	readme := make([]byte, 600<<10)
	if _, err := readSealed(t, craftZip(t, member{PathVault, []byte(ok)}, member{"README.txt", readme}, member{"b.json", readme}), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("2 × 600 KiB of other members: %v", err)
	}
	if _, err := readSealed(t, craftZip(t, member{PathVault, []byte(ok)}, member{"README.txt", readme}), nil); err != nil {
		t.Errorf("600 KiB README: %v", err)
	}
	tail := append(craftZip(t, member{PathVault, []byte(ok)}), make([]byte, 2<<20)...)
	if _, err := readSealed(t, tail, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("2 MiB after the archive: %v", err)
	}
}

// A panic under Read (here the caller's sink) is an error, not a dead app.
func TestReadRecovers(t *testing.T) {
	a := []byte("abc")
	plain := craftZip(t, member{PathVault, []byte(headLine + fileLine("f1", "files/a", 3, sha256Hex(a)))}, member{"files/a", a})
	_, err := readSealed(t, plain, func(record.FileInfo, io.Reader) error { panic("boom") })
	if !errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking reader: %v", err)
	}
}
