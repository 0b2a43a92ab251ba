package export

import (
	"bytes"
	"crypto/sha256"
	"hash/crc32"
	"io"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Baselines for the export and restore benchmarks, on the same machine:
// OpenPGP alone over 50 MiB (what any export costs at least), and the hashes
// restore adds.
func baselineData() []byte {
	b := make([]byte, 50<<20)
	for i := range b {
		b[i] = byte(i * 7 >> 3)
	}
	return b
}

func BenchmarkBaselineEncrypt50MiB(b *testing.B) {
	data := baselineData()
	to := passphrase(b, "maple-orbit-cactus-violin-lemon-tulip")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w, err := to.encrypt(io.Discard, "x.zip", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		w.Write(data)
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaselineDecrypt50MiB(b *testing.B) {
	data := baselineData()
	pass := "maple-orbit-cactus-violin-lemon-tulip"
	var buf bytes.Buffer
	w, _ := passphrase(b, pass).encrypt(&buf, "x.zip", time.Now())
	w.Write(data)
	w.Close()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		md, err := openpgp.ReadMessage(bytes.NewReader(buf.Bytes()), nil, func([]openpgp.Key, bool) ([]byte, error) { return []byte(pass), nil }, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, md.UnverifiedBody); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaselineSHA256CRC50MiB(b *testing.B) {
	data := baselineData()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sha256.Sum256(data)
		crc32.ChecksumIEEE(data)
	}
}
