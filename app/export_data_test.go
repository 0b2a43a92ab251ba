package ui

import (
	"context"
	"reflect"
	"testing"

	"backpack/internal/session"
	"backpack/internal/vault"
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
