package importer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// corpusDir is the shared sample corpus, beside the repository.
const corpusDir = "../../../shared/corpus"

func corpus(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(corpusDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not present (%s)", dir)
	}
	return dir
}

func corpusKeys(t testing.TB) JWKS {
	b, err := os.ReadFile(filepath.Join(corpus(t, "shc"), "issuer-jwks.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseJWKS(b)
	if err != nil {
		t.Fatal(err)
	}
	return k.ForIssuer("https://spec.smarthealth.cards/examples/issuer")
}

// plainCounts counts a bundle's entry resources by type with a plain
// decode, independently of the importer (nested bundles opened too).
func plainCounts(t testing.TB, b []byte) map[string]int {
	var bundle struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range bundle.Entry {
		var h struct{ ResourceType string }
		json.Unmarshal(e.Resource, &h)
		if h.ResourceType == "Bundle" {
			for k, n := range plainCounts(t, e.Resource) {
				out[k] += n
			}
			continue
		}
		out[h.ResourceType]++
	}
	return out
}

func noErrors(t *testing.T, res Result) {
	t.Helper()
	for _, p := range res.Problems {
		if p.Severity == SevError {
			t.Errorf("%s: error problem %+v", res.File, p)
		}
	}
}

func TestCorpusFHIR(t *testing.T) {
	for _, sub := range []string{"fhir-r4", "ips"} {
		dir := corpus(t, sub)
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			t.Run(filepath.Base(f), func(t *testing.T) {
				b, _ := os.ReadFile(f)
				res, err := Import(filepath.Base(f), bytes.NewReader(b), Options{})
				if err != nil {
					t.Fatal(err)
				}
				checkInvariants(t, res)
				noErrors(t, res)
				if want := plainCounts(t, b); !mapsEqual(res.Counts, want) {
					t.Errorf("counts %v, want %v", res.Counts, want)
				}
				if res.Patient == nil {
					t.Error("no patient")
				}
				want := FormatBundle
				if sub == "ips" {
					want = FormatIPS
				}
				if res.Format != want || Detect(f, headOf(b)) != want {
					t.Errorf("format %s / detect %s, want %s", res.Format, Detect(f, headOf(b)), want)
				}
			})
		}
	}
}

func TestCorpusNDJSON(t *testing.T) {
	dir := corpus(t, "ndjson")
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	var rs []Result
	total, patients := 0, 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := bytes.Count(bytes.TrimSpace(b), []byte{'\n'}) + 1
		res, err := Import(filepath.Base(f), bytes.NewReader(b), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, res)
		noErrors(t, res)
		if res.Format != FormatNDJSON || res.Total() != lines {
			t.Errorf("%s: %s with %d resources, want ndjson with %d", f, res.Format, res.Total(), lines)
		}
		total += lines
		patients += res.Counts["Patient"]
		rs = append(rs, res)
	}
	m := Merge(rs...)
	checkInvariants(t, m)
	if m.Total() != total || m.Patient == nil || m.Counts["Patient"] != patients || patients < 2 {
		t.Errorf("merged: %d resources (want %d), %d patients (want %d)", m.Total(), total, m.Counts["Patient"], patients)
	}
	if codes(m.Problems) != "warning:multiple-patients@" {
		t.Errorf("merged problems: %s", codes(m.Problems))
	}
}

func TestCorpusSHC(t *testing.T) {
	dir := corpus(t, "shc")
	keys := corpusKeys(t)
	files, _ := filepath.Glob(filepath.Join(dir, "example-*"))
	n := 0
	for _, f := range files {
		if filepath.Ext(f) == ".json" { // the plain bundles the cards hold
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, _ := os.ReadFile(f)
			for _, k := range []JWKS{keys, {}} {
				res, err := Import(filepath.Base(f), bytes.NewReader(b), Options{Keys: k})
				if err != nil {
					t.Fatal(err)
				}
				checkInvariants(t, res)
				if res.Format != FormatSHC || res.Verified == nil || *res.Verified != (len(k.Keys) > 0) {
					t.Fatalf("format %s verified %v with %d keys", res.Format, res.Verified, len(k.Keys))
				}
				if len(k.Keys) > 0 {
					for _, p := range res.Problems {
						if p.Severity != SevInfo {
							t.Errorf("problem %+v", p)
						}
					}
				}
				// The card holds the example's plain bundle.
				base := filepath.Join(dir, filepath.Base(f)[:len("example-00-")]+"a-fhirBundle.json")
				pb, err := os.ReadFile(base)
				if err != nil {
					t.Fatal(err)
				}
				want := plainCounts(t, pb)
				if !mapsEqual(res.Counts, want) {
					t.Errorf("counts %v, want %v", res.Counts, want)
				}
				if (res.Patient != nil) != (want["Patient"] > 0) || res.Source == "" {
					t.Error("patient or issuer missing")
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no cards in corpus")
	}
}

func longHistory(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join(corpus(t, "large"), "long-history.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorpusLongHistory(t *testing.T) {
	gz := longHistory(t)
	res, err := Import("long-history.json.gz", bytes.NewReader(gz), Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	noErrors(t, res)
	zr, _ := gzip.NewReader(bytes.NewReader(gz))
	plain, _ := io.ReadAll(zr)
	want := plainCounts(t, plain)
	if !mapsEqual(res.Counts, want) {
		t.Errorf("counts %v, want %v", res.Counts, want)
	}
	if res.Total() != 9290 {
		t.Errorf("%d resources, want 9290", res.Total())
	}
	if res.Counts["Patient"] != 1 || res.Patient == nil {
		t.Errorf("patients: %d", res.Counts["Patient"])
	}
}

func TestCorpusCCDA(t *testing.T) {
	dir := corpus(t, "ccda")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if got := Detect(filepath.Base(f), headOf(b)); got != FormatCCDA {
			t.Errorf("%s: detected %s", filepath.Base(f), got)
			continue
		}
		res, err := Import(filepath.Base(f), bytes.NewReader(b), Options{})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		checkInvariants(t, res)
		if res.Format != FormatCCDA || res.Total() == 0 {
			t.Errorf("%s: %s with %d resources", filepath.Base(f), res.Format, res.Total())
		}
	}
}
