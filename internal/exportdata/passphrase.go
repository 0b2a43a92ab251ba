package exportdata

import (
	"crypto/rand"
	_ "embed"
	"math"
	"math/big"
	"strings"
	"unicode"
)

//go:embed words.txt
var wordsText string

// Words is the built-in list of common, short, easy-to-say English words
// that GeneratePassphrase draws from. Homophones (sea/see), words with
// British and American spellings, and words that could alarm someone
// reading a health record were left out.
var Words = strings.Fields(wordsText)

// PassphraseWords is how many words GeneratePassphrase uses.
const PassphraseWords = 6

// PassphraseBits is the strength of a generated passphrase in bits
// (PassphraseWords × log2(len(Words)); about 62).
var PassphraseBits = float64(PassphraseWords) * math.Log2(float64(len(Words)))

// GeneratePassphrase returns PassphraseWords random words joined by hyphens,
// e.g. "maple-orbit-cactus-violin-harbor-tulip": easy to read aloud, to
// write down and to type into GnuPG. It panics only if the system's random
// source fails.
func GeneratePassphrase() string {
	max := big.NewInt(int64(len(Words)))
	parts := make([]string, PassphraseWords)
	for i := range parts {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("exportdata: random source failed: " + err.Error())
		}
		parts[i] = Words[n.Int64()]
	}
	return strings.Join(parts, "-")
}

// NormalizePassphrase lower-cases p and joins its words with single
// hyphens, so "Maple Orbit  cactus" reads as "maple-orbit-cactus" (an
// export's reader tries both). Text that is not only letters and
// separators is returned unchanged.
func NormalizePassphrase(p string) string {
	words := strings.FieldsFunc(p, func(r rune) bool {
		return unicode.IsSpace(r) || r == '-' || r == '_' || r == '.' || r == ','
	})
	for _, w := range words {
		for _, r := range w {
			if !unicode.IsLetter(r) {
				return p
			}
		}
	}
	if len(words) < 2 {
		return p
	}
	return strings.ToLower(strings.Join(words, "-"))
}
