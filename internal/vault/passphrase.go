package vault

import (
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"math"
	"strings"
	"unicode"
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

// Strength estimates how hard a passphrase is to guess: a score from 0 (very
// weak) to 4 (strong) and the catalog key of a short reason or tip for the
// meter (vault.strength.*). The estimate is deliberately conservative:
// dictionary words count 11 bits, common passwords almost nothing, repeats
// and runs (aaa, abc, 123) one bit per character.
func Strength(pass string) (score int, reason string) {
	if pass == "" {
		return 0, "vault.strength.empty"
	}
	bits, patterns := estimateBits(pass)
	switch {
	case bits >= 64:
		score = 4
	case bits >= 50:
		score = 3
	case bits >= 36:
		score = 2
	case bits >= 28:
		score = 1
	}
	switch {
	case score == 4:
		reason = "vault.strength.strong"
	case isCommon(pass):
		reason = "vault.strength.common"
	case len([]rune(pass)) < 10:
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

func isCommon(pass string) bool {
	p := strings.ToLower(pass)
	return commonPasswords[p] || commonPasswords[strings.TrimRightFunc(p, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})]
}

// estimateBits splits pass into runs of letters, runs of digits and single
// other characters, and adds an entropy guess for each. patterns reports
// repeats or sequences that cost the passphrase strength.
func estimateBits(pass string) (bits float64, patterns bool) {
	if isCommon(pass) {
		return 4, false
	}
	rs := []rune(pass)
	for i := 0; i < len(rs); {
		j := i + 1
		class := runeClass(rs[i])
		if class == classLetter || class == classDigit {
			for j < len(rs) && runeClass(rs[j]) == class {
				j++
			}
		}
		tok := rs[i:j]
		var b float64
		var pat bool
		switch class {
		case classLetter:
			b, pat = letterBits(tok)
		case classDigit:
			b, pat = digitBits(tok)
		case classSpace:
			b = 0 // separators between words add (almost) nothing
		default:
			b = 5
		}
		bits += b
		patterns = patterns || pat
		i = j
	}
	return bits, patterns
}

const (
	classLetter = iota
	classDigit
	classSpace
	classOther
)

func runeClass(r rune) int {
	switch {
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsDigit(r):
		return classDigit
	case r == ' ' || r == '-' || r == '_' || r == '.':
		return classSpace
	}
	return classOther
}

func letterBits(tok []rune) (float64, bool) {
	low := strings.ToLower(string(tok))
	capBit := 0.0
	if string(tok) != low {
		capBit = 1
	}
	if wordSet[low] {
		return 11 + capBit, false
	}
	if commonPasswords[low] {
		return 4 + capBit, false
	}
	charset := 26.0
	upper, lower, other := 0, 0, false
	for _, r := range tok {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		}
		if r > unicode.MaxASCII {
			other = true
		}
	}
	if upper > 0 && lower > 0 && !(upper == 1 && unicode.IsUpper(tok[0])) {
		charset = 52
	}
	if other {
		charset += 30
	}
	bits, pat := runBits(tok, math.Log2(charset), true)
	return bits + capBit, pat
}

func digitBits(tok []rune) (float64, bool) {
	if len(tok) == 4 && (tok[0] == '1' && tok[1] == '9' || tok[0] == '2' && tok[1] == '0') {
		return 7, false // a year
	}
	return runBits(tok, math.Log2(10), false)
}

// runBits gives each character perChar bits, except one bit for a character
// that repeats or continues a sequence (abc, 321).
func runBits(tok []rune, perChar float64, fold bool) (float64, bool) {
	bits, pat := perChar, false
	for i := 1; i < len(tok); i++ {
		a, b := tok[i-1], tok[i]
		if fold {
			a, b = unicode.ToLower(a), unicode.ToLower(b)
		}
		if b == a || b == a+1 || b == a-1 {
			bits++
			pat = true
		} else {
			bits += perChar
		}
	}
	return bits, pat
}

// commonPasswords are among the most used passwords and keyboard walks.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`password passw0rd pass qwerty qwertyuiop asdf asdfgh asdfghjkl zxcvbn
		zxcvbnm azerty letmein iloveyou admin administrator welcome monkey dragon football baseball
		soccer hockey abc abc123 master shadow sunshine princess superman batman trustno1 whatever
		freedom starwars login secret hello charlie donald michael jordan jennifer hunter ranger
		buster thomas tigger robert soccer killer george computer maggie summer winter spring autumn
		flower cheese pepper ginger cookie chocolate love lovely loveme mypassword changeme default
		access guest test tester qazwsx zaq wsx backpack health medical doctor hospital contrasena
		contraseña clave hola amor teamo iloveu`) {
		m[p] = true
	}
	return m
}()
