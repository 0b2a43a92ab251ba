package export

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// synthetic builds a long history: n entries of every kind with ~1 KiB
// resources, and fileMB MiB of files in 5 MiB PDFs and JPEGs.
func synthetic(b testing.TB, n, fileMB int) (Data, MemFiles) {
	rnd := rand.New(rand.NewPCG(7, 7))
	d := Data{Profiles: []record.Profile{{ID: "me", Name: "Long History", BirthDate: "1960-02-03", Relationship: "self", Created: t0}}}
	// Mix of kinds as in the corpus's long history (9,290 resources: 152
	// conditions, 162 medications, 110 immunizations, 5 allergies, 3,346
	// observations, 1,478 procedures, 1,143 visits, 2,448 claims…).
	kindOf := func(i int) (record.Kind, string) {
		switch m := i % 200; {
		case i%1000 == 9:
			return record.KindAllergy, "active"
		case m < 3:
			return record.KindCondition, []string{"active", "resolved"}[i%2]
		case m < 6:
			return record.KindMedication, []string{"active", "stopped", "stopped", "stopped"}[i%4]
		case m < 8:
			return record.KindImmunization, "completed"
		case m < 80:
			return record.KindLab, "final"
		case m < 100:
			return record.KindVital, "final"
		case m < 130:
			return record.KindProcedure, "completed"
		case m < 154:
			return record.KindVisit, "finished"
		}
		return record.KindOther, "active"
	}
	for i := range n {
		k, status := kindOf(i)
		v := 3 + rnd.Float64()*5
		lo, hi := 4.0, 5.6
		date := t0.Add(-time.Duration(i) * 7 * time.Hour)
		code := fmt.Sprintf("%d-%d", 1000+i%300, i%10)
		js := fmt.Sprintf(`{"resourceType":"Observation","id":"obs-%d","meta":{"lastUpdated":"%s"},"status":"final",`+
			`"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory","display":"Laboratory"}]}],`+
			`"code":{"coding":[{"system":"http://loinc.org","code":"%s","display":"Synthetic test number %d"}],"text":"Synthetic test number %d"},`+
			`"subject":{"reference":"Patient/me"},"encounter":{"reference":"Encounter/enc-%d"},"effectiveDateTime":"%s","issued":"%s",`+
			`"valueQuantity":{"value":%.2f,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},`+
			`"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N"}]}],`+
			`"referenceRange":[{"low":{"value":%.1f,"unit":"mmol/L"},"high":{"value":%.1f,"unit":"mmol/L"},"text":"%.1f-%.1f mmol/L"}],`+
			`"performer":[{"reference":"Organization/org-1","display":"Synthetic Laboratory Services"}],"note":[{"text":"Specimen received in good condition. Result verified."}]}`,
			i, date.Format(time.RFC3339), code, i%300, i%300, i/20, date.Format(time.RFC3339), date.Format(time.RFC3339), v, lo, hi, lo, hi)
		res, err := fhir.Parse([]byte(js))
		if err != nil {
			b.Fatal(err)
		}
		e := record.Entry{ID: fmt.Sprintf("entry-%06d", i), Profile: "me", Resource: res,
			Projection: record.Projection{Kind: k, Date: date, Title: fmt.Sprintf("Synthetic test number %d", i%300),
				Codes: []record.Code{{System: "http://loinc.org", Code: code}}, Status: status, Value: &v, Unit: "mmol/L", RefLow: &lo, RefHigh: &hi},
			Provenance: record.Provenance{Source: "fhir", File: "history.json", System: "Synthetic EHR", ImportedAt: t0},
			Created:    t0, Updated: t0}
		if i%50 == 0 {
			e.Notes = []record.Note{{ID: fmt.Sprintf("n%d", i), Text: "Remember to ask about this result at the next visit.", Created: t0}}
		}
		if i%500 == 0 {
			e.Flag = &record.ErrorFlag{Note: "Looks wrong", Created: t0, Status: "open"}
		}
		d.Entries = append(d.Entries, e)
	}
	files := MemFiles{}
	const chunk = 5 << 20
	for i := 0; i*5 < fileMB; i++ {
		buf := make([]byte, chunk)
		for j := 0; j < len(buf); j += 8 {
			v := rnd.Uint64()
			for k := 0; k < 8 && j+k < len(buf); k++ {
				buf[j+k] = byte(v >> (8 * k))
			}
		}
		sum := sha256.Sum256(buf)
		id := fmt.Sprintf("file-%d", i)
		name, typ := fmt.Sprintf("scan-%d.pdf", i), "application/pdf"
		if i%2 == 1 {
			name, typ = fmt.Sprintf("photo-%d.jpg", i), "image/jpeg"
		}
		files[id] = buf
		d.Files = append(d.Files, record.FileInfo{ID: id, Profile: "me", Name: name, Type: typ, Size: chunk, SHA256: hex.EncodeToString(sum[:]), Created: t0})
		d.Entries[i].Files = []string{id}
	}
	return d, files
}

