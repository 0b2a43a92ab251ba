package i18n

import (
	"strings"
	"testing"
)

// Every English message has a Spanish one and the other way round, with the
// same fmt verbs, so no screen falls back half-translated.
func TestCatalogComplete(t *testing.T) {
	en, es := Keys(English), Keys(Spanish)
	set := map[string]bool{}
	for _, k := range es {
		set[k] = true
	}
	for _, k := range en {
		if !set[k] {
			t.Errorf("key %q has no Spanish text", k)
			continue
		}
		if a, b := verbs(In(English, k)), verbs(In(Spanish, k)); a != b {
			t.Errorf("key %q: verbs differ: en %q es %q", k, a, b)
		}
		delete(set, k)
	}
	for k := range set {
		t.Errorf("key %q is Spanish only", k)
	}
}

func verbs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s)-1; i++ {
		if s[i] == '%' {
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}

func TestFallbackAndMatch(t *testing.T) {
	if got := In(Spanish, "no.such.key"); got != "no.such.key" {
		t.Fatalf("missing key: %q", got)
	}
	if Match("es-MX", "en") != Spanish || Match("fr") != English {
		t.Fatal("Match")
	}
}
