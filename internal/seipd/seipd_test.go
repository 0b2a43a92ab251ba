package seipd

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

var sizes = []int{0, 1, 15, 16, 17, 100, 511, 512, literalChunk - 7, literalChunk, chunk - 40, chunk - 18, chunk - 17, chunk, chunk + 1, 3*chunk + 5}

func payload(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(n)}).Read(b)
	return b
}

var (
	testKey  = bytes.Repeat([]byte{0x42}, 32)
	testMod  = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	testPass = []byte("correct horse battery staple")
)

// message writes a whole OpenPGP message: a SKESK made by go-crypto for
// testKey, then this package's SEIPD holding a literal packet of data,
// written in pieces of step bytes.
func message(t testing.TB, data []byte, step int) []byte {
	t.Helper()
	var out bytes.Buffer
	cfg := &packet.Config{DefaultCipher: packet.CipherAES256}
	if err := packet.SerializeSymmetricKeyEncryptedReuseKey(&out, testKey, testPass, cfg); err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(&out, testKey)
	if err != nil {
		t.Fatal(err)
	}
	lit, err := NewLiteral(w, "export.zip", testMod)
	if err != nil {
		t.Fatal(err)
	}
	for p := data; len(p) > 0; {
		n := min(step, len(p))
		if _, err := lit.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := lit.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestGoCryptoReads checks that go-crypto opens what Writer writes, MDC
// included, for sizes around every buffer boundary.
func TestGoCryptoReads(t *testing.T) {
	for _, n := range sizes {
		for _, step := range []int{1 << 30, 4093} {
			data := payload(n)
			msg := message(t, data, step)
			md, err := openpgp.ReadMessage(bytes.NewReader(msg), nil, func([]openpgp.Key, bool) ([]byte, error) { return testPass, nil }, nil)
			if err != nil {
				t.Fatalf("size %d: %v", n, err)
			}
			got, err := io.ReadAll(md.UnverifiedBody)
			if err != nil {
				t.Fatalf("size %d: read: %v", n, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("size %d: plaintext differs", n)
			}
			if md.LiteralData.FileName != "export.zip" || md.LiteralData.Time != uint32(testMod.Unix()) || !md.LiteralData.IsBinary {
				t.Fatalf("size %d: literal %+v", n, md.LiteralData)
			}
		}
	}
}

// seipdBody returns the body of the SEIPD packet in msg after its version
// byte, as go-crypto's packet reader gives it.
func seipdBody(t testing.TB, msg []byte) io.Reader {
	t.Helper()
	pr := packet.NewReader(bytes.NewReader(msg))
	for {
		p, err := pr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := p.(*packet.SymmetricallyEncrypted); ok {
			if se.Version != 1 || !se.IntegrityProtected {
				t.Fatalf("version %d", se.Version)
			}
			return se.Contents
		}
	}
}

// TestIsCFB decrypts Writer's output with crypto/cipher's CFB and finds
// the prefix with its quick check, the literal packet and a right MDC.
func TestIsCFB(t *testing.T) {
	for _, n := range []int{0, 17, chunk + 1} {
		data := payload(n)
		body, err := io.ReadAll(seipdBody(t, message(t, data, 1<<30)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := aes.NewCipher(testKey)
		cipher.NewCFBDecrypter(b, make([]byte, 16)).XORKeyStream(body, body)
		if body[14] != body[16] || body[15] != body[17] {
			t.Fatal("quick check bytes differ")
		}
		mdc := body[len(body)-22:]
		sum := sha1.Sum(body[:len(body)-20])
		if mdc[0] != 0xD3 || mdc[1] != 20 || !bytes.Equal(mdc[2:], sum[:]) {
			t.Fatal("MDC differs")
		}
		if !bytes.Contains(body, data[:min(len(data), 1000)]) {
			t.Fatal("literal data not found")
		}
	}
}

// TestReaderReadsGoCrypto opens go-crypto's own SEIPD v1 packets.
func TestReaderReadsGoCrypto(t *testing.T) {
	for _, n := range sizes {
		data := payload(n)
		var out bytes.Buffer
		w, err := packet.SerializeSymmetricallyEncrypted(&out, packet.CipherAES256, false, packet.CipherSuite{}, testKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		lit, err := packet.SerializeLiteral(w, true, "x", 0)
		if err != nil {
			t.Fatal(err)
		}
		lit.Write(data)
		lit.Close()
		w.Close()
		got := readLiteral(t, out.Bytes(), testKey)
		if !bytes.Equal(got, data) {
			t.Fatalf("size %d: differs", n)
		}
	}
}

// readLiteral opens msg's SEIPD packet with NewReader and returns the
// literal data inside.
func readLiteral(t testing.TB, msg, key []byte) []byte {
	t.Helper()
	r, err := NewReader(seipdBody(t, msg), key)
	if err != nil {
		t.Fatal(err)
	}
	pr := packet.NewReader(r)
	p, err := pr.Next()
	if err != nil {
		t.Fatal(err)
	}
	lit, ok := p.(*packet.LiteralData)
	if !ok {
		t.Fatalf("packet %T", p)
	}
	got, err := io.ReadAll(lit.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The MDC is checked at the end of the plaintext.
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Fatalf("after the literal packet: %d bytes, %v", len(rest), err)
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	for _, n := range sizes {
		data := payload(n)
		if got := readLiteral(t, message(t, data, 1000), testKey); !bytes.Equal(got, data) {
			t.Fatalf("size %d: differs", n)
		}
	}
}

func TestWrongKey(t *testing.T) {
	msg := message(t, payload(100), 1<<30)
	_, err := NewReader(seipdBody(t, msg), bytes.Repeat([]byte{0x43}, 32))
	if !errors.Is(err, ErrKey) {
		t.Fatalf("got %v, want ErrKey", err)
	}
}

// TestTampered flips one byte at several places: the reader must fail,
// with ErrKey in the prefix and ErrMDC after it, never io.EOF.
func TestTampered(t *testing.T) {
	data := payload(chunk + 1000)
	msg := message(t, data, 1<<30)
	for _, off := range []int{80, 2000, chunk / 2, len(msg) - 30, len(msg) - 1} {
		bad := bytes.Clone(msg)
		bad[off] ^= 0x01
		r, err := NewReader(seipdBody(t, bad), testKey)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err == nil {
			t.Fatalf("offset %d: no error", off)
		}
	}
}

func TestTruncated(t *testing.T) {
	msg := message(t, payload(5000), 1<<30)
	for _, cut := range []int{1, 10, 21, 22, 23, 2000} {
		body, _ := io.ReadAll(seipdBody(t, msg))
		body = body[:len(body)-cut]
		r, err := NewReader(bytes.NewReader(body), testKey)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err == nil {
			t.Fatalf("cut %d: no error", cut)
		}
	}
	if _, err := NewReader(bytes.NewReader(make([]byte, 10)), testKey); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short prefix: %v", err)
	}
}

func TestLengthEncoding(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "00"}, {191, "bf"}, {192, "c000"}, {8383, "dfff"}, {8384, "ff000020c0"}, {1 << 20, "ff00100000"}} {
		if got := hex.EncodeToString(appendLength(nil, c.n)); got != c.want {
			t.Errorf("length %d: %s, want %s", c.n, got, c.want)
		}
	}
}

// TestVector pins the exact bytes for a fixed key and prefix, so that a
// change of output (on any platform, WebCrypto or not) is noticed.
func TestVector(t *testing.T) {
	var out bytes.Buffer
	w, err := newWriter(&out, testKey, bytes.NewReader(bytes.Repeat([]byte{7}, 16)))
	if err != nil {
		t.Fatal(err)
	}
	lit, _ := NewLiteral(w, "a.zip", testMod)
	lit.Write(payload(chunk + 100))
	lit.Close()
	w.Close()
	sum := sha256.Sum256(out.Bytes())
	const want = "db09f1368912974c1f29dc29599e82d3835831930d16e7ddb1f734a3f926ded9"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("sha256 %s, want %s", got, want)
	}
}

// TestCFBDecrypter compares cfbDecrypter with crypto/cipher's CFB for
// inputs split at every kind of offset.
func TestCFBDecrypter(t *testing.T) {
	b, _ := aes.NewCipher(testKey)
	ct := payload(1000)
	want := make([]byte, len(ct))
	cipher.NewCFBDecrypter(b, make([]byte, 16)).XORKeyStream(want, ct)
	for _, step := range []int{1, 3, 15, 16, 17, 31, 100, 1000} {
		got := bytes.Clone(ct)
		d := newCFBDecrypter(b)
		for p := got; len(p) > 0; {
			n := min(step, len(p))
			d.xor(p[:n])
			p = p[n:]
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("step %d: differs", step)
		}
	}
}
