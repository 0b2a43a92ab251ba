package share

import (
	"bytes"
	"errors"
	"testing"
)

// ParseLink never panics, returns ErrLink for anything it refuses, and what
// it accepts survives Encode and ParseLink again unchanged.
func FuzzParseLink(f *testing.F) {
	good, _ := testLink().Encode("https://backpack.example")
	bare, _ := testLink().Encode("")
	f.Add(good)
	f.Add(bare)
	f.Add("shlink:/")
	f.Add("https://x.example/view#shlink:/eyJ1cmwiOiJodHRwczovL3guZXhhbXBsZS95Iiwia2V5IjoiQUFBIn0")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLink(s)
		if err != nil {
			if !errors.Is(err, ErrLink) {
				t.Fatalf("error not wrapping ErrLink: %v", err)
			}
			return
		}
		again, err := l.Encode("")
		if err != nil {
			t.Fatalf("accepted link does not re-encode: %v", err)
		}
		l2, err := ParseLink(again)
		if err != nil || !sameLink(l, l2) {
			t.Fatalf("round trip changed the link: %v", err)
		}
	})
}

// DecryptJWE never panics, and with the right key, a JWE it accepts is one
// whose plaintext it returns; random input never decrypts.
func FuzzDecryptJWE(f *testing.F) {
	key := seqKey(0)
	for _, v := range jweVectors {
		f.Add(v.compact)
	}
	f.Add("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0....")
	f.Add("....")
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := DecryptJWE(key, s)
		if err != nil {
			if plain != nil {
				t.Fatal("plaintext with an error")
			}
			return
		}
		known := false
		for _, v := range jweVectors {
			known = known || bytes.Equal(plain, []byte(v.plain))
		}
		if !known {
			t.Fatalf("forged JWE decrypted to %q", plain)
		}
	})
}
