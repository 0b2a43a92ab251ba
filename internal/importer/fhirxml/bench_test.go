package fhirxml

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkConvert converts FHIR XML to JSON: HL7's IPS example (20
// resources, 32 KB; documents/s) and, with the sample corpus, the long
// history written as XML (9,290 resources, 20 MB; resources/s). The same
// benchmark runs in Chromium (make bench).
func BenchmarkConvert(b *testing.B) {
	b.Run("ips", func(b *testing.B) {
		benchConvert(b, fixture(b, "ips-bundle-01.xml"), 1, "docs/s")
	})
	b.Run("long-history", func(b *testing.B) {
		if runtime.GOOS == "js" {
			b.Skip("host only: writing the XML takes more memory than a browser tab has")
		}
		gz, err := os.ReadFile(filepath.Join(findCorpus(), "large", "long-history.json.gz"))
		if err != nil {
			b.Skip("sample corpus not present")
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			b.Fatal(err)
		}
		js, err := io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
		benchConvert(b, toXML(b, js), bytes.Count(js, []byte(`"resourceType"`)), "resources/s")
	})
}

// benchConvert converts x in a loop and reports per-op items per second.
func benchConvert(b *testing.B, x []byte, perOp int, unit string) {
	b.SetBytes(int64(len(x)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, _, err := Convert(x, Options{}); err != nil {
			b.Fatal(err)
		}
		n += perOp
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), unit)
}
