package vault

import (
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"backpack/internal/zxcvbn"
)

// wordlist.txt is the BIP-39 English word list: 2048 common words of 3 to 8
// letters whose first four letters are unique (SHA-256
// 2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda).
//
//go:embed wordlist.txt
var wordlistText string

// wordList is the list, split on first use (set-up, a new recovery
// passphrase) rather than at every start.
var wordList = sync.OnceValue(func() []string { return strings.Fields(wordlistText) })

// PassphraseWords is the number of words GeneratePassphrase picks: 6 × 11
// bits = 66 bits, which Argon2id makes far too slow to guess.
const PassphraseWords = 6

// GeneratePassphrase returns PassphraseWords random words from a list of
// 2048, separated by spaces.
func GeneratePassphrase() string {
	var b [2]byte
	words := wordList()
	out := make([]string, PassphraseWords)
	for i := range out {
		rand.Read(b[:])
		out[i] = words[binary.BigEndian.Uint16(b[:])&2047] // 2048 = 2^11: uniform
	}
	return strings.Join(out, " ")
}

// wordLists are zxcvbn's dictionaries, loaded at run time (LoadWordLists):
// they are not compiled into the app (see internal/zxcvbn).
var wordLists atomic.Pointer[zxcvbn.Lists]

// WordListsFile is the word lists' file under web/.
const WordListsFile = zxcvbn.File

// LoadWordLists reads zxcvbn's word lists (the bytes of web/zxcvbn.dat).
// Only the exact file this version was built with is accepted
// (zxcvbn.ErrLists otherwise), so the estimate is never weaker than
// zxcvbn's own.
func LoadWordLists(data []byte) error {
	l, err := zxcvbn.Parse(data)
	if err != nil {
		return err
	}
	wordLists.Store(l)
	return nil
}

// WordListsLoaded reports whether Strength can rate passphrases.
func WordListsLoaded() bool { return wordLists.Load() != nil }

// StrengthChecking is Strength's reason while the word lists are not
// loaded: no passphrase is rated, and none is strong enough, until they are.
const StrengthChecking = "vault.strength.checking"

// Strength estimates how hard a passphrase is to guess with zxcvbn
// (Dropbox's estimator: dictionaries of 30,000 common passwords, English
// words, names and film titles, keyboard walks, repeats, sequences, dates and
// l33t spellings): a score from 0 (very weak, under 10^3 guesses) to 4
// (strong, 10^10 or more) and the catalog key of a short reason or tip for
// the meter (vault.strength.*). Before LoadWordLists the score is 0 and the
// reason StrengthChecking: without its dictionaries zxcvbn would rate
// "password1" strong, so nothing is rated rather than rated too kindly.
func Strength(pass string) (score int, reason string) {
	if pass == "" {
		return 0, "vault.strength.empty"
	}
	lists := wordLists.Load()
	if lists == nil {
		return 0, StrengthChecking
	}
	if len(pass) > maxEstimated {
		pass = pass[:maxEstimated] // the estimate is quadratic in the length
	}
	res := lists.PasswordStrength(pass, commonHere)
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