func dataBytes(d Data) int64 {
	var n int64
	for i := range d.Entries {
		n += int64(len(d.Entries[i].Resource.JSON))
	}
	for _, f := range d.Files {
		n += f.Size
	}
	return n
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkExport: 10,000 entries + 50 MiB of files to a passphrase export
// (summary, IPS, bundle, vault.jsonl, files). MB/s counts resource and file
// bytes. Target in the browser: ≤ 3 s.
func BenchmarkExport(b *testing.B) {
	d, files := synthetic(b, 10_000, 50)
	to := passphrase(b, "maple-orbit-cactus-violin-lemon-tulip")
	sel := Selection{IncludeSummary: true, IncludeIPS: true}
	b.SetBytes(dataBytes(d))
	b.ReportAllocs()
	var out countWriter
	for b.Loop() {
		out.n = 0
		if err := Write(context.Background(), &out, d, sel, files, to, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.n)/(1<<20), "out-MiB")
}

// BenchmarkRestore reads that export back, checking every file's SHA-256.
// Target in the browser: ≤ 5 s.
func BenchmarkRestore(b *testing.B) {
	d, files := synthetic(b, 10_000, 50)
	pass := "maple-orbit-cactus-violin-lemon-tulip"
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, d, Selection{IncludeSummary: true, IncludeIPS: true}, files, passphrase(b, pass), nil); err != nil {
		b.Fatal(err)
	}
	sink := func(_ record.FileInfo, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
	b.SetBytes(dataBytes(d))
	b.ReportAllocs()
	for b.Loop() {
		a, err := Read(context.Background(), bytes.NewReader(buf.Bytes()), PassphraseIdentity(pass), sink)
		if err != nil {
			b.Fatal(err)
		}
		if len(a.Data.Entries) != len(d.Entries) {
			b.Fatal("entries lost")
		}
	}
}

// BenchmarkExportRecords is the export without files: the cost of the
// records themselves (JSON, deflate, summary, IPS).
func BenchmarkExportRecords(b *testing.B) {
	d, _ := synthetic(b, 10_000, 0)
	to := passphrase(b, "maple-orbit-cactus-violin-lemon-tulip")
	b.SetBytes(dataBytes(d))
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(context.Background(), io.Discard, d, Selection{IncludeSummary: true, IncludeIPS: true}, nil, to, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadVault decodes backpack/vault.jsonl of 10,000 entries: the
// largest cost of a restore after decryption.
func BenchmarkReadVault(b *testing.B) {
	d, _ := synthetic(b, 10_000, 0)
	var buf bytes.Buffer
	x := &writer{ctx: context.Background(), now: t0, paths: filePaths(d.Files)}
	x.buf = newBuf()
	bw := bufio.NewWriter(&buf)
	x.zw = nil
	if err := x.vaultTo(bw, d, Selection{}); err != nil {
		b.Fatal(err)
	}
	bw.Flush()
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		var a Archive
		if err := readVault(bytes.NewReader(buf.Bytes()), &a, map[string]*record.FileInfo{}); err != nil {
			b.Fatal(err)
		}
		if len(a.Data.Entries) != len(d.Entries) {
			b.Fatal("entries lost")
		}
	}
}
