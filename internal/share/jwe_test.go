package share

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func seqKey(start byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = start + byte(i)
	}
	return k
}

// Vectors computed independently with Python's cryptography package:
//
//	h = b64url(header_json); s = AESGCM(bytes(range(32))).encrypt(bytes(range(100, 112)), plain, h.encode())
//	compact = h + ".." + b64url(nonce) + "." + b64url(s[:-16]) + "." + b64url(s[-16:])
var jweVectors = []struct {
	name, cty, plain, compact string
}{
	{
		name:    "fhir json",
		cty:     "application/fhir+json",
		plain:   `{"resourceType":"Bundle","type":"collection"}`,
		compact: "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiY3R5IjoiYXBwbGljYXRpb24vZmhpcitqc29uIn0..ZGVmZ2hpamtsbW5v.MzmsAwqGI-xdBwuRqgBIx2CAc2TvAJZQi_PYMYvGh3K2ii-sIHf4cJScFh2A.xiLQE13oPOLFvsEE1kVVmA",
	},
	{
		name:    "empty",
		plain:   "",
		compact: "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..ZGVmZ2hpamtsbW5v..qqIDRsgIz4fUucR6Iq8nbA",
	},
}

func TestJWEVectors(t *testing.T) {
	key, nonce := seqKey(0), seqKey(100)[:12]
	for _, v := range jweVectors {
		t.Run(v.name, func(t *testing.T) {
			got, err := encryptJWE(key, []byte(v.plain), v.cty, nonce)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.compact {
				t.Fatalf("encrypt:\n got %s\nwant %s", got, v.compact)
			}
			plain, err := DecryptJWE(key, v.compact)
			if err != nil || string(plain) != v.plain {
				t.Fatalf("decrypt: %q, %v", plain, err)
			}
			if cty, err := JWEContentType(v.compact); err != nil || cty != v.cty {
				t.Fatalf("cty %q, %v", cty, err)
			}
		})
	}
}

// A SMART Health Links producer may compress with "zip":"DEF" and order the
// header differently; DecryptJWE reads it.
func TestJWEDeflateFromOtherProducer(t *testing.T) {
	const compact = "eyJ6aXAiOiJERUYiLCJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiY3R5IjoiYXBwbGljYXRpb24vc21hcnQtaGVhbHRoLWNhcmQifQ..ZGVmZ2hpamtsbW5v.4030LFQnebN0LFJB9i0_TxCwLMfApbondYCGyQswVjvmu9OLfuFokJdYPypyaNSaVzZd5w.LW3apsqLIBZmPVoofj5fNw"
	plain, err := DecryptJWE(seqKey(0), compact)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat(`{"resourceType":"Bundle","type":"collection"}`, 20)
	if string(plain) != want {
		t.Fatalf("got %d bytes", len(plain))
	}
}

func TestJWECompactShape(t *testing.T) {
	key := NewKey()
	c, err := EncryptJWE(key, []byte("hello"), "")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(c, ".")
	if len(parts) != 5 || parts[1] != "" {
		t.Fatalf("parts: %d, encrypted key %q", len(parts), parts[1])
	}
	hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(hdr, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m["alg"] != "dir" || m["enc"] != "A256GCM" {
		t.Fatalf("header %s", hdr)
	}
	for i, want := range map[int]int{2: 12, 4: 16} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || len(b) != want {
			t.Fatalf("part %d: %d bytes, %v", i, len(b), err)
		}
	}
	if !LooksLikeJWE([]byte(c)) {
		t.Fatal("LooksLikeJWE false for our own JWE")
	}
	c2, _ := EncryptJWE(key, []byte("hello"), "")
	if c2 == c {
		t.Fatal("two encryptions gave the same JWE: nonce reused")
	}
}

func TestJWERoundTrip(t *testing.T) {
	key := NewKey()
	for _, n := range []int{0, 1, 15, 16, 17, 1000, 1 << 20} {
		plain := bytes.Repeat([]byte{byte(n)}, n)
		c, err := EncryptJWE(key, plain, "application/fhir+json")
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecryptJWE(key, c)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("n=%d: %v", n, err)
		}
	}
}

