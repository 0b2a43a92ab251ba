package ui

import (
	"context"
	"encoding/base64"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"backpack/internal/record"
	"backpack/internal/share"
	"backpack/internal/vault"
)

func shlFiles(plain [][]byte) []share.File {
	var out []share.File
	for _, p := range plain {
		out = append(out, share.File{ContentType: share.ContentTypeFHIR, Data: p})
	}
	return out
}

func shlTitles(t *testing.T, plain [][]byte) []string {
	t.Helper()
	a, _, _, err := shlArchive(context.Background(), nil, shlFiles(plain), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range a.Data.Entries {
		out = append(out, e.Title)
	}
	return out
}

// A wallet card's file holds what the emergency card shows for one
// person, as a FHIR Bundle that Backpack's viewer (like any other) reads
// back; when the record changes, the hash changes and the new entry is in
// the file; when nothing changed, the hash stays (no upload).
func TestWalletPayloadFollowsRecord(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	var ana record.Profile
	for _, p := range s.Book().Profiles() {
		if p.Name == "Ana Test" {
			ana = p
		}
	}
	l := record.SharedLink{Kind: record.LinkWallet, Flag: "L", Profile: ana.ID}
	plain, hash, err := shlPayload(ctx, s, l, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	titles := shlTitles(t, plain)
	if !slices.Contains(titles, "Asthma") || slices.Contains(titles, "Hemoglobin A1c") || slices.Contains(titles, "MMR") {
		t.Fatalf("wallet card holds %q", titles)
	}
	a, _, _, _ := shlArchive(ctx, nil, shlFiles(plain), time.Now())
	if len(a.Data.Profiles) != 1 || a.Data.Profiles[0].Name != "Ana Test" || a.Data.Profiles[0].BirthDate != "1980-02-03" {
		t.Fatalf("profile %+v", a.Data.Profiles)
	}

	_, again, _ := shlPayload(ctx, s, l, time.Now().Add(time.Hour))
	if again != hash {
		t.Fatal("the hash changed with nothing changed: every page would upload")
	}
	if _, err := s.SaveEntry(ctx, record.Entry{Profile: ana.ID, Resource: xpResource(t, `{"resourceType":"AllergyIntolerance","code":{"text":"Penicillin"},"clinicalStatus":{"coding":[{"code":"active"}]}}`)}); err != nil {
		t.Fatal(err)
	}
	plain2, hash2, err := shlPayload(ctx, s, l, time.Now())
	if err != nil || hash2 == hash {
		t.Fatalf("a new allergy must change the wallet card: %v", err)
	}
	if titles := shlTitles(t, plain2); !slices.Contains(titles, "Penicillin") {
		t.Fatalf("after the change: %q", titles)
	}
}

// A link kept up to date shares what the person chose in their terms: a
// health summary of one person takes in a medication added later, and the
// file attached to one of its entries (the scan of the asthma), not the
// other person's.
func TestLivingChoiceFollowsRecord(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	c := newExportChoice(s)
	c.scope = xpScopeSummary
	var ana string
	for _, p := range c.hdr.Profiles {
		c.profiles[p.ID] = p.Name == "Ana Test"
		if p.Name == "Ana Test" {
			ana = p.ID
		}
	}
	l := record.SharedLink{Kind: record.LinkManifest, Flag: "L", Choice: shlChoiceOf(&c)}
	if len(l.Choice.Profiles) != 1 {
		t.Fatalf("choice %+v", l.Choice)
	}
	plain, hash, _ := shlPayload(ctx, s, l, time.Now())
	if len(plain) != 1 || strings.Contains(string(plain[0]), "Leo Test") || strings.Contains(string(plain[0]), "photo.jpg") {
		t.Fatal("the other person in a one-person summary link")
	}
	if !strings.Contains(string(plain[0]), `"title":"scan.pdf"`) {
		t.Fatal("the scan attached to the asthma is not in the summary link")
	}
	if _, err := s.SaveEntry(ctx, record.Entry{Profile: ana, Resource: xpResource(t, `{"resourceType":"MedicationStatement","status":"active","medicationCodeableConcept":{"text":"Salbutamol"}}`)}); err != nil {
		t.Fatal(err)
	}
	plain2, hash2, _ := shlPayload(ctx, s, l, time.Now())
	if hash2 == hash || !slices.Contains(shlTitles(t, plain2), "Salbutamol") {
		t.Fatalf("the new medication is not shared: %q", shlTitles(t, plain2))
	}
}

// A link of two people holds one Bundle each, and the viewer keeps each
// person's entries with that person (Leo's vaccine is never Ana's).
func TestLinkKeepsPeopleApart(t *testing.T) {
	ctx := context.Background()
	s := xpNewSession(t, vault.NewMemStore())
	xpFill(t, s)
	c := newExportChoice(s)
	c.scope = xpScopeAll
	plain, _, err := shlPayload(ctx, s, record.SharedLink{Kind: record.LinkManifest, Choice: shlChoiceOf(&c)}, time.Now())
	if err != nil || len(plain) != 2 {
		t.Fatalf("%d files, %v", len(plain), err)
	}
	a, _, _, err := shlArchive(ctx, nil, shlFiles(plain), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, p := range a.Data.Profiles {
		owner[p.ID] = p.Name
	}
	got := map[string]string{}
	for _, e := range a.Data.Entries {
		got[e.Title] = owner[e.Profile]
		if e.Kind == record.KindOther {
			t.Errorf("an entry the viewer cannot place: %q", e.Title)
		}
	}
	if got["MMR"] != "Leo Test" || got["Asthma"] != "Ana Test" {
		t.Fatalf("entries by person: %v", got)
	}
}

// The viewer opens another app's link: the specification's example file (a
// SMART Health Card) decrypts with the example key and becomes entries,
// said to be unchecked; a part Backpack cannot open is named.
func TestViewerOpensSpecCard(t *testing.T) {
	jwe, err := os.ReadFile("../internal/share/testdata/spec/example-file.jwe")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := base64.RawURLEncoding.DecodeString("rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q")
	plain, err := share.DecryptJWE(key, strings.TrimSpace(string(jwe)))
	if err != nil {
		t.Fatal(err)
	}
	a, _, notes, err := shlArchive(context.Background(), key, []share.File{
		{ContentType: share.ContentTypeSHC, Data: plain},
		{ContentType: share.ContentTypeAPIAccess, Data: []byte(`{"access_token":"x","aud":"https://fhir.example"}`)},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Data.Entries) == 0 || len(a.Data.Profiles) != 1 || a.Data.Profiles[0].Name == "" {
		t.Fatalf("card: %d entries, %+v", len(a.Data.Entries), a.Data.Profiles)
	}
	if !slices.Contains(notes, "shl.view.card") || !slices.Contains(notes, "shl.view.apiaccess") {
		t.Fatalf("notes %q", notes)
	}
	if _, _, _, err := shlArchive(context.Background(), key, []share.File{{ContentType: "text/plain", Data: []byte("x")}}, time.Now()); xpShareErrorKey(err) != "shl.err.nothing" {
		t.Fatalf("nothing to show: %v", err)
	}
}
