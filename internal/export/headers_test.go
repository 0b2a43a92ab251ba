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

// A name cut to length does not end in a space.
func TestSafeNameCutTrimmed(t *testing.T) {
	long := strings.Repeat("a", 95) + "    b.pdf"
	if got := SafeName(long, "x"); strings.HasSuffix(strings.TrimSuffix(got, ".pdf"), " ") {
		t.Errorf("cut name ends in a space: %q", got)
	}
}
