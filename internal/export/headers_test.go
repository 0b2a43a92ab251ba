package export

import (
	"bytes"
	"strings"
	"testing"

	"backpack/internal/i18n"
)

// summary.html forbids scripts with a policy of its own: it is opened from
// disk, where no server sends one.
func TestSummaryCSP(t *testing.T) {
	d, _ := sample(t)
	var b bytes.Buffer
	if err := HTMLSummary(&b, d, Selection{}, i18n.English); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	meta := strings.Index(page, `<meta http-equiv="Content-Security-Policy" content="`+SummaryCSP+`">`)
	if meta < 0 || meta > strings.Index(page, "<style>") {
		t.Fatalf("no CSP meta before the style:\n%.400s", page)
	}
	if !strings.HasPrefix(SummaryCSP, "default-src 'none';") || strings.Contains(SummaryCSP, "script-src") {
		t.Errorf("summary CSP allows scripts: %s", SummaryCSP)
	}
	if strings.Contains(page, "<script") {
		t.Error("summary has a script")
	}
}

// Exported names are safe on Windows and show what they are: no device
// names, no trailing dots or spaces, no bidi controls.
func TestSafeNamesWindowsBidi(t *testing.T) {
	for in, want := range map[string]string{
		"CON":                         "_CON",
		"nul.txt":                     "_nul.txt",
		"Com1.tar.gz":                 "_Com1.tar.gz",
		"lpt²":                        "_lpt²",
		"aux .pdf":                    "_aux .pdf",
		"console.txt":                 "console.txt",
		"com10.txt":                   "com10.txt",
		"report. . ":                  "report",
		"invoice\u202Efdp.exe":        "invoicefdp.exe",
		"a\u2066b\u2069c\u200F\u061C": "abc",
		"\u202E":                      "id1",
	} {
		if got := SafeName(in, "id1"); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("a", 95) + "    b.pdf"
	if got := SafeName(long, "x"); strings.HasSuffix(strings.TrimSuffix(got, ".pdf"), " ") {
		t.Errorf("cut name ends in a space: %q", got)
	}
}
