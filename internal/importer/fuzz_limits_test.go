package importer

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"testing"
)

const fuzzMax = 1 << 20

// inflated is the size of b's raw DEFLATE stream inflated, up to max+1
// bytes; ok is false for a broken stream.
func inflated(b []byte, max int64) (n int64, ok bool) {
	n, err := io.Copy(io.Discard, io.LimitReader(flate.NewReader(bytes.NewReader(b)), max+1))
	return n, err == nil
}

func isCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// C-CDA through the gzip path, with size accounting: whatever the input,
// no import panics, and input that unzips to more than the limit is
// refused as too large, not read.
func FuzzCCDASize(f *testing.F) {
	doc := []byte(`<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget><patientRole><patient><name><given>Ana</given></name></patient></patientRole></recordTarget><component><structuredBody><component><section><entry><observation><value/></observation></entry></section></component></structuredBody></component></ClinicalDocument>`)
	f.Add(doc, uint16(1))
	f.Add(doc, uint16(5000))
	f.Add([]byte("<a/>"), uint16(60000))
	f.Fuzz(func(t *testing.T, unit []byte, repeat uint16) {
		plain := bytes.Repeat(unit, int(repeat)) // up to 64 K copies: a bomb of any shape
		if len(plain) > 8*fuzzMax {
			return
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(plain)
		zw.Close()
		res, err := importBytes("doc.xml.gz", z.Bytes(), Options{MaxBytes: fuzzMax})
		checkFuzzResult(t, res, err)
		if len(plain) > fuzzMax && !isCode(err, ErrCodeTooLarge) {
			t.Fatalf("%d bytes unzipped under a %d limit: %v", len(plain), fuzzMax, err)
		}
		if err == nil && res.Total() > len(plain) {
			t.Fatalf("%d resources from %d bytes", res.Total(), len(plain))
		}
	})
}

// SMART Health Card payloads with size accounting: the cards' payloads
// inflate to the limit together, not each.
func FuzzSHCSize(f *testing.F) {
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(bytes.Repeat([]byte(" "), 300<<10))
	w.Close()
	f.Add(z.Bytes(), uint8(4))
	f.Add(stored([]byte(`{"iss":"https://x.example","vc":{"credentialSubject":{"fhirBundle":{"resourceType":"Bundle"}}}}`)), uint8(2))
	f.Fuzz(func(t *testing.T, payload []byte, n uint8) {
		jws := b64.EncodeToString([]byte(`{"zip":"DEF","alg":"ES256","kid":"k"}`)) + "." + b64.EncodeToString(payload) + ".AAAA"
		cards := make([]string, int(n%16)+1)
		for i := range cards {
			cards[i] = jws
		}
		file := []byte(cardFile(cards...))
		if len(file) > fuzzMax {
			return
		}
		res, err := importBytes("c.smart-health-card", file, Options{MaxBytes: fuzzMax})
		checkFuzzResult(t, res, err)
		one, ok := inflated(payload, fuzzMax)
		if ok && one*int64(len(cards)) > fuzzMax && !isCode(err, ErrCodeTooLarge) {
			t.Fatalf("%d cards of %d bytes inflated under a %d limit: %v", len(cards), one, fuzzMax, err)
		}
	})
}
