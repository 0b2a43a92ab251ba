package i18n

import (
	"strings"
	"testing"
)

// A language's messages are built the first time it is used, not at start
// (this test runs first: nothing has asked for Spanish yet). With map
// literals registered at init both were built before main ran.
func TestLanguageBuiltOnFirstUse(t *testing.T) {
	mu.RLock()
	built := messages[Spanish] != nil
	mu.RUnlock()
	if built {
		t.Fatal("the Spanish catalog was built before anything used it")
	}
	if got := In(Spanish, "about.title"); got != "Acerca de Backpack" {
		t.Errorf("In(Spanish) = %q", got)
	}
	mu.RLock()
	built = messages[Spanish] != nil
	mu.RUnlock()
	if !built {
		t.Error("the Spanish catalog is not built after its first use")
	}
}

// A key registered twice for a language is a panic when its catalog is
// built, as a map literal's duplicate was a compile error.
func TestDuplicateKeyPanics(t *testing.T) {
	const l Lang = "xx"
	add(l, []msg{{"a.b", "one"}})
	add(l, []msg{{"a.b", "two"}})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "duplicate key a.b") {
			t.Errorf("recovered %v, want a duplicate key panic", r)
		}
		mu.Lock()
		delete(messages, l)
		mu.Unlock()
	}()
	catalogFor(l)
}

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
