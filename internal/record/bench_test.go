package record

import (
	"sync"
	"testing"

	"backpack/internal/fhir"
)

var (
	benchOnce    sync.Once
	benchEntries []Entry
	benchHeaders [][]byte
	benchBook    *Book
)

// bench10k is 10,000 synthetic entries, their headers and a book of them.
func bench10k(b *testing.B) ([]Entry, [][]byte, *Book) {
	b.Helper()
	benchOnce.Do(func() {
		benchEntries = Synthetic(10000, 1)
		benchBook = NewBook()
		for _, e := range benchEntries {
			h, _ := EncodeEntry(e)
			benchHeaders = append(benchHeaders, h)
			benchBook.Add(e)
		}
		benchBook.Warm()
	})
	return benchEntries, benchHeaders, benchBook
}

// Target: ≤ 50 ms per search over 10,000 entries.
func BenchmarkSearch10k(b *testing.B) {
	_, _, book := bench10k(b)
	queries := []string{"glucose", "hemoglobin a1c", "dr emile", "ana gomez clinica", "anaphylaxis", "c", "metformin 500", "4548-4", "zzz"}
	i := 0
	for b.Loop() {
		book.Search(SyntheticProfile, queries[i%len(queries)])
		i++
	}
}

// Target: ≤ 200 ms for a summary over 10,000 entries.
func BenchmarkSummary10k(b *testing.B) {
	_, _, book := bench10k(b)
	for b.Loop() {
		book.Summary(SyntheticProfile)
	}
}

func BenchmarkTimelinePage10k(b *testing.B) {
	_, _, book := bench10k(b)
	filters := []Filter{
		{Profile: SyntheticProfile},
		{Profile: SyntheticProfile, Kinds: []Kind{KindLab, KindVital}},
		{Profile: SyntheticProfile, From: day("2020-01-01"), To: day("2020-12-31")},
	}
	i := 0
	for b.Loop() {
		book.Timeline(filters[i%len(filters)], 100, 50)
		i++
	}
}

func BenchmarkTrend10k(b *testing.B) {
	_, _, book := bench10k(b)
	for b.Loop() {
		book.Trend(SyntheticProfile, "4548-4")
	}
}

// What unlock costs after decryption: decode 10,000 headers into a book
// (the search index is built later, see BenchmarkWarm10k).
func BenchmarkBuildBookFromHeaders10k(b *testing.B) {
	_, headers, _ := bench10k(b)
	for b.Loop() {
		book := NewBook()
		for _, h := range headers {
			dh, err := DecodeHeader(h)
			if err != nil {
				b.Fatal(err)
			}
			book.Add(*dh.Entry)
		}
	}
}

// Reports the average header size (bytes/header) of synthetic entries.
func BenchmarkEncodeEntry(b *testing.B) {
	entries, _, _ := bench10k(b)
	total, n := 0, 0
	for b.Loop() {
		h, _ := EncodeEntry(entries[n%len(entries)])
		total += len(h)
		n++
	}
	b.ReportMetric(float64(total)/float64(n), "bytes/header")
}

func BenchmarkProject(b *testing.B) {
	rs := []string{"encounter", "lab", "bp", "medrequest", "docref_note", "coverage"}
	var res []fhir.Resource
	for _, n := range rs {
		res = append(res, loadFixture(b, n))
	}
	i := 0
	for b.Loop() {
		Project(res[i%len(res)])
		i++
	}
}

// Building the search index and sorting the timeline of 10,000 entries.
func BenchmarkWarm10k(b *testing.B) {
	entries, _, _ := bench10k(b)
	for b.Loop() {
		b.StopTimer()
		book := NewBook()
		for _, e := range entries {
			book.Add(e)
		}
		b.StartTimer()
		book.Warm()
	}
}

// What unlock costs: decode 10,000 entry headers, in the binary form
// EncodeEntry writes and in the JSON of version 1. Target (Chromium):
// ≤ 200 ms.
func BenchmarkDecodeHeaders10k(b *testing.B) {
	entries, headers, _ := bench10k(b)
	v1 := make([][]byte, len(entries))
	for i, e := range entries {
		v1[i] = encodeEntryV1(e)
	}
	for _, c := range []struct {
		name    string
		headers [][]byte
	}{{"binary", headers}, {"v1-json", v1}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, h := range c.headers {
					if _, err := DecodeHeader(h); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
