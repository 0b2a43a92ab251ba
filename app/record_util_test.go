package ui

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// Every catalog key the record screens use exists in every language.
func TestRecordMessages(t *testing.T) {
	files := []string{"add.go", "edit.go", "entryform.go", "timeline.go", "entry.go", "trend.go", "questions.go", "record_util.go"}
	re := regexp.MustCompile(`"((?:rec|record|app|nav|more)\.[a-zA-Z0-9_.-]*[a-zA-Z0-9])"`)
	keys := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			keys[string(m[1])] = true
		}
	}
	for _, k := range record.ManualKinds {
		keys["rec.kindhint."+string(k)] = true
	}
	for _, s := range []string{"open", "requested", "corrected", "declined"} {
		keys["rec.flag.status."+s] = true
	}
	for _, s := range []string{"manual", "fhir", "ndjson", "ips", "ccda", "shc", "restore", "portal"} {
		keys["rec.source."+s] = true
	}
	if len(keys) < 100 {
		t.Fatalf("only %d keys found", len(keys))
	}
	for k := range keys {
		for _, l := range i18n.Langs {
			if _, counted := i18n.PluralIn(l, k); i18n.In(l, k) == k && !counted {
				t.Errorf("%s: no %s message", k, l)
			}
		}
	}
}

func TestRecordPaths(t *testing.T) {
	id := record.NewID()
	for _, tc := range []struct {
		re   *regexp.Regexp
		path string
		want string
	}{
		{reEntryPath, PathEntry + id, id},
		{reEditPath, PathEdit + id, id},
		{reTrendPath, PathTrend + id, id},
		{reEntryPath, PathEntry + "x/y", ""},
		{reEntryPath, PathEntry, ""},
		{reAddPath, PathAdd + "lab", "lab"},
		{reAddPath, PathAdd + "emergency-contact", "emergency-contact"},
		{reAddPath, PathAdd, ""},
		{reAddPath, PathAdd + "<x>", ""},
	} {
		if got := recPathID(tc.re, tc.path); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.path, got, tc.want)
		}
	}
	if !regexp.MustCompile("^" + PathEntry + recIdPattern + "$").MatchString(PathEntry + id) {
		t.Error("entry route does not match a new id")
	}
}

func TestRecordFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{recOneLine("a\n b\t c", 10), "a b c"},
		{recOneLine("abcdefghijkl", 5), "abcd…"},
		{recFoldText("Émile Ñandú"), "emile nandu"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestRecordHighlight(t *testing.T) {
	render := func(text, q string) string {
		var b strings.Builder
		for _, u := range recHighlight(text, recQueryWords(q)) {
			b.WriteString(app.HTMLString(u))
		}
		r := strings.NewReplacer("<mark>", "[", "</mark>", "]")
		return r.Replace(b.String())
	}
	for _, tc := range []struct{ text, q, want string }{
		{"Hemoglobin A1c", "hemo", "[Hemoglobin] A1c"},
		{"Hemoglobin A1c", "a1c hem", "[Hemoglobin] [A1c]"},
		{"Café con leche", "cafe", "[Café] con leche"},
		{"no match here", "zzz", "no match here"},
		{"", "x", ""},
		{"penicillin allergy", "", "penicillin allergy"},
	} {
		if got := render(tc.text, tc.q); got != tc.want {
			t.Errorf("highlight(%q, %q) = %q, want %q", tc.text, tc.q, got, tc.want)
		}
	}
}

func TestRecordVisible(t *testing.T) {
	f := record.NewForm(record.KindVital)
	f.Fields["type"] = "blood-pressure"
	if !recVisible(f, "systolic") || recVisible(f, "value") || recVisible(f, "name") {
		t.Error("blood pressure shows the wrong fields")
	}
	f.Fields["type"] = "other"
	if recVisible(f, "systolic") || !recVisible(f, "value") || !recVisible(f, "name") {
		t.Error("other vital shows the wrong fields")
	}
	if !recVisible(record.NewForm(record.KindLab), "value") {
		t.Error("lab value hidden")
	}
}
