package export

import (
	"bytes"
	"context"
	"io"
	"testing"
	"testing/iotest"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// TestSKESKWithGoCrypto checks writeSKESK against go-crypto's reader and
// openSKESK against go-crypto's writer, for several S2K counts.
func TestSKESKWithGoCrypto(t *testing.T) {
	key := bytes.Repeat([]byte{0x5A}, 32)
	pass := []byte("tulip-lemon-violin")

	var out bytes.Buffer
	if err := writeSKESK(&out, pass, key); err != nil {
		t.Fatal(err)
	}
	p, err := packet.Read(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ske, ok := p.(*packet.SymmetricKeyEncrypted)
	if !ok {
		t.Fatalf("packet %T", p)
	}
	got, cf, err := ske.Decrypt(pass)
	if err != nil || cf != packet.CipherAES256 || !bytes.Equal(got, key) {
		t.Fatalf("go-crypto opened %x, %v, %v", got, cf, err)
	}
	if got, ok := openSKESK(rawBody(out.Bytes(), tagSKESK), pass); !ok || !bytes.Equal(got, key) {
		t.Fatalf("openSKESK of its own packet: %x %v", got, ok)
	}

	for _, count := range []int{0, 1024, 65536, 65011712} {
		var b bytes.Buffer
		cfg := &packet.Config{DefaultCipher: packet.CipherAES256, S2KCount: count}
		if err := packet.SerializeSymmetricKeyEncryptedReuseKey(&b, key, pass, cfg); err != nil {
			t.Fatal(err)
		}
		body := rawBody(b.Bytes(), tagSKESK)
		got, ok := openSKESK(body, pass)
		if !ok || !bytes.Equal(got, key) {
			t.Fatalf("count %d: openSKESK %x %v", count, got, ok)
		}
		// A wrong passphrase never gives the key. The salt is random, so one
		// wrong passphrase in 256 passes the cipher-byte check and gives a
		// wrong key (which the MDC then refuses); of four, at least one is
		// refused here unless 1 in 256⁴.
		refused := 0
		for _, wrong := range []string{"wrong", "tulip-lemon-violim", "", "Tulip-lemon-violin"} {
			got, ok := openSKESK(body, []byte(wrong))
			if !ok || bytes.Equal(got, key) {
				t.Fatalf("count %d: wrong passphrase %q gave %x %v", count, wrong, got, ok)
			}
			if got == nil {
				refused++
			}
		}
		if refused == 0 {
			t.Fatalf("count %d: no wrong passphrase was refused", count)
		}
	}
}

func TestS2KShortCount(t *testing.T) {
	// A count below the salt and passphrase length hashes them once.
	a := s2kSHA256([]byte("a long passphrase"), []byte("saltsalt"), 1)
	b := s2kSHA256([]byte("a long passphrase"), []byte("saltsalt"), 25)
	if !bytes.Equal(a, b) {
		t.Fatal("short counts differ")
	}
}

func TestRawBody(t *testing.T) {
	body := bytes.Repeat([]byte{1}, 46)
	for _, c := range []struct {
		raw  []byte
		want bool
	}{
		{append([]byte{0xC3, 46}, body...), true},
		{append([]byte{0x8C, 46}, body...), true},     // old format, one-byte length
		{append([]byte{0x8D, 0, 46}, body...), false}, // old format, two-byte length
		{append([]byte{0xC1, 46}, body...), false},    // another tag
		{append([]byte{0xC3, 47}, body...), false},    // length differs
		{[]byte{0xC3}, false},
	} {
		if got := rawBody(c.raw, tagSKESK); (got != nil) != c.want {
			t.Errorf("%x…: got %v, want %v", c.raw[:2], got != nil, c.want)
		}
	}
}

// TestReadUsesFastS2K checks that Read opens Write's SKESK itself (not
// through go-crypto's slower S2K), however the input is split.
func TestReadUsesFastS2K(t *testing.T) {
	d, files := sample(t)
	out := export(t, d, Selection{}, files, passphrase(t, "pw"))
	for _, r := range []io.Reader{bytes.NewReader(out), iotest.OneByteReader(bytes.NewReader(out)), iotest.HalfReader(bytes.NewReader(out))} {
		fast := 0
		testHookSKESK = func() { fast++ }
		_, err := Read(context.Background(), r, PassphraseIdentity("pw"), nil)
		testHookSKESK = nil
		if err != nil || fast != 1 {
			t.Fatalf("err %v, opened %d times by openSKESK", err, fast)
		}
	}
}