func TestJWERejects(t *testing.T) {
	key := seqKey(0)
	good := jweVectors[0].compact
	p := strings.Split(good, ".")
	join := func(q ...string) string { return strings.Join(q, ".") }
	hdr := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	flip := func(s string) string { // change one base64 character
		b := []byte(s)
		if b[1] == 'A' {
			b[1] = 'B'
		} else {
			b[1] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name    string
		key     []byte
		compact string
		want    error
	}{
		{"wrong key", seqKey(1), good, ErrDecrypt},
		{"short key", key[:16], good, ErrKeySize},
		{"four parts", key, join(p[0], p[1], p[2], p[3]), ErrMalformed},
		{"six parts", key, good + ".", ErrMalformed},
		{"empty", key, "", ErrMalformed},
		{"encrypted key present", key, join(p[0], "AAAA", p[2], p[3], p[4]), ErrUnsupported},
		{"alg RSA", key, join(hdr(`{"alg":"RSA-OAEP","enc":"A256GCM"}`), "", p[2], p[3], p[4]), ErrUnsupported},
		{"alg none", key, join(hdr(`{"alg":"none","enc":"A256GCM"}`), "", p[2], p[3], p[4]), ErrUnsupported},
		{"enc A128GCM", key, join(hdr(`{"alg":"dir","enc":"A128GCM"}`), "", p[2], p[3], p[4]), ErrUnsupported},
		{"zip other", key, join(hdr(`{"alg":"dir","enc":"A256GCM","zip":"GZ"}`), "", p[2], p[3], p[4]), ErrUnsupported},
		{"crit", key, join(hdr(`{"alg":"dir","enc":"A256GCM","crit":["x"]}`), "", p[2], p[3], p[4]), ErrUnsupported},
		{"header not JSON", key, join(hdr(`alg dir`), "", p[2], p[3], p[4]), ErrMalformed},
		{"header padded", key, join(p[0]+"=", "", p[2], p[3], p[4]), ErrMalformed},
		{"header changed", key, join(hdr(`{"alg":"dir","enc":"A256GCM","cty":"text/html"}`), "", p[2], p[3], p[4]), ErrDecrypt},
		{"iv short", key, join(p[0], "", p[2][:8], p[3], p[4]), ErrMalformed},
		{"iv changed", key, join(p[0], "", flip(p[2]), p[3], p[4]), ErrDecrypt},
		{"ciphertext changed", key, join(p[0], "", p[2], flip(p[3]), p[4]), ErrDecrypt},
		{"ciphertext bad base64", key, join(p[0], "", p[2], p[3]+"*", p[4]), ErrMalformed},
		{"tag changed", key, join(p[0], "", p[2], p[3], flip(p[4])), ErrDecrypt},
		{"tag short", key, join(p[0], "", p[2], p[3], p[4][:10]), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecryptJWE(tt.key, tt.compact)
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), p[3]) {
				t.Fatal("error text carries ciphertext")
			}
		})
	}
}

func TestLooksLikeJWE(t *testing.T) {
	for s, want := range map[string]bool{
		jweVectors[0].compact:                  true,
		"":                                     false,
		"....":                                 false,
		"hello":                                false,
		"eyJhbGciOiJkaXIifQ..a.b.c":            false, // no enc
		"\x00\x01binary ciphertext\xff.a.b.c.": false,
	} {
		if got := LooksLikeJWE([]byte(s)); got != want {
			t.Errorf("%q: %v", s, got)
		}
	}
}

func BenchmarkEncryptJWE1MiB(b *testing.B) {
	key, plain := NewKey(), make([]byte, 1<<20)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := EncryptJWE(key, plain, "application/fhir+json"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptJWE1MiB(b *testing.B) {
	key, plain := NewKey(), make([]byte, 1<<20)
	c, _ := EncryptJWE(key, plain, "")
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := DecryptJWE(key, c); err != nil {
			b.Fatal(err)
		}
	}
}
