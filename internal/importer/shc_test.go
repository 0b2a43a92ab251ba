package importer

import (
	"bytes"
	"compress/flate"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

var b64 = base64.RawURLEncoding

const cardBundle = `{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"resource:0","resource":{"resourceType":"Patient","name":[{"family":"Testperson","given":["Ana"]}],"birthDate":"1980-02-29"}},
{"fullUrl":"resource:1","resource":{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"207"}]},"patient":{"reference":"resource:0"},"occurrenceDateTime":"2021-01-01"}}]}`

// issuer is a test SMART Health Card issuer with its own P-256 key.
type issuer struct {
	key  *ecdsa.PrivateKey
	kid  string
	jwks JWKS
}

func newIssuer(t testing.TB) issuer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := k.PublicKey.Bytes() // 0x04 || X || Y
	x, y := b64.EncodeToString(pt[1:33]), b64.EncodeToString(pt[33:])
	// kid is the JWK thumbprint (RFC 7638), as the SHC spec asks.
	th := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	kid := b64.EncodeToString(th[:])
	keys := JWKS{Keys: []JWK{{Kty: "EC", Kid: kid, Use: "sig", Alg: "ES256", Crv: "P-256", X: x, Y: y}}}
	return issuer{key: k, kid: kid, jwks: keys.ForIssuer("https://issuer.example.org")}
}

// unsignedCard is a compact JWS card with bundle inside and a dummy signature.
func unsignedCard(bundle []byte) string {
	payload := `{"iss":"https://issuer.example.org","vc":{"credentialSubject":{"fhirBundle":` + string(bundle) + `}}}`
	return b64.EncodeToString([]byte(`{"zip":"DEF","alg":"ES256","kid":"k"}`)) + "." + b64.EncodeToString(stored([]byte(payload))) + ".AAAA"
}

// stored is raw DEFLATE of b in stored (uncompressed) blocks: cheap to make.
func stored(b []byte) []byte {
	var out []byte
	for {
		n := min(len(b), 65535)
		final := byte(0)
		if n == len(b) {
			final = 1
		}
		out = append(out, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		out = append(out, b[:n]...)
		b = b[n:]
		if final == 1 {
			return out
		}
	}
}

// sign makes a compact JWS health card holding bundle.
func (is issuer) sign(t testing.TB, bundle string) string {
	payload := fmt.Sprintf(`{"iss":"https://issuer.example.org","nbf":1620000000,"vc":{"type":["https://smarthealth.cards#health-card"],"credentialSubject":{"fhirVersion":"4.0.1","fhirBundle":%s}}}`, bundle)
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write([]byte(payload))
	w.Close()
	h := b64.EncodeToString([]byte(`{"zip":"DEF","alg":"ES256","kid":"` + is.kid + `"}`))
	signed := h + "." + b64.EncodeToString(z.Bytes())
	d := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, is.key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signed + "." + b64.EncodeToString(sig)
}

func cardFile(jws ...string) string {
	b, _ := json.Marshal(map[string][]string{"verifiableCredential": jws})
	return string(b)
}

// toNumeric is the QR numeric encoding: each character c as two digits c-45.
func toNumeric(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%02d", c-45)
	}
	return b.String()
}

