package ui

import (
	"context"
	"reflect"
	"testing"

	"backpack/internal/session"
	"backpack/internal/vault"
	"backpack/internal/worker"
)

// xpData gives exactly what session.Data gives, also after an unlock (when
// the book holds headers only).
func TestExportDataMatchesSession(t *testing.T) {
	ctx := context.Background()
	st := vault.NewMemStore()
	s := xpNewSession(t, st)
	xpFill(t, s)
	check := func(s *session.Session) {
		t.Helper()
		want, err := s.Data(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := xpData(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Entries) != 3 || !reflect.DeepEqual(got, want) {
			t.Errorf("xpData differs from session.Data:\n got %+v\nwant %+v", got, want)
		}
	}
	check(s)
	s.Lock()
	s2, err := session.Unlock(ctx, st, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	check(s2)
}

// Reading the files out of the vault and the worker's writing move one
// progress bar: forward only, against one total, to the end.
func TestExportProgressOneBar(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	d, err := xpData(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	q := worker.WriteRequest{Data: d, Pass: "correct horse battery staple"}
	var dones, totals []int64
	b, err := xpWriteBytes(ctx, s, q, func(done, total int64) { dones, totals = append(dones, done), append(totals, total) })
	if err != nil || len(b) == 0 {
		t.Fatal(err)
	}
	var files int64
	for _, f := range d.Files {
		files += f.Size
	}
	if len(dones) < 3 || files == 0 || dones[0] > files {
		t.Fatalf("progress %v of %v, the files %d bytes", dones, totals, files)
	}
	for i := range dones {
		if totals[i] != totals[0] || i > 0 && dones[i] < dones[i-1] || dones[i] > totals[i] {
			t.Fatalf("progress %v of %v", dones, totals)
		}
	}
	if last := len(dones) - 1; dones[last] != totals[last] {
		t.Errorf("progress ended at %d of %d", dones[last], totals[last])
	}
}

// The viewer's summary is written in the worker from the records alone:
// the files are listed, their bytes are not needed.
func TestViewSummaryWithoutFiles(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	d, err := xpData(ctx, s)
	if err != nil || len(d.Files) == 0 {
		t.Fatal(err, len(d.Files))
	}
	if _, err := xpSummary(ctx, d, "es"); err != nil {
		t.Error(err)
	}
}
