package share

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func testLink() Link {
	return Link{
		URL:   "https://backpack.example/api/share/abcdefghijklmnopqrstuvwxyz",
		Key:   seqKey(0),
		Exp:   time.Unix(1767225600, 0),
		Label: "Para la Dra. Rivera",
		Flag:  FlagDirect,
	}
}

func sameLink(a, b Link) bool {
	return a.URL == b.URL && bytes.Equal(a.Key, b.Key) && a.Exp.Equal(b.Exp) && a.Label == b.Label && a.Flag == b.Flag
}

func TestLinkRoundTrip(t *testing.T) {
	for _, origin := range []string{"", "https://backpack.example", "http://localhost:8080/"} {
		l := testLink()
		s, err := l.Encode(origin)
		if err != nil {
			t.Fatal(err)
		}
		if origin != "" && !strings.HasPrefix(s, strings.TrimSuffix(origin, "/")+"/view#shlink:/") {
			t.Fatalf("link %q", s)
		}
		if origin == "" && !strings.HasPrefix(s, "shlink:/") {
			t.Fatalf("bare link %q", s)
		}
		got, err := ParseLink(s)
		if err != nil {
			t.Fatal(err)
		}
		if !sameLink(got, l) {
			t.Fatalf("got %+v", got)
		}
	}
	// No expiry, no label, no flag.
	l := Link{URL: "http://127.0.0.1:9/api/share/x", Key: NewKey()}
	s, err := l.Encode("")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseLink(s)
	if err != nil || !got.Exp.IsZero() || got.Label != "" || !sameLink(got, l) {
		t.Fatalf("%+v %v", got, err)
	}
}

