package importer

import (
	"strings"
	"testing"
)

// A key checks only the cards of the issuer it is tied to: matched by key
// id alone, one issuer's key verified a card claiming to be another's.
func TestSHCKeysTiedToIssuer(t *testing.T) {
	is := newIssuer(t)
	jws := is.sign(t, cardBundle) // iss https://issuer.example.org
	untied := JWKS{Keys: append([]JWK(nil), is.jwks.Keys...)}
	untied.Keys[0].Issuer = ""
	for name, c := range map[string]struct {
		keys JWKS
		want bool
		code string
	}{
		"tied to the card's issuer": {is.jwks, true, ""},
		"same spelling, a slash":    {untied.ForIssuer("https://issuer.example.org/"), true, ""},
		"another issuer's key":      {untied.ForIssuer("https://pharmacy.example.com"), false, "warning:" + ProblemOtherIssuer + "@verifiableCredential[0]"},
		"no issuer":                 {untied, false, "warning:" + ProblemOtherIssuer + "@verifiableCredential[0]"},
	} {
		res, err := Import("c.smart-health-card", strings.NewReader(cardFile(jws)), Options{Keys: c.keys})
		if err != nil {
			t.Fatal(err)
		}
		if *res.Verified != c.want || codes(res.Problems) != c.code {
			t.Errorf("%s: verified %v, problems %q", name, *res.Verified, codes(res.Problems))
		}
	}
}

// CheckCards checks a Result's cards again with keys added later.
func TestCheckCardsAgain(t *testing.T) {
	is := newIssuer(t)
	res, err := Import("c.smart-health-card", strings.NewReader(cardFile(is.sign(t, cardBundle))), Options{})
	if err != nil || *res.Verified || codes(res.Problems) != "warning:"+ProblemUnknownKey+"@verifiableCredential[0]" {
		t.Fatalf("without keys: %v %v %q", err, *res.Verified, codes(res.Problems))
	}
	CheckCards(&res, is.jwks)
	if !*res.Verified || len(res.Problems) != 0 {
		t.Errorf("with the issuer's keys: %v %q", *res.Verified, codes(res.Problems))
	}
	m := Merge(res)
	CheckCards(&m, JWKS{})
	if *m.Verified || !strings.Contains(codes(m.Problems), ProblemUnknownKey) {
		t.Errorf("merged, keys gone: %v %q", *m.Verified, codes(m.Problems))
	}
}