// tamper changes the payload of a JWS while keeping its signature.
func tamper(t testing.TB, jws, from, to string) string {
	p := strings.Split(jws, ".")
	raw, _ := b64.DecodeString(p[1])
	var out bytes.Buffer
	out.ReadFrom(flate.NewReader(bytes.NewReader(raw)))
	changed := strings.Replace(out.String(), from, to, 1)
	if changed == out.String() {
		t.Fatal("tamper: nothing replaced")
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write([]byte(changed))
	w.Close()
	return p[0] + "." + b64.EncodeToString(z.Bytes()) + "." + p[2]
}

func TestSHC(t *testing.T) {
	is, other := newIssuer(t), newIssuer(t)
	jws := is.sign(t, cardBundle)
	bad := tamper(t, jws, "2021-01-01", "2021-01-02")
	n := toNumeric(jws)
	third := len(n) / 3 / 2 * 2
	chunked := fmt.Sprintf("shc:/2/3/%s\nshc:/1/3/%s\nshc:/3/3/%s\n", n[third:2*third], n[:third], n[2*third:])

	tests := []struct {
		name, file, in string
		keys           JWKS
		verified       bool
		problems       string
	}{
		{"good file", "c.smart-health-card", cardFile(jws), is.jwks, true, ""},
		{"good qr", "qr.txt", "shc:/" + n + "\n", is.jwks, true, ""},
		{"good chunks", "qr.txt", chunked, is.jwks, true, ""},
		{"good jws", "c.jws", jws, is.jwks, true, ""},
		{"both keys", "c.smart-health-card", cardFile(jws), other.jwks.Add(is.jwks), true, ""},
		{"tampered", "c.smart-health-card", cardFile(bad), is.jwks, false, "error:shc-bad-signature@verifiableCredential[0]"},
		{"unknown key", "c.smart-health-card", cardFile(jws), other.jwks, false, "warning:shc-unknown-key@verifiableCredential[0]"},
		{"no keys", "c.smart-health-card", cardFile(jws), JWKS{}, false, "warning:shc-unknown-key@verifiableCredential[0]"},
		{"two cards, one bad", "c.smart-health-card", cardFile(jws, bad), is.jwks, false, "error:shc-bad-signature@verifiableCredential[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Import(tt.file, strings.NewReader(tt.in), Options{Keys: tt.keys})
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, res)
			if res.Format != FormatSHC || res.Verified == nil || *res.Verified != tt.verified {
				t.Fatalf("format %s verified %v, want %v", res.Format, res.Verified, tt.verified)
			}
			if got := codes(res.Problems); got != tt.problems && !(tt.name == "two cards, one bad" && strings.HasPrefix(got, tt.problems)) {
				t.Errorf("problems %q, want %q", got, tt.problems)
			}
			if name, bd := PatientName(*res.Patient); name != "Ana Testperson" || bd != "1980-02-29" {
				t.Errorf("patient %q %q", name, bd)
			}
			if res.Counts["Immunization"] < 1 || res.Source != "https://issuer.example.org" {
				t.Errorf("counts %v source %q", res.Counts, res.Source)
			}
			if !bytes.Contains(res.Resources[0].JSON, []byte(`"reference":"resource:0"`)) {
				t.Error("resource:0 reference lost")
			}
		})
	}
}

func TestSHCBroken(t *testing.T) {
	is := newIssuer(t)
	jws := is.sign(t, cardBundle)
	n := toNumeric(jws)
	tests := []struct{ name, file, in, code string }{
		{"missing chunk", "qr.txt", "shc:/1/3/" + n[:10] + "\nshc:/3/3/" + n[10:20], ErrCodeSHC},
		{"odd digits", "qr.txt", "shc:/123", ErrCodeSHC},
		{"out of range", "qr.txt", "shc:/99", ErrCodeSHC},
		{"not jws", "c.smart-health-card", `{"verifiableCredential":["abc"]}`, ErrCodeSHC},
		{"vc not array", "c.smart-health-card", `{"verifiableCredential":"abc"}`, ErrCodeSHC},
		{"empty vc", "c.smart-health-card", `{"verifiableCredential":[]}`, ErrCodeSHC},
		{"bad json", "c.smart-health-card", `{"verifiableCredential":[`, ErrCodeTruncated},
		{"no bundle", "c.jws", is.sign(t, `null`), ErrCodeSHC},
		{"deep bundle", "c.jws", is.sign(t, strings.Repeat("[", 200)+strings.Repeat("]", 200)), ErrCodeSHC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Import(tt.file, strings.NewReader(tt.in), Options{Keys: is.jwks})
			wantCode(t, err, tt.code)
			if strings.Contains(err.Error(), "Testperson") {
				t.Fatal("error leaks content")
			}
			checkInvariants(t, res)
		})
	}
}
