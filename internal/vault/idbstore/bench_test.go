//go:build js && wasm

package idbstore

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"backpack/internal/vault"
)

func records(n, size int) []vault.Record {
	recs := make([]vault.Record, n)
	for i := range recs {
		recs[i] = vault.Record{ID: vault.NewID(), Header: bytes.Repeat([]byte{'h'}, 200), Body: bytes.Repeat([]byte{byte(i)}, size)}
	}
	return recs
}

// BenchmarkUnlock10k: Argon2id (46 MiB) and 10,000 record headers from
// IndexedDB. Target ≤ 1 s.
func BenchmarkUnlock10k(b *testing.B) {
	vault.DefaultKDF = realKDF
	defer func() { vault.DefaultKDF = vault.KDFParams{Memory: 64, Time: 1, Threads: 1} }()
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Put(ctx, records(10000, 1024)...); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := vault.Unlock(ctx, s, "bench pass")
		if err != nil {
			b.Fatal(err)
		}
		if h, _ := v.Headers(); len(h) != 10000 {
			b.Fatal(len(h))
		}
		v.Lock()
	}
}

// BenchmarkPut10k: one atomic Put of 10,000 records of ~1 KiB. Target ≤ 2 s.
func BenchmarkPut10k(b *testing.B) {
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	recs := records(10000, 1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.Put(ctx, recs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutFHIR10k: one atomic Put of 10,000 FHIR-sized records (about
// 1.5 KiB bodies), as a restore writes them.
func BenchmarkPutFHIR10k(b *testing.B) {
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	recs := fhirRecords(10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.Put(ctx, recs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFile50MB: PutFile then read back 50 MB; MB/s counts the file
// once per direction. Target ≥ 30 MB/s.
func BenchmarkFile50MB(b *testing.B) {
	const size = 50 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 31)
	}
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	for _, dir := range []string{"write", "read"} {
		b.Run(dir, func(b *testing.B) {
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				id := fmt.Sprint("f", i)
				if dir == "write" {
					if _, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					v.DeleteFile(ctx, id)
					b.StartTimer()
					continue
				}
				b.StopTimer()
				if _, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r, err := v.OpenFile(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, r); err != nil || n != size {
					b.Fatal(n, err)
				}
				b.StopTimer()
				v.DeleteFile(ctx, id)
				b.StartTimer()
			}
		})
	}
}

// fhirRecords returns n records shaped like imported FHIR resources: a
// ~150-byte header and a ~1.5 KiB JSON body.
func fhirRecords(n int) []vault.Record {
	recs := make([]vault.Record, n)
	for i := range recs {
		id := vault.NewID()
		body := fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory","display":"Laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"%d-%d","display":"Synthetic laboratory test number %d"}],"text":"Synthetic test %d"},"subject":{"reference":"Patient/%s"},"effectiveDateTime":"2019-%02d-%02dT08:%02d:00Z","issued":"2019-%02d-%02dT10:%02d:00.000Z","valueQuantity":{"value":%d.%d,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"},"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N","display":"Normal"}]}],"referenceRange":[{"low":{"value":70,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"},"high":{"value":110,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"},"text":"70-110 mg/dL"}],"performer":[{"reference":"Organization/%s","display":"Synthetic Clinical Laboratory"}],"note":[{"text":"Synthetic note %d: specimen received in good condition, analysed on the automated platform, no interference detected; result reviewed and released by the laboratory, reference interval from the manufacturer, method unchanged since the last calibration."}],"meta":{"lastUpdated":"2020-01-01T00:00:00Z","source":"urn:synthetic:%d"}}`,
			id, 1000+i%9000, i%10, i, i, vault.NewID(), 1+i%12, 1+i%28, i%60, 1+i%12, 1+i%28, i%60, 50+i%100, i%10, vault.NewID(), i, i)
		recs[i] = vault.Record{ID: id, Header: []byte(fmt.Sprintf(`{"k":"observation","d":"2019-%02d-%02d","t":"Synthetic test %d","p":"profile-1"}`, 1+i%12, 1+i%28, i)), Body: []byte(body)}
	}
	return recs
}

// BenchmarkBodies10k: reading every body of 10,000 FHIR-sized records (as
// an export does), with Bodies and with a Body loop. Target ≤ 0.5 s.
func BenchmarkBodies10k(b *testing.B) {
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	recs := fhirRecords(10000)
	if err := v.Put(ctx, recs...); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, len(recs))
	size := 0
	for i, r := range recs {
		ids[i] = r.ID
		size += len(r.Body)
	}
	// A fresh unlock, so no pack is cached.
	v.Lock()
	b.Run("Bodies", func(b *testing.B) {
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			v, err := vault.Unlock(ctx, s, "bench pass")
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if got, err := v.Bodies(ctx, ids); err != nil || len(got) != len(ids) {
				b.Fatal(err)
			}
			v.Lock()
		}
	})
	b.Run("Body", func(b *testing.B) {
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			v, err := vault.Unlock(ctx, s, "bench pass")
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			for _, id := range ids {
				if _, err := v.Body(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			v.Lock()
		}
	})
}
