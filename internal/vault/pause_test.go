package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// A large Put under WithPause pauses between records while it prepares
// them, never holding the cache's lock and before anything is written;
// then it writes everything in one store write.
func TestPutPauses(t *testing.T) {
	s, v, _ := newVault(t)
	recs := make([]Record, 3*PackMin)
	for i := range recs {
		recs[i] = Record{ID: fmt.Sprint("r", i), Header: []byte(fmt.Sprint("h", i)), Body: pattern(100 + 50*i)}
	}
	writes, pauses := 0, 0
	s.FailWrite = func([]Op) error { writes++; return nil }
	pctx := WithPause(ctx, 0, func() {
		pauses++
		if writes != 0 {
			t.Errorf("pause %d after a store write", pauses)
		}
		if !v.mu.TryLock() {
			t.Errorf("pause %d holds the cache's lock", pauses)
		} else {
			v.mu.Unlock()
		}
	})
	if err := v.Put(pctx, recs...); err != nil {
		t.Fatal(err)
	}
	if pauses < 2*len(recs) {
		t.Errorf("%d pauses for %d records, want at least %d", pauses, len(recs), 2*len(recs))
	}
	if writes != 1 {
		t.Errorf("%d store writes, want 1", writes)
	}
	for _, r := range recs {
		h, err := v.Header(r.ID)
		if err != nil || !bytes.Equal(h, r.Header) {
			t.Fatalf("%s: header %q, %v", r.ID, h, err)
		}
		b, err := v.Body(ctx, r.ID)
		if err != nil || !bytes.Equal(b, r.Body) {
			t.Fatalf("%s: body %v", r.ID, err)
		}
	}
}

// Locking the vault during a pause stops the Put before it writes.
func TestPutLockedDuringPause(t *testing.T) {
	s, v, _ := newVault(t)
	before := s.Dump()
	recs := make([]Record, 2*PackMin)
	for i := range recs {
		recs[i] = Record{ID: fmt.Sprint("r", i), Header: []byte("h"), Body: pattern(2000)}
	}
	n := 0
	pctx := WithPause(ctx, 0, func() {
		if n++; n == 5 {
			v.Lock()
		}
	})
	if err := v.Put(pctx, recs...); !errors.Is(err, ErrLocked) {
		t.Fatalf("Put: %v, want ErrLocked", err)
	}
	if !reflect.DeepEqual(before, s.Dump()) {
		t.Fatal("a Put stopped by Lock wrote")
	}
}

// Without a pause in the context, Paced's step does nothing.
func TestPacedWithoutPause(t *testing.T) {
	step := Paced(ctx)
	for range 3 {
		step()
	}
	n := 0
	step = Paced(WithPause(ctx, 0, func() { n++ }))
	step()
	step()
	if n != 2 {
		t.Fatalf("%d pauses, want 2", n)
	}
}

// Unlocking under WithPause pauses between the headers it decrypts.
func TestUnlockPauses(t *testing.T) {
	s, v, _ := newVault(t)
	recs := make([]Record, 3*PackMin)
	for i := range recs {
		recs[i] = Record{ID: fmt.Sprint("r", i), Header: []byte(fmt.Sprint("h", i))}
	}
	mustPut(t, v, recs...)
	pauses := 0
	v2, err := Unlock(WithPause(ctx, 0, func() { pauses++ }), s, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if pauses < len(recs) {
		t.Fatalf("%d pauses for %d headers", pauses, len(recs))
	}
	if h, _ := v2.Headers(); len(h) != len(recs) {
		t.Fatalf("%d headers, want %d", len(h), len(recs))
	}
}

func TestPauseNow(t *testing.T) {
	Pause(context.Background()) // no pause in ctx: nothing
	n := 0
	ctx := WithPause(context.Background(), time.Hour, func() { n++ })
	step := Paced(ctx)
	step() // an hour has not passed
	Pause(ctx)
	Pause(ctx)
	if n != 2 {
		t.Fatalf("%d pauses, want 2 (Pause's, whatever the time)", n)
	}
}
