// Package i18n is Backpack's one message catalog. Every user-visible string
// goes through T, so the app can be translated without touching components.
//
// Messages are grouped in files by area (catalog_*.go); each file registers
// its English and Spanish texts with add. Keys are stable dotted names.
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
	messages = map[Lang]map[string]string{}
)

// add registers messages for one language. Called from init in catalog files.
func add(l Lang, m map[string]string) {
	mu.Lock()
	defer mu.Unlock()
	if messages[l] == nil {
		messages[l] = map[string]string{}
	}
	for k, v := range m {
		if _, dup := messages[l][k]; dup {
			panic("i18n: duplicate key " + k + " for " + string(l))
		}
		messages[l][k] = v
	}
}

// SetLang picks the language used by T. Unknown languages fall back to English.
func SetLang(l Lang) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := messages[l]; ok {
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
	mu.RLock()
	s, ok := messages[l][key]
	if !ok {
		s, ok = messages[English][key]
	}
	mu.RUnlock()
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
	mu.RLock()
	defer mu.RUnlock()
	_, ok := messages[English][key]
	return ok
}

// Keys returns every key of a language, sorted.
func Keys(l Lang) []string {
	mu.RLock()
	defer mu.RUnlock()
	keys := make([]string, 0, len(messages[l]))
	for k := range messages[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
