package ccda

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkConvert converts C-CDA documents to FHIR resources: the
// embedded fixtures (also in the browser, make bench's wasm row) and, on
// the host, the vendor documents of the corpus. Watch docs/s.
func BenchmarkConvert(b *testing.B) {
	var docs [][]byte
	for _, name := range []string{"ccd.xml", "visit.xml", "loose.xml"} {
		raw, err := fixtures.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, raw)
	}
	run := func(b *testing.B, docs [][]byte) {
		b.ReportAllocs()
		n, size := 0, 0
		for _, d := range docs {
			size += len(d)
		}
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, d := range docs {
				if _, err := Convert(bytes.NewReader(d), Options{}); err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
	}
	b.Run("fixtures", func(b *testing.B) { run(b, docs) })
	b.Run("corpus", func(b *testing.B) {
		var corpus [][]byte
		for _, f := range corpusFiles(b) {
			raw, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			corpus = append(corpus, raw)
		}
		run(b, corpus)
	})
}
