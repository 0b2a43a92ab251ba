// Package zxcvbn is Dropbox's zxcvbn password strength estimator as
// github.com/trustelem/zxcvbn v1.0.1 implements it, with its word lists
// loaded at run time instead of compiled in.
//
// Why: trustelem/zxcvbn's frequency package is a map literal of 94,000
// words (passwords, English Wikipedia, films and TV, surnames, first
// names), about 2.2 MB of the page module raw and 0.7 MB of its brotli
// download, and its matching package builds the ranked dictionaries from
// it in an init function, at every start of the app. Backpack needs them
// only where a passphrase is chosen. So the page module links this
// package instead: the same matchers (trustelem's matching package, copied
// here with the dictionaries as a value, see LICENSE) over Lists parsed
// from /VERSION/web/zxcvbn.dat, an asset the server makes from
// trustelem's own lists (Encode) and serves compressed (brotli q11, once
// per process) and immutable, and the service worker precaches. The
// keyboard graphs (trustelem's adjacency), the scoring (trustelem's
// scoring) and the match type stay trustelem's own packages, which do not
// import the lists.
//
// Option (b), running the estimator in the worker module, was weighed and
// not taken: the worker is ~3 MB brotli and is fetched after the first
// screen, on purpose; the set-up page of a first visit would wait for it.
// The asset is 0.6 MB brotli, fetched only by pages with a passphrase
// field.
//
// Same scores: TestSameScores compares this package over the parsed
// asset with trustelem's PasswordStrength (guesses, score and the
// matched sequence) on several hundred passphrases, and Sum pins the
// asset's bytes: Parse refuses any other file, so a stale or truncated
// download can never make the estimate weaker.
package zxcvbn

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/scoring"
)

// File is the asset's name under web/.
const File = "zxcvbn.dat"

// magic is the asset's first line.
const magic = "backpack-zxcvbn-lists 1\n"

// Lists are zxcvbn's ranked dictionaries, parsed from the asset.
type Lists struct {
	dicts dictionaryMatch
	words int
}

// Words is how many words the lists hold.
func (l *Lists) Words() int { return l.words }

// Encode writes frequency lists (name → words, most frequent first) in the
// asset's format: the magic line, then for each list by name a line
// "name count" and its words, one a line.
func Encode(lists map[string][]string) []byte {
	var b strings.Builder
	b.WriteString(magic)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range lists {
			if !yield(k) {
				return
			}
		}
	}) {
		b.WriteString(name + " " + strconv.Itoa(len(lists[name])) + "\n")
		for _, w := range lists[name] {
			b.WriteString(w)
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

// ErrLists is a word-list file that is not the one this build expects.
var ErrLists = errors.New("zxcvbn: not the word lists this version expects")

// Parse checks data against Sum and builds the ranked dictionaries.
func Parse(data []byte) (*Lists, error) {
	if s := sha256.Sum256(data); hex.EncodeToString(s[:]) != Sum {
		return nil, ErrLists
	}
	return parse(string(data))
}

// parse builds the dictionaries of an asset whatever its hash (tests).
func parse(s string) (*Lists, error) {
	rest, ok := strings.CutPrefix(s, magic)
	if !ok || !utf8.ValidString(s) {
		return nil, ErrLists
	}
	l := &Lists{dicts: dictionaryMatch{rankedDictionaries: map[string]rankedDictionnary{}}}
	for rest != "" {
		head, tail, ok := strings.Cut(rest, "\n")
		name, count, ok2 := strings.Cut(head, " ")
		n, err := strconv.Atoi(count)
		if !ok || !ok2 || err != nil || n < 0 || name == "" {
			return nil, ErrLists
		}
		rest = tail
		d := make(rankedDictionnary, n)
		for i := range n {
			w, tail, ok := strings.Cut(rest, "\n")
			if !ok {
				return nil, ErrLists
			}
			d[strings.ToLower(w)] = i + 1 // as buildRankedDict: rank from 1, a later duplicate wins
			rest = tail
		}
		l.dicts.rankedDictionaries[name] = d
		l.words += n
	}
	return l, nil
}

// Result is zxcvbn's estimate of a password.
type Result struct {
	Guesses  float64
	Sequence []*match.Match
	Score    int
}

// PasswordStrength is trustelem's zxcvbn.PasswordStrength over l.
func (l *Lists) PasswordStrength(password string, userInputs []string) Result {
	var result Result
	if !utf8.ValidString(password) {
		// Do not evaluate passwords containing invalid utf8
		// => those will be reported as weak passwords
		return result
	}
	matches := l.omnimatch(password, userInputs)
	seq := scoring.MostGuessableMatchSequence(password, matches, false)
	result.Sequence = seq.Sequence
	result.Guesses = seq.Guesses
	result.Score = guessesToScore(seq.Guesses)
	return result
}

func guessesToScore(guesses float64) int {
	const DELTA = 5
	if guesses < 1e3+DELTA {
		// risky password: "too guessable"
		return 0
	}
	if guesses < 1e6+DELTA {
		// modest protection from throttled online attacks: "very guessable"
		return 1
	}
	if guesses < 1e8+DELTA {
		// modest protection from unthrottled online attacks: "somewhat guessable"
		return 2
	}
	if guesses < 1e10+DELTA {
		// modest protection from offline attacks: "safely unguessable"
		// assuming a salted, slow hash function like bcrypt, scrypt, PBKDF2, argon, etc
		return 3
	}
	// strong protection from offline attacks under same scenario: "very unguessable"
	return 4
}
