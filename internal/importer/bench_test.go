package importer

import (
	"bytes"
	"testing"
	"time"
)

// BenchmarkImportLongHistory imports the corpus's 9,290-resource record
// (gzip, 15.7 MB of JSON) and maps it to record entries. Browser target:
// ≤ 5 s end to end and ≤ 400 MB peak; watch B/op and resources/s.
func BenchmarkImportLongHistory(b *testing.B) {
	gz := longHistory(b)
	now := time.Now()
	b.Run("import", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			res, err := Import("long-history.json.gz", bytes.NewReader(gz), Options{})
			if err != nil {
				b.Fatal(err)
			}
			n += res.Total()
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
	})
	b.Run("import+entries", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			res, err := Import("long-history.json.gz", bytes.NewReader(gz), Options{})
			if err != nil {
				b.Fatal(err)
			}
			n += len(ToEntries(res, "p", now))
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
	})
}

// BenchmarkToEntriesLongHistory maps the imported long-history record to
// entries (projection and identity of 9,290 resources), without the import.
func BenchmarkToEntriesLongHistory(b *testing.B) {
	gz := longHistory(b)
	res, err := Import("long-history.json.gz", bytes.NewReader(gz), Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += len(ToEntries(res, "p", now))
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
}
