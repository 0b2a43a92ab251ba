package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"backpack/internal/record"
)

// Files of a type export does not know are sniffed: random bytes go in
// stored blocks, text is deflated; both come back intact.
func TestSniffIncompressible(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(rnd.Uint32())
	}
	text := bytes.Repeat([]byte("Hemoglobin A1c 5.4 % (ref 4.0-5.6)\n"), 6000)
	tiny := random[:100]
	files := MemFiles{}
	d := Data{Profiles: []record.Profile{{ID: "p", Name: "P", Created: t0}}}
	for _, c := range []struct {
		id, name, typ string
		b             []byte
	}{
		{"r", "blob.bin", "application/octet-stream", random},
		{"t", "notes.txt", "text/plain", text},
		{"s", "tiny.dat", "", tiny},
		{"e", "empty.dat", "", nil},
	} {
		sum := sha256.Sum256(c.b)
		files[c.id] = c.b
		d.Files = append(d.Files, record.FileInfo{ID: c.id, Profile: "p", Name: c.name, Type: c.typ,
			Size: int64(len(c.b)), SHA256: hex.EncodeToString(sum[:]), Created: t0})
	}
	out := export(t, d, Selection{IncludeSummary: true}, files, passphrase(t, "pw"))
	zr, _ := decryptZip(t, out, "pw")
	checkArchive(t, zr, d, files)
	sizes := map[string][2]uint64{}
	for _, f := range zr.File {
		sizes[f.Name] = [2]uint64{f.CompressedSize64, f.UncompressedSize64}
	}
	if s := sizes[DirFiles+"blob.bin"]; s[0] < s[1] || s[0] > s[1]+s[1]/100 {
		t.Errorf("random file: %d bytes compressed of %d, want stored blocks", s[0], s[1])
	}
	if s := sizes[DirFiles+"notes.txt"]; s[0]*10 > s[1] {
		t.Errorf("text file: %d bytes compressed of %d, want deflated", s[0], s[1])
	}
	a, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity("pw"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Files) != len(d.Files) {
		t.Errorf("%d files read back, want %d", len(a.Data.Files), len(d.Files))
	}
}

// compressible reuses one flate writer; each answer stands on its own.
func TestCompressible(t *testing.T) {
	x := &writer{}
	rnd := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, sniffSize)
	for i := range random {
		random[i] = byte(rnd.Uint32())
	}
	for _, c := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"empty", nil, true},
		{"zeros", make([]byte, sniffSize), true},
		{"text", bytes.Repeat([]byte("blood pressure 120/80 mmHg "), 2000), true},
		{"random", random, false},
		{"text again", []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), true},
		{"random again", random, false},
	} {
		if got := x.compressible(c.b); got != c.want {
			t.Errorf("%s: compressible = %v, want %v", c.name, got, c.want)
		}
	}
}