// The payload is the SHL JSON: url, key (base64url), exp (seconds), flag, label.
func TestLinkPayloadIsSHL(t *testing.T) {
	s, _ := testLink().Encode("https://backpack.example")
	raw, err := base64.RawURLEncoding.DecodeString(s[strings.Index(s, "shlink:/")+8:])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"url":"https://backpack.example/api/share/abcdefghijklmnopqrstuvwxyz","key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","exp":1767225600,"flag":"U","label":"Para la Dra. Rivera"}`
	if string(raw) != want {
		t.Fatalf("payload\n got %s\nwant %s", raw, want)
	}
}

// Links from other SHL producers: fractional exp, "v", extra fields, padding.
func TestParseLinkForeign(t *testing.T) {
	enc := func(s string) string { return "shlink:/" + base64.RawURLEncoding.EncodeToString([]byte(s)) }
	p := `{"url":"https://shl.example/m/abc","key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","exp":1767225600.5,"flag":"LP","v":1,"x":true}`
	for _, s := range []string{
		enc(p),
		"https://viewer.example/#" + enc(p),
		"  https://viewer.example/some/viewer?x=1#" + enc(p) + "\n",
		"shlink:/" + base64.URLEncoding.EncodeToString([]byte(p)),
	} {
		l, err := ParseLink(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if l.Exp.Unix() != 1767225600 || !l.Has(FlagLongTerm) || !l.Has(FlagPasscode) || l.Has(FlagDirect) {
			t.Fatalf("%+v", l)
		}
		if err := l.Openable(time.Unix(0, 0)); err != nil {
			t.Fatalf("a passcode manifest link opens: %v", err)
		}
	}
}

func TestParseLinkRejects(t *testing.T) {
	enc := func(s string) string { return "shlink:/" + base64.RawURLEncoding.EncodeToString([]byte(s)) }
	key := `"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"`
	good, _ := testLink().Encode("https://backpack.example")
	tests := map[string]string{
		"empty":            "",
		"no prefix":        "https://backpack.example/view#abc",
		"not base64":       "shlink:/!!!",
		"truncated":        good[:len(good)-10],
		"one char changed": good[:len(good)-30] + "!" + good[len(good)-29:],
		"not JSON":         enc("hello"),
		"JSON array":       enc(`[1,2]`),
		"trailing JSON":    enc(`{"url":"https://a.example/x","key":` + key + `}{}`),
		"no key":           enc(`{"url":"https://a.example/x"}`),
		"short key":        enc(`{"url":"https://a.example/x","key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh"}`),
		"key bad char":     enc(`{"url":"https://a.example/x","key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+"}`),
		"key wrong type":   enc(`{"url":"https://a.example/x","key":42}`),
		"no url":           enc(`{"key":` + key + `}`),
		"url javascript":   enc(`{"url":"javascript:alert(1)","key":` + key + `}`),
		"url relative":     enc(`{"url":"/api/share/x","key":` + key + `}`),
		"url userinfo":     enc(`{"url":"https://u:p@a.example/x","key":` + key + `}`),
		"url fragment":     enc(`{"url":"https://a.example/x#y","key":` + key + `}`),
		"url too long":     enc(`{"url":"https://a.example/` + strings.Repeat("x", 120) + `","key":` + key + `}`),
		"exp negative":     enc(`{"url":"https://a.example/x","key":` + key + `,"exp":-1}`),
		"exp huge":         enc(`{"url":"https://a.example/x","key":` + key + `,"exp":1e300}`),
		"exp string":       enc(`{"url":"https://a.example/x","key":` + key + `,"exp":"soon"}`),
		"flag P with U":    enc(`{"url":"https://a.example/x","key":` + key + `,"flag":"PU"}`),
		"flag too long":    enc(`{"url":"https://a.example/x","key":` + key + `,"flag":"` + strings.Repeat("X", 17) + `"}`),
		"label too long":   enc(`{"url":"https://a.example/x","key":` + key + `,"label":"` + strings.Repeat("a", 81) + `"}`),
		"label control":    enc(`{"url":"https://a.example/x","key":` + key + `,"label":"a\u0007b"}`),
		"too long overall": "shlink:/" + strings.Repeat("A", MaxLinkLen),
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			l, err := ParseLink(s)
			if !errors.Is(err, ErrLink) {
				t.Fatalf("got %+v, %v", l, err)
			}
			if l.Key != nil {
				t.Fatal("key returned with an error")
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	bad := []Link{
		{URL: "https://a.example/x", Key: seqKey(0)[:31]},
		{URL: "ftp://a.example/x", Key: seqKey(0)},
		{URL: "https://a.example/x", Key: seqKey(0), Label: strings.Repeat("é", 81)},
		{URL: "https://a.example/x", Key: seqKey(0), Flag: "Z"},
	}
	for i, l := range bad {
		if _, err := l.Encode(""); !errors.Is(err, ErrLink) {
			t.Errorf("%d: %v", i, err)
		}
	}
	for _, o := range []string{"backpack.example", "https://backpack.example/app", "https://x@backpack.example", "javascript:x"} {
		if _, err := testLink().Encode(o); !errors.Is(err, ErrLink) {
			t.Errorf("origin %q: %v", o, err)
		}
	}
	// Label of 80 runes is fine.
	l := testLink()
	l.Label = strings.Repeat("é", 80)
	if _, err := l.Encode(""); err != nil {
		t.Fatal(err)
	}
}

func TestOpenable(t *testing.T) {
	l := testLink()
	if err := l.Openable(l.Exp.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := l.Openable(l.Exp); !errors.Is(err, ErrExpired) {
		t.Fatal(err)
	}
	l.Exp = time.Time{}
	if l.Expired(time.Now().Add(1000 * time.Hour)) {
		t.Fatal("no expiry expired")
	}
	l.Flag = ""
	if err := l.Openable(time.Now()); err != nil {
		t.Fatalf("a manifest link opens: %v", err)
	}
	l.V = 2
	if !errors.Is(l.Openable(time.Now()), ErrUnsupportedLink) {
		t.Fatal("a link of a newer version should not be opened")
	}
}

func BenchmarkParseLink(b *testing.B) {
	s, _ := testLink().Encode("https://backpack.example")
	for b.Loop() {
		if _, err := ParseLink(s); err != nil {
			b.Fatal(err)
		}
	}
}
