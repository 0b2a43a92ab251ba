package importer

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A 64 KB gzip of a C-CDA with 16 million elements used 3 GB and froze the
// tab for 70 s; it is refused early with little memory.
func TestCCDAGzipBomb(t *testing.T) {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write([]byte(`<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3">`))
	zw.Write(bytes.Repeat([]byte("<a/>"), 16<<20))
	zw.Write([]byte(`</ClinicalDocument>`))
	zw.Close()
	if z.Len() > 256<<10 {
		t.Fatalf("bomb is %d bytes", z.Len())
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Import("bomb.xml.gz", &z, Options{})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrCodeTooLarge {
		t.Errorf("C-CDA bomb: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<30 {
		t.Errorf("C-CDA bomb: %d MiB allocated", alloc>>20)
	}
	if took > 20*time.Second {
		t.Errorf("C-CDA bomb took %v", took)
	}
}

// Each card's payload may inflate to the size limit, but not all of them
// together: a 64 MB file of cards could inflate to ~50 GB.
func TestSHCInflatedTotal(t *testing.T) {
	bundle := []byte(`{"resourceType":"Bundle","type":"collection","entry":[],"pad":"` + strings.Repeat("a", 300<<10) + `"}`)
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write([]byte(`{"iss":"https://issuer.example.org","vc":{"credentialSubject":{"fhirBundle":` + string(bundle) + `}}}`))
	w.Close()
	jws := b64.EncodeToString([]byte(`{"zip":"DEF","alg":"ES256","kid":"k"}`)) + "." + b64.EncodeToString(z.Bytes()) + ".AAAA"
	cards := make([]string, 8) // 8 × 300 KiB inflated, 1 MiB allowed
	for i := range cards {
		cards[i] = jws
	}
	_, err := Import("c.smart-health-card", strings.NewReader(cardFile(cards...)), Options{MaxBytes: 1 << 20})
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrCodeTooLarge {
		t.Errorf("8 cards of 300 KiB under a 1 MiB limit: %v", err)
	}
	if _, err := Import("c.smart-health-card", strings.NewReader(cardFile(cards[:3]...)), Options{MaxBytes: 1 << 20}); err != nil {
		t.Errorf("3 cards of 300 KiB under a 1 MiB limit: %v", err)
	}
}

// The fuzz targets call importBytes, which lets panics through; Import
// turns them into an error.
func TestImportRecovers(t *testing.T) {
	saved := ConvertCCDA
	ConvertCCDA = func(string, io.Reader, Options) (Result, error) { panic("Secret") }
	defer func() { ConvertCCDA = saved }()
	_, err := Import("a.xml", strings.NewReader(`<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"/>`), Options{})
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrCodeInternal || strings.Contains(err.Error(), "Secret") {
		t.Errorf("panicking reader: %v", err)
	}
}
