package ui

import (
	"context"
	"errors"
	"testing"

	"backpack/internal/export"
	"backpack/internal/share"
	"backpack/internal/vault"
)

func TestSharePayloadRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	files := xpFill(t, s)
	d, err := s.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key := share.NewKey()
	var last, total int64
	jwe, err := xpSealShare(ctx, d, export.Selection{IncludeSummary: true}, s, key, func(done, tot int64) { last, total = done, tot })
	if err != nil {
		t.Fatal(err)
	}
	if last != total || total == 0 {
		t.Errorf("progress ended at %d of %d", last, total)
	}
	if cty, _ := share.JWEContentType(jwe); cty != xpShareCty {
		t.Errorf("cty %q", cty)
	}
	a, mem, err := xpOpenShare(ctx, key, jwe)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Profiles) != 2 || len(a.Data.Entries) != 3 || len(a.Data.Files) != 2 {
		t.Errorf("opened %d profiles, %d entries, %d files", len(a.Data.Profiles), len(a.Data.Entries), len(a.Data.Files))
	}
	for _, f := range a.Data.Files {
		if string(mem[f.ID]) != string(files[f.Name]) {
			t.Errorf("file %s differs", f.Name)
		}
	}

	// A wrong key, and a JWE that is not a Backpack share.
	if _, _, err := xpOpenShare(ctx, share.NewKey(), jwe); xpShareErrorKey(err) != "share.err.decrypt" {
		t.Errorf("wrong key: %v → %s", err, xpShareErrorKey(err))
	}
	other, _ := share.EncryptJWE(key, []byte(`{"resourceType":"Bundle"}`), "application/fhir+json")
	if _, _, err := xpOpenShare(ctx, key, other); !errors.Is(err, errXPContent) {
		t.Errorf("other content: %v", err)
	}
}

func TestShareURLSameOrigin(t *testing.T) {
	ok := "https://bp.example" + share.APIPath + "/abcdefghijklmnopqrstuvwxyz"
	for _, tc := range []struct {
		url    string
		origin string
		good   bool
	}{
		{ok, "https://bp.example", true},
		{ok, "http://bp.example", false},
		{ok, "https://bp.example:8443", false},
		{"https://evil.example" + share.APIPath + "/x", "https://bp.example", false},
		{"https://bp.example/other/x", "https://bp.example", false},
		{"https://bp.example" + share.APIPath + "x", "https://bp.example", false},
		{"https://user@bp.example" + share.APIPath + "/x", "https://bp.example", false},
		{ok + "?u=1", "https://bp.example", false},
		{ok, "", false},
	} {
		_, err := xpShareURL(share.Link{URL: tc.url}, tc.origin)
		if (err == nil) != tc.good {
			t.Errorf("%s from %s: err = %v", tc.url, tc.origin, err)
		}
	}
}
