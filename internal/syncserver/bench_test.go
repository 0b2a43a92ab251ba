//go:build !wasm

package syncserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"testing"
	"time"

	"backpack/internal/syncproto"
	"backpack/internal/syncstore"
	"backpack/internal/syncstore/pgtest"
)

// benchStores are the stores the benchmarks run on: SQLite in a temporary
// folder and a real PostgreSQL.
func benchStores(b *testing.B) []struct {
	name string
	open func(b *testing.B) syncstore.Store
} {
	return []struct {
		name string
		open func(b *testing.B) syncstore.Store
	}{
		{"sqlite", func(b *testing.B) syncstore.Store { s, _ := sqliteStore(b); return s }},
		{"postgres", func(b *testing.B) syncstore.Store {
			pg := pgtest.Start(b)
			s, err := syncstore.OpenPostgres(bg, pg.NewDatabase(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
	}
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

// BenchmarkConcurrentPush: 16 devices of 16 vaults push one small envelope
// (1 KiB of ciphertext) at a time, all at once, over HTTP: signed request,
// signature and chain checks, one transaction each. pushes/s is the
// server's throughput.
func BenchmarkConcurrentPush(b *testing.B) {
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			srv := serve(b, st.open(b), Config{RequestsPerMinute: -1, MaxVaults: -1, CreatesPerHour: 1 << 20, MaxBig: 64})
			hc := benchClient()
			const devices = 16
			clients := make(chan *client, devices)
			for range devices {
				c := newDevice(srv.URL, hc)
				if _, err := c.create(); err != nil {
					b.Fatal(err)
				}
				clients <- c
			}
			ct := make([]byte, 1024)
			rand.Read(ct)
			b.SetParallelism((devices + 1) / 2)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				c := <-clients
				defer func() { clients <- c }()
				i := 0
				for pb.Next() {
					i++
					if err := c.push([]syncproto.Envelope{{ID: []byte(fmt.Sprint("record-", i%50)), Version: uint64(i), Ciphertext: ct}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pushes/s")
		})
	}
}

// BenchmarkFirstSync is the server's part of a second device's first sync
// of the long-history record: 9,290 envelopes (~1.5 KiB each, as sealed
// FHIR resources) and 50 MB of files in 1 MiB chunks are on the server; a
// new device pulls and verifies the whole log and downloads every chunk.
// The incremental row: one device pushes one edited entry, the other pulls
// it (the budgets: first sync ≤ 15 s, incremental ≤ 300 ms, with the
// browser's work on top).
func BenchmarkFirstSync(b *testing.B) {
	const records, fileBytes, chunk = 9290, 50 << 20, 1 << 20
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			srv := serve(b, st.open(b), Config{RequestsPerMinute: -1})
			hc := benchClient()
			a := newDevice(srv.URL, hc)
			if _, err := a.create(); err != nil {
				b.Fatal(err)
			}
			envs := make([]syncproto.Envelope, records)
			for i := range envs {
				ct := make([]byte, 1024+i%1024)
				rand.Read(ct)
				envs[i] = syncproto.Envelope{ID: []byte(fmt.Sprintf("%032d", i)), Version: 1, Ciphertext: ct}
			}
			for i := 0; i < len(envs); i += 1000 {
				if err := a.push(envs[i:min(i+1000, len(envs))]); err != nil {
					b.Fatal(err)
				}
			}
			data := make([]byte, chunk)
			rand.Read(data)
			const chunks = fileBytes / chunk
			for i := range chunks {
				if err := a.do("PUT", syncproto.ChunkPath(a.id, "files", i, chunks), data, nil, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			var first, incr time.Duration
			for range b.N {
				d := newDevice(srv.URL, hc)
				t0 := time.Now()
				if err := a.pair(d); err != nil {
					b.Fatal(err)
				}
				got, err := d.pull()
				if err != nil || len(got) < records {
					b.Fatal(len(got), err)
				}
				var st syncproto.FileStatus
				if err := d.do("GET", syncproto.FilePath(a.id, "files"), nil, &st, true); err != nil || !st.Complete {
					b.Fatal(err)
				}
				for i := range st.Total {
					var c []byte
					if err := d.do("GET", syncproto.ChunkPath(a.id, "files", i, 0), nil, &c, true); err != nil || len(c) != chunk {
						b.Fatal(err)
					}
				}
				first += time.Since(t0)

				t0 = time.Now()
				if err := d.sync([]syncproto.Envelope{{ID: envs[7].ID, Version: 2, Ciphertext: envs[7].Ciphertext}}); err != nil {
					b.Fatal(err)
				}
				if got, err := a.pull(); err != nil || len(got) == 0 {
					b.Fatal(err)
				}
				incr += time.Since(t0)
				// Leave room for the next device.
				if err := a.do("DELETE", syncproto.DevicePath(a.id, syncproto.DeviceID(d.dev.Public().(ed25519.PublicKey))), nil, nil, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(first.Seconds()/float64(b.N), "first-sync-s")
			b.ReportMetric(float64(incr.Milliseconds())/float64(b.N), "incremental-ms")
		})
	}
}
