package vault

import (
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// wordlist.txt is the BIP-39 English word list: 2048 common words of 3 to 8
// letters whose first four letters are unique (SHA-256
// 2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda).
//
//go:embed wordlist.txt
var wordlistText string

var (
	words   = strings.Fields(wordlistText)
	wordSet = func() map[string]bool {
		m := make(map[string]bool, len(words))
		for _, w := range words {
			m[w] = true
		}
		return m
	}()
)

// PassphraseWords is the number of words GeneratePassphrase picks: 6 × 11
// bits = 66 bits, which Argon2id makes far too slow to guess.
const PassphraseWords = 6

// GeneratePassphrase returns PassphraseWords random words from a list of
// 2048, separated by spaces.
func GeneratePassphrase() string {
	var b [2]byte
	out := make([]string, PassphraseWords)
	for i := range out {
		rand.Read(b[:])
		out[i] = words[binary.BigEndian.Uint16(b[:])&2047] // 2048 = 2^11: uniform
	}
	return strings.Join(out, " ")
}

// Strength estimates how hard a passphrase is to guess with zxcvbn
// (Dropbox's estimator: dictionaries of 30,000 common passwords, English
// words, names and film titles, keyboard walks, repeats, sequences, dates and
// l33t spellings): a score from 0 (very weak, under 10^3 guesses) to 4
// (strong, 10^10 or more) and the catalog key of a short reason or tip for
// the meter (vault.strength.*).
func Strength(pass string) (score int, reason string) {
	if pass == "" {
		return 0, "vault.strength.empty"
	}
	if len(pass) > maxEstimated {
		pass = pass[:maxEstimated] // the estimate is quadratic in the length
	}
	res := zxcvbn.PasswordStrength(pass, commonHere)
	score = res.Score
	common, patterns := false, false
	for _, m := range res.Sequence {
		switch m.Pattern {
		case "dictionary":
			// One of the most used passwords (or a word of this app) making
			// up most of the passphrase.
			if (m.DictionaryName == "passwords" || m.DictionaryName == "user_inputs") && 2*len(m.Token) >= len(pass) {
				common = true
			}
		case "repeat", "sequence", "spatial":
			patterns = true
		}
	}
	switch {
	case score == 4:
		reason = "vault.strength.strong"
	case common:
		reason = "vault.strength.common"
	case utf8.RuneCountInString(pass) < 10:
		reason = "vault.strength.short"
	case patterns:
		reason = "vault.strength.pattern"
	case score == 3:
		reason = "vault.strength.good"
	default:
		reason = "vault.strength.longer"
	}
	return score, reason
}

// maxEstimated bounds the part of a passphrase Strength looks at: longer
// ones are strong anyway, and the estimate must stay instant as one types.
const maxEstimated = 100

// commonHere are words zxcvbn's English lists lack but a guesser of a
// Backpack vault would try first: the app's own words and the most common
// Spanish passwords.
var commonHere = strings.Fields(`backpack health medical record records vault doctor hospital salud
	contraseña contrasena clave hola amor teamo tequiero mimamá familia secreto bienvenido`)
