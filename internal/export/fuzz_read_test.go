package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"backpack/internal/exportdata"
	"backpack/internal/seipd"
)

// cheapSeal is seal with a 1,024-byte S2K, so that fuzzing reaches the
// packets after the passphrase's at thousands of inputs a second.
func cheapSeal(t testing.TB, plain []byte) []byte {
	var b bytes.Buffer
	key := make([]byte, 32)
	rand.Read(key)
	if err := writeSKESKCount(&b, []byte("p"), key, 0); err != nil {
		t.Fatal(err)
	}
	enc, err := seipd.NewWriter(&b, key)
	if err != nil {
		t.Fatal(err)
	}
	lit, err := seipd.NewLiteral(enc, "x.zip", t0)
	if err != nil {
		t.Fatal(err)
	}
	lit.Write(plain)
	if err := lit.Close(); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fuzzLimits lowers Read's limits so that no input can make one run slow.
func fuzzLimits(f *testing.F) {
	saved, savedMem := limit, exportdata.MemFilesLimit
	limit.s2kWork, limit.vault, limit.line, limit.records = 1<<16, 1<<20, 1<<18, 1000
	limit.files, limit.fileSize, limit.filesTotal, limit.other, limit.tail = 100, 1<<20, 1<<21, 1<<21, 1<<20
	exportdata.MemFilesLimit = 1 << 21
	f.Cleanup(func() { limit, exportdata.MemFilesLimit = saved, savedMem })
}

// The whole of Read — key packets, S2K, SEIPD, literal data, archive —
// never panics or runs away on any input, and what it accepts is whole:
// each file's bytes, as declared, reached the sink.
func FuzzRead(f *testing.F) {
	fuzzLimits(f)
	good := cheapSeal(f, plainArchive(f))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(cheapSeal(f, plainZipBytes()))
	f.Add(append(maxSKESK(), good...))
	f.Add(append(append([]byte(nil), good[:48]...), good...)) // two SKESKs
	f.Fuzz(func(t *testing.T, b []byte) {
		mem := MemFiles{}
		a, err := read(context.Background(), bytes.NewReader(b), PassphraseIdentity("p"), mem.Sink())
		if err != nil {
			return
		}
		checkAccepted(t, a, mem)
	})
}

// checkAccepted holds for every archive Read accepts.
func checkAccepted(t *testing.T, a *Archive, mem MemFiles) {
	names := map[string]bool{}
	for _, n := range a.Contents {
		if names[n] {
			t.Fatalf("member %q accepted twice", n)
		}
		names[n] = true
	}
	var total int64
	for _, f := range a.Data.Files {
		b, ok := mem[f.ID]
		sum := sha256.Sum256(b)
		if !ok || int64(len(b)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("file %q: %d bytes stored, %d declared", f.ID, len(b), f.Size)
		}
		total += f.Size
	}
	if total > exportdata.MemFilesLimit || len(a.Data.Files) > limit.files {
		t.Fatalf("%d files of %d bytes accepted", len(a.Data.Files), total)
	}
}

// FuzzArchiveMembers builds well-formed archives from crafted members —
// names (repeated, odd, files/ paths), vault.jsonl lines, file bodies — so
// that fuzzing spends its time in the reader's accounting, not in zip
// framing.
func FuzzArchiveMembers(f *testing.F) {
	fuzzLimits(f)
	a := []byte("hello")
	f.Add([]byte(PathVault + "\x00" + headLine + fileLine("f1", "files/a", 5, sha256Hex(a)) + "\x00files/a\x00hello"))
	f.Add([]byte(PathVault + "\x00" + headLine + "\x00" + PathVault + "\x00" + headLine))
	f.Add([]byte(PathVault + "\x00" + headLine + fileLine("f1", "files/a", 3, sha256Hex(a)) + "\x00files/a\x00hello\x00README.txt\x00read me"))
	f.Add([]byte(PathVault + "\x00" + headLine + `{"file":{"id":"f1"},"path":"files/a"}` + "\n\x00files/a\x00hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parts := bytes.Split(b, []byte{0})
		var z bytes.Buffer
		zw := zip.NewWriter(&z)
		for i := 0; i+1 < len(parts); i += 2 {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: string(parts[i]), Method: zip.Deflate})
			if err != nil {
				return
			}
			w.Write(parts[i+1])
		}
		zw.Close()
		mem := MemFiles{}
		var ar Archive
		err := readArchive(context.Background(), bytes.NewReader(z.Bytes()), &ar, mem.Sink())
		if err != nil {
			if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotExport) || errors.Is(err, ErrNewerVersion) || errors.Is(err, io.ErrUnexpectedEOF) {
				return
			}
			var ze *errZip
			if errors.As(err, &ze) || errors.Is(err, errNotZip) || errors.Is(err, errSink) {
				return
			}
			t.Fatalf("unexpected error %T %v", err, err)
		}
		checkAccepted(t, &ar, mem)
	})
}

// FuzzRead's seed opens: fuzzing starts past every layer.
func TestCheapSealReads(t *testing.T) {
	mem := MemFiles{}
	a, err := read(context.Background(), bytes.NewReader(cheapSeal(t, plainArchive(t))), PassphraseIdentity("p"), mem.Sink())
	if err != nil || len(a.Data.Files) != 2 {
		t.Fatalf("%v", err)
	}
	checkAccepted(t, a, mem)
}
