package importer

import (
	"bytes"
	"compress/flate"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// JWKS is a JSON Web Key Set as published by a SMART Health Card issuer at
// <iss>/.well-known/jwks.json. Backpack never fetches it: the caller passes
// the sets it knows (bundled or imported by the person).
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is one public key. Only EC P-256 keys (ES256) are used.
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`

	// Issuer is the card issuer (iss) the key is published for. A key
	// checks only that issuer's cards: a key id names a key, not who may
	// sign with it. A key without an issuer checks nothing (ForIssuer ties
	// one).
	Issuer string `json:"-"`
}

// ForIssuer returns k with every key tied to the issuer iss (as written on
// its cards, e.g. "https://spec.smarthealth.cards/examples/issuer").
func (k JWKS) ForIssuer(iss string) JWKS {
	out := JWKS{Keys: append([]JWK(nil), k.Keys...)}
	for i := range out.Keys {
		out.Keys[i].Issuer = normIssuer(iss)
	}
	return out
}

// normIssuer drops what two spellings of one issuer may differ in.
func normIssuer(iss string) string { return strings.TrimRight(strings.TrimSpace(iss), "/") }

// ParseJWKS reads a JWKS document.
func ParseJWKS(b []byte) (JWKS, error) {
	var k JWKS
	if err := json.Unmarshal(b, &k); err != nil {
		return JWKS{}, errors.New("importer: JWKS is not valid JSON")
	}
	return k, nil
}

// Add returns a set holding the keys of k and o.
func (k JWKS) Add(o JWKS) JWKS {
	return JWKS{Keys: append(append([]JWK(nil), k.Keys...), o.Keys...)}
}

// find returns the key kid of the issuer iss. other reports a key with
// that id that is not tied to iss (another issuer's, or no one's).
func (k JWKS) find(iss, kid string) (pub *ecdsa.PublicKey, ok, other bool) {
	iss = normIssuer(iss)
	for _, j := range k.Keys {
		if j.Kid != kid || j.Kty != "EC" || j.Crv != "P-256" {
			continue
		}
		if j.Issuer == "" || j.Issuer != iss {
			other = true
			continue
		}
		x, err1 := base64.RawURLEncoding.DecodeString(j.X)
		y, err2 := base64.RawURLEncoding.DecodeString(j.Y)
		if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			continue
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			continue
		}
		return pub, true, false
	}
	return nil, false, other
}

// Card is what a SMART Health Card's signature check needs, kept in the
// Result so that CheckCards can check again with keys added later.
type Card struct {
	Where  string // verifiableCredential[i]
	Issuer string // iss, as the card says
	Kid    string // the key id the card names
	alg    string
	signed []byte
	sig    []byte
}

// Signature problem codes, which CheckCards replaces.
const (
	ProblemBadSignature = "shc-bad-signature"
	ProblemUnknownKey   = "shc-unknown-key"
	ProblemOtherIssuer  = "shc-other-issuer" // a key with this id was added, but not for this card's issuer
)

// CheckCards checks the signatures of res's cards against keys, setting
// res.Verified and the signature problems anew.
func CheckCards(res *Result, keys JWKS) {
	if len(res.Cards) == 0 {
		return
	}
	kept := res.Problems[:0:0]
	for _, p := range res.Problems {
		if p.Code != ProblemBadSignature && p.Code != ProblemUnknownKey && p.Code != ProblemOtherIssuer || p.Where == "" {
			kept = append(kept, p)
		} else if !isCardWhere(res.Cards, p.Where) {
			kept = append(kept, p)
		}
	}
	res.Problems = kept
	verified := !res.unreadCards
	for _, c := range res.Cards {
		sev, code, detail := checkCard(c, keys)
		if code != "" {
			verified = false
			res.Problems = append(res.Problems, Problem{Severity: sev, Code: code, Where: c.Where, Detail: detail})
		}
	}
	res.Verified = &verified
}

func isCardWhere(cards []Card, where string) bool {
	for _, c := range cards {
		if c.Where == where {
			return true
		}
	}
	return false
}

// checkCard returns the problem of one card's signature, or no code.
func checkCard(c Card, keys JWKS) (sev, code, detail string) {
	if c.alg != "ES256" {
		return SevError, ProblemBadSignature, "algorithm is not ES256"
	}
	pub, ok, other := keys.find(c.Issuer, c.Kid)
	switch {
	case !ok && other:
		return SevWarning, ProblemOtherIssuer, "a key with this id was added, but not for this card's issuer; signature not checked"
	case !ok:
		return SevWarning, ProblemUnknownKey, "no known issuer key with this kid; signature not checked"
	case !verifyES256(pub, c.signed, c.sig):
		return SevError, ProblemBadSignature, "signature does not match: the card was changed or not signed by this issuer"
	}
	return "", "", ""
}

// importSHC reads a SMART Health Card: a .smart-health-card JSON file
// ({"verifiableCredential":[jws…]}), numeric QR text (shc:/… lines,
// multi-chunk shc:/i/n/… sets included) or bare JWS lines.
func importSHC(res *Result, b []byte, opts Options) error {
	jwss, err := shcTokens(res, b)
	if err != nil {
		return err
	}
	if len(jwss) == 0 {
		return &Error{Code: ErrCodeSHC, Err: errors.New("no health card in the file")}
	}
	verified := true
	p := &jsonReader{res: res}
	read := 0
	// The cards' payloads inflate to opts.max() bytes together, not each:
	// a 64 MB file of cards could otherwise inflate to 50 GB.
	left := opts.max()
	for i, jws := range jwss {
		where := "verifiableCredential[" + strconv.Itoa(i) + "]"
		c, err := decodeJWS(jws, &left)
		if errors.Is(err, errInflated) {
			return &Error{Code: ErrCodeTooLarge, Offset: opts.max(), Err: err}
		}
		if err != nil {
			p.problem(SevError, "shc-decode", where, err.Error())
			verified = false
			continue
		}
		res.Cards = append(res.Cards, Card{Where: where, Issuer: c.iss, Kid: c.header.Kid, alg: c.header.Alg, signed: c.signed, sig: c.sig})
		if off, ok := checkDepth(c.bundle, MaxDepth); !ok {
			p.problem(SevError, "too-deep", join(where, "fhirBundle"), "nested deeper than "+strconv.Itoa(MaxDepth)+" at byte "+strconv.Itoa(off))
			continue
		}
		if len(c.bundle) == 0 || !json.Valid(c.bundle) || c.bundle[0] != '{' {
			p.problem(SevError, "shc-decode", join(where, "fhirBundle"), "no FHIR bundle in the credential")
			continue
		}
		if res.Source == "" {
			res.Source = c.iss
		}
		read++
		p.resource(c.bundle, 0, join(where, "fhirBundle"), 0)
	}
	res.Format = FormatSHC
	res.unreadCards = !verified
	CheckCards(res, opts.Keys)
	if res.Verified == nil { // no card decoded
		res.Verified = &verified
	}
	if read == 0 {
		return &Error{Code: ErrCodeSHC, Err: errors.New("no readable health card")}
	}
	p.done()
	return nil
}

// shcTokens extracts the compact JWS strings from the file.
func shcTokens(res *Result, b []byte) ([]string, error) {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '{' {
		if off, ok := checkDepth(t, MaxDepth); !ok {
			return nil, errAt(ErrCodeTooDeep, t, int64(off), nil)
		}
		if err := validJSON(t); err != nil {
			return nil, err
		}
		var f struct {
			VC []json.RawMessage `json:"verifiableCredential"`
		}
		if json.Unmarshal(t, &f) != nil {
			return nil, &Error{Code: ErrCodeSHC, Err: errors.New("verifiableCredential is not an array")}
		}
		var out []string
		for i, raw := range f.VC {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				res.Problems = append(res.Problems, Problem{Severity: SevError, Code: "shc-decode",
					Where: "verifiableCredential[" + strconv.Itoa(i) + "]", Detail: "not a string"})
				continue
			}
			out = append(out, s)
		}
		return out, nil
	}
	// Text: one JWS or shc:/ QR payload per line.
	var out []string
	chunks := map[int]string{}
	total := 0
	for n, line := range strings.Split(string(t), "\n") {
		line = strings.TrimSpace(line)
		where := "line " + strconv.Itoa(n+1)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "shc:/") {
			if isJWS([]byte(line)) {
				out = append(out, line)
			} else {
				res.Problems = append(res.Problems, Problem{Severity: SevError, Code: "shc-decode", Where: where, Detail: "not a health card line"})
			}
			continue
		}
		idx, of, digits, err := splitQR(line[len("shc:/"):])
		if err == nil {
			var jws string
			if jws, err = numericToJWS(digits); err == nil {
				switch {
				case of == 0:
					out = append(out, jws)
				case total != 0 && of != total:
					err = errors.New("chunk count differs from the other lines")
				default:
					total = of
					chunks[idx] = jws
				}
			}
		}
		if err != nil {
			res.Problems = append(res.Problems, Problem{Severity: SevError, Code: "shc-decode", Where: where, Detail: err.Error()})
		}
	}
	if total > 0 {
		if len(chunks) != total {
			var missing []string
			for i := 1; i <= total; i++ {
				if _, ok := chunks[i]; !ok {
					missing = append(missing, strconv.Itoa(i))
				}
			}
			return nil, &Error{Code: ErrCodeSHC, Err: errors.New("QR chunks missing: " + strings.Join(missing, ", ") + " of " + strconv.Itoa(total))}
		}
		keys := make([]int, 0, len(chunks))
		for k := range chunks {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		var sb strings.Builder
		for _, k := range keys {
			sb.WriteString(chunks[k])
		}
		out = append(out, sb.String())
	}
	return out, nil
}

// splitQR parses "i/n/digits" or "digits" (the part after "shc:/").
func splitQR(s string) (idx, of int, digits string, err error) {
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		return 0, 0, parts[0], nil
	case 3:
		idx, err1 := strconv.Atoi(parts[0])
		of, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil || of < 1 || of > 100 || idx < 1 || idx > of {
			return 0, 0, "", errors.New("bad chunk number")
		}
		return idx, of, parts[2], nil
	}
	return 0, 0, "", errors.New("bad shc:/ prefix")
}

// numericToJWS decodes the QR numeric mode: each two digits n are the
// character n+45.
func numericToJWS(d string) (string, error) {
	if len(d)%2 != 0 || len(d) == 0 {
		return "", errors.New("odd number of digits")
	}
	out := make([]byte, len(d)/2)
	for i := 0; i < len(d); i += 2 {
		a, b := d[i]-'0', d[i+1]-'0'
		if a > 9 || b > 9 {
			return "", errors.New("not a digit at column " + strconv.Itoa(i+6))
		}
		n := a*10 + b
		if n > 'z'-45 {
			return "", errors.New("value out of range at column " + strconv.Itoa(i+6))
		}
		out[i/2] = n + 45
	}
	return string(out), nil
}

// errInflated: the cards' payloads inflate to more than the size limit.
var errInflated = errors.New("payloads larger than the size limit")

type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Zip string `json:"zip"`
}

type card struct {
	header jwsHeader
	signed []byte // header.payload, the bytes the signature covers
	sig    []byte
	iss    string
	bundle []byte
}

// decodeJWS decodes a compact JWS health card: base64url parts, raw
// DEFLATE payload (zip "DEF"), the credential's FHIR bundle. Error texts
// never contain card content.
//
// A DEFLATE payload inflates to at most *left bytes, which it then takes
// from *left; errInflated past them.
func decodeJWS(jws string, left *int64) (card, error) {
	var c card
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 {
		return c, errors.New("not a compact JWS (needs three parts)")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &c.header) != nil {
		return c, errors.New("bad JWS header")
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, errors.New("bad JWS payload encoding")
	}
	if c.sig, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return c, errors.New("bad JWS signature encoding")
	}
	c.signed = []byte(parts[0] + "." + parts[1])
	if c.header.Zip == "DEF" {
		var out bytes.Buffer
		n, err := out.ReadFrom(io.LimitReader(flate.NewReader(bytes.NewReader(pb)), *left+1))
		if err != nil {
			return c, errors.New("bad DEFLATE payload")
		}
		if n > *left {
			return c, errInflated
		}
		*left -= n
		pb = out.Bytes()
	}
	if off, ok := checkDepth(pb, MaxDepth); !ok {
		return c, errors.New("payload nested too deeply at byte " + strconv.Itoa(off))
	}
	var payload struct {
		Iss string `json:"iss"`
		VC  struct {
			CredentialSubject struct {
				FHIRBundle json.RawMessage `json:"fhirBundle"`
			} `json:"credentialSubject"`
		} `json:"vc"`
	}
	if err := json.Unmarshal(pb, &payload); err != nil {
		return c, errors.New("payload is not a health card credential")
	}
	c.iss = payload.Iss
	c.bundle = payload.VC.CredentialSubject.FHIRBundle
	return c, nil
}

// verifyES256 checks a JWS ES256 signature (r||s, 32 bytes each).
func verifyES256(pub *ecdsa.PublicKey, signed, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	h := sha256.Sum256(signed)
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, h[:], r, s)
}
