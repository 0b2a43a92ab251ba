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

// A link on another server is named by its host (the viewer asks before
// going there); this server's own links are not.
func TestHostElsewhere(t *testing.T) {
	for _, tc := range []struct{ url, origin, want string }{
		{"https://bp.example" + share.APIPath + "/abc", "https://bp.example", ""},
		{"https://bp.example" + share.LinkPath + "/abc", "https://bp.example", ""},
		{"http://bp.example/x", "https://bp.example", "bp.example"},
		{"https://bp.example:8443/x", "https://bp.example", "bp.example:8443"},
		{"https://ehr.example.org/qr/Y9xw/m", "https://bp.example", "ehr.example.org"},
		{"https://bp.example/x", "", "bp.example"},
	} {
		if got := shlHostElsewhere(tc.url, tc.origin); got != tc.want {
			t.Errorf("%s from %q: %q, want %q", tc.url, tc.origin, got, tc.want)
		}
	}
}
