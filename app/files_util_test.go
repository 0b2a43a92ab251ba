package ui

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// Only images and PDFs get an object URL of their own type; HTML, SVG and
// anything else become opaque bytes, so a stored file never runs as a page.
func TestPreviewTypes(t *testing.T) {
	for _, c := range []struct{ mime, kind, blob, label string }{
		{"image/png", "image", "image/png", "files.type.image"},
		{"IMAGE/JPEG; charset=x", "image", "image/jpeg", "files.type.image"},
		{"application/pdf", "pdf", "application/pdf", "files.type.pdf"},
		{"image/svg+xml", "", "application/octet-stream", "files.type.image"},
		{"text/html", "", "application/octet-stream", "files.type.text"},
		{"application/xhtml+xml", "", "application/octet-stream", "files.type.data"},
		{"", "", "application/octet-stream", "files.type.other"},
		{"application/dicom", "", "application/octet-stream", "files.type.dicom"},
	} {
		if got := previewKind(c.mime); got != c.kind {
			t.Errorf("previewKind(%q) = %q", c.mime, got)
		}
		if got := blobType(c.mime); got != c.blob {
			t.Errorf("blobType(%q) = %q", c.mime, got)
		}
		if got := typeLabelKey(c.mime, "x"); got != c.label {
			t.Errorf("typeLabelKey(%q) = %q", c.mime, got)
		}
		if !i18n.Has(typeLabelKey(c.mime, "x")) {
			t.Errorf("no message for %q", c.mime)
		}
	}
	if typeLabelKey("", "SCAN.DCM") != "files.type.dicom" {
		t.Error("dicom by extension")
	}
	if downloadType(`text/plain"x`) != "application/octet-stream" || downloadType("Text/Plain") != "text/plain" {
		t.Error("downloadType")
	}
}

func TestPhoneIn(t *testing.T) {
	for _, c := range []struct{ text, phone, rest, tel string }{
		{"Mother · +1 (555) 010-2030", "+1 (555) 010-2030", "Mother", "tel:+15550102030"},
		{"555-0100", "555-0100", "", "tel:5550100"},
		{"Cardiology · Main St Clinic", "", "Cardiology · Main St Clinic", "tel:"},
		{"Born 2019 · 12", "", "Born 2019 · 12", "tel:"},
		{"", "", "", "tel:"},
	} {
		p := phoneIn(c.text)
		if p != c.phone {
			t.Errorf("phoneIn(%q) = %q", c.text, p)
		}
		if r := withoutPart(c.text, p); r != c.rest {
			t.Errorf("withoutPart(%q) = %q", c.text, r)
		}
		if h := telHref(p); h != c.tel {
			t.Errorf("telHref(%q) = %q", p, h)
		}
	}
}

func TestAllergyBadges(t *testing.T) {
	for _, c := range []struct{ text, badges, rest string }{
		{"Hives · severe", "severe", "Hives"},
		{"Anaphylaxis · severe · criticality high", "high severe", "Anaphylaxis"},
		{"criticality high", "high", ""},
		{"Rash, Itching · mild", "mild", "Rash, Itching"},
		{"Severe rash", "", "Severe rash"},
		{"", "", ""},
	} {
		b := allergyBadges(c.text)
		if s := strings.Join(b, " "); s != c.badges {
			t.Errorf("allergyBadges(%q) = %q", c.text, s)
		}
		if r := reactionsOf(c.text); r != c.rest {
			t.Errorf("reactionsOf(%q) = %q", c.text, r)
		}
		for _, k := range b {
			if !i18n.Has("summary.severity." + k) {
				t.Errorf("no message for %q", k)
			}
		}
	}
}

// Result badges: every flag a source gives shows, in words.
func TestResultBadges(t *testing.T) {
	for in, want := range map[string][]string{
		"H":  {`class="badge high result-flag"`, `title="Marked high: above the normal range"`, `>High<`},
		"hh": {`class="badge danger result-flag"`, `>Critical high<`}, "LX": {`>Low<`}, "L": {`class="badge low result-flag"`},
		"A": {`>Abnormal<`}, "AA": {`>Critical<`},
		"Susceptible": {`class="badge result-flag"`, `title="Marked by the source: Susceptible"`, `>Susceptible<`},
	} {
		u := recResultBadge(record.Projection{Interp: in})
		if u == nil {
			t.Errorf("%q: no badge", in)
			continue
		}
		got := app.HTMLString(u)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%q: %s, want %s", in, got, w)
			}
		}
	}
	for _, in := range []string{"N", "", " "} {
		if u := recResultBadge(record.Projection{Interp: in}); u != nil {
			t.Errorf("%q: badge %s", in, app.HTMLString(u))
		}
	}
}

func TestBloodType(t *testing.T) {
	labs := []record.Entry{
		{ID: "a", Projection: record.Projection{Title: "Glucose", Codes: []record.Code{{Code: "2345-7"}}}},
		{ID: "b", Projection: record.Projection{Title: "ABO and Rh group", Codes: []record.Code{{Code: "882-1"}}, Text: "A Rh+"}},
	}
	if e, ok := bloodType(labs); !ok || e.ID != "b" {
		t.Error("by code")
	}
	if e, ok := bloodType([]record.Entry{{ID: "c", Projection: record.Projection{Title: "Blood type"}}}); !ok || e.ID != "c" {
		t.Error("by title")
	}
	if _, ok := bloodType(labs[:1]); ok {
		t.Error("false positive")
	}
}

func TestLongDate(t *testing.T) {
	d := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	if got := longDate(d, i18n.English); got != "March 4, 2025" {
		t.Error(got)
	}
	if got := longDate(d, i18n.Spanish); got != "4 de marzo de 2025" {
		t.Error(got)
	}
}

func TestByteCounter(t *testing.T) {
	var seen []int64
	c := &byteCounter{r: bytes.NewReader(make([]byte, 10<<10)), step: 4 << 10, onAdd: func(n int64) { seen = append(seen, n) }}
	buf := make([]byte, 1<<10)
	for {
		if _, err := c.Read(buf); err == io.EOF {
			break
		}
	}
	if c.n != 10<<10 || len(seen) != 2 || seen[0] != 4<<10 || seen[1] != 8<<10 {
		t.Errorf("n=%d seen=%v", c.n, seen)
	}
}
