// Package i18n is Backpack's one message catalog. Every user-visible string
// goes through T, so the app can be translated without touching components.
//
// Messages are grouped in files by area (catalog_*.go); each file registers
// its English and Spanish texts with add, as slices of constant strings; a
// language's map is built on its first use. Keys are stable dotted names.
package i18n

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Lang is a language tag.
type Lang string

const (
	English Lang = "en"
	Spanish Lang = "es"
)

// Langs lists the supported languages, English first.
var Langs = []Lang{English, Spanish}

var (
	mu       sync.RWMutex
	current  = English
	messages = map[Lang]map[string]string{} // built on first use (catalogFor)
	pending  = map[Lang][][]msg{}           // what add registered, until then
	builds   = map[Lang]*sync.Once{}        // written by add at init only
)

// msg is one message of a catalog file.
type msg struct{ key, text string }

// add registers messages for one language. Called from init in catalog
// files. The catalog files hold slices of constant strings (static data)
// rather than map literals, whose inserts were code run at every start: a
// language's map is built the first time it is used, so a person reading
// English never builds the Spanish one.
func add(l Lang, m []msg) {
	pending[l] = append(pending[l], m)
	if builds[l] == nil {
		builds[l] = new(sync.Once)
	}
}

// catalogFor returns l's messages (nil for a language with none), building
// them the first time.
func catalogFor(l Lang) map[string]string {
	if b := builds[l]; b != nil {
		b.Do(func() { build(l) })
	}
	mu.RLock()
	defer mu.RUnlock()
	return messages[l]
}

func build(l Lang) {
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, m := range pending[l] {
		n += len(m)
	}
	out := make(map[string]string, n)
	for _, m := range pending[l] {
		for _, e := range m {
			if _, dup := out[e.key]; dup {
				panic("i18n: duplicate key " + e.key + " for " + string(l))
			}
			if _, dup := plurals[l][e.key]; dup {
				panic("i18n: key " + e.key + " is both plain and plural for " + string(l))
			}
			out[e.key] = e.text
		}
	}
	messages[l] = out
	delete(pending, l)
}

// SetLang picks the language used by T. Unknown languages fall back to English.
func SetLang(l Lang) {
	ok := catalogFor(l) != nil
	mu.Lock()
	defer mu.Unlock()
	if ok {
		current = l
	} else {
		current = English
	}
}

// Current returns the language T uses.
func Current() Lang {
	mu.RLock()
	defer mu.RUnlock()
	return current
}

// Match picks the best supported language for a browser language list
// such as "es-MX" or "en-US".
func Match(tags ...string) Lang {
	for _, t := range tags {
		base := strings.ToLower(strings.SplitN(t, "-", 2)[0])
		for _, l := range Langs {
			if string(l) == base {
				return l
			}
		}
	}
	return English
}

// T returns the message for key in the current language, formatted with args
// (fmt verbs) when given. A key missing in the current language falls back to
// English; a key missing everywhere is returned as is, so it shows in tests.
func T(key string, args ...any) string {
	return In(Current(), key, args...)
}

// In is T for a given language.
func In(l Lang, key string, args ...any) string {
	s, ok := catalogFor(l)[key]
	if !ok {
		s, ok = catalogFor(English)[key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the English catalog.
func Has(key string) bool {
	_, ok := catalogFor(English)[key]
	return ok
}

// Keys returns every key of a language, sorted.
func Keys(l Lang) []string {
	m := catalogFor(l)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
