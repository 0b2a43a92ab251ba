package zxcvbn

import (
	"slices"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/scoring"
)

type repeatMatch struct{ l *Lists }

// trustelem's repeat matcher finds repeats with three regexp2 patterns,
// `(.+)\1+`, `(.+?)\1+` and `^(.+?)\1+$`: backreferences, which Go's regexp
// has not. regexp2 and regexp2/syntax were about 373 KB of the page module's
// code for them and date.go's two patterns (measured: without them the
// module is 592 KB smaller raw, 126 KB at brotli q6), so the patterns are
// matched here by hand, with regexp2's semantics (.NET's): the text is the
// password's runes (an invalid byte is one U+FFFD), '.' is any rune but
// '\n', and a match is the leftmost one, its group the first length the
// backtracking tries. TestRepeatLikeRegexp2 compares them with regexp2.

// findRepeat is regexp2's `(.+)\1+` (lazy false) or `(.+?)\1+` (lazy true)
// searched from rune index start: the match's rune index and length, and
// its group's length (the group starts at the match). ok is false without
// a match.
func findRepeat(r []rune, start int, lazy bool) (index, length, unit int, ok bool) {
	for p := max(start, 0); p < len(r); p++ {
		// The group and its first copy lie before the next '\n' ('.'
		// does not match it), so the group is at most half of that run.
		run := 0
		for p+run < len(r) && r[p+run] != '\n' {
			run++
		}
		for k := range run / 2 {
			l := run/2 - k // greedy: the longest group first
			if lazy {
				l = k + 1
			}
			if !slices.Equal(r[p:p+l], r[p+l:p+2*l]) {
				continue
			}
			n := 2 * l // \1+ takes every further copy
			for p+n+l <= len(r) && slices.Equal(r[p:p+l], r[p+n:p+n+l]) {
				n += l
			}
			return p, n, l, true
		}
	}
	return 0, 0, 0, false
}

// anchoredRepeat is regexp2's `^(.+?)\1+$` on r: the group's length, the
// shortest that repeated at least twice makes all of r, or all of it but
// a final '\n' ('$' matches before one).
func anchoredRepeat(r []rune) (unit int, ok bool) {
	for l := 1; 2*l <= len(r); l++ {
		if slices.Contains(r[:l], '\n') {
			return 0, false
		}
		n := l
		for n+l <= len(r) && slices.Equal(r[:l], r[n:n+l]) {
			n += l
		}
		if n > l && (n == len(r) || n == len(r)-1 && r[n] == '\n') {
			return l, true
		}
	}
	return 0, false
}

// runeIndex is the rune index of the rune at byte offset b of s, as
// regexp2's FindStringMatchStartingAt takes its start: ok is false for an
// offset inside a rune (regexp2 returns an error).
func runeIndex(s string, b int) (i int, ok bool) {
	if b == len(s) {
		return utf8.RuneCountInString(s), true
	}
	for at := range s {
		if at == b {
			return i, true
		}
		i++
	}
	return 0, false
}

func runeToStringIndex(index int, password string) int {
	runes := 0
	for i := range password {
		if runes == index {
			return i
		}
		runes++
	}
	//shouldn't really get here
	return len(password)
}

func (rm repeatMatch) Matches(password string) []*match.Match {
	var matches []*match.Match
	runes := []rune(password) // regexp2's text

	lastIndex := 0
	for lastIndex < len(password) {
		// FindStringMatchStartingAt takes a byte offset; one inside a
		// rune (after a match that ends in a multi-byte rune) is an error
		// and ends the loop.
		start, ok := runeIndex(password, lastIndex)
		if !ok {
			break
		}
		gIndex, gLength, gUnit, ok := findRepeat(runes, start, false)
		if !ok {
			break
		}
		lIndex, lLength, lUnit, _ := findRepeat(runes, start, true)

		var index, length int
		var baseToken string
		if gLength > lLength {
			// greedy beats lazy for 'aabaab'
			//   greedy: [aabaab, aab]
			//   lazy:   [aa,     a]
			index, length = gIndex, gLength
			// greedy's repeated string might itself be repeated, eg.
			// aabaab in aabaabaabaab.
			// run an anchored lazy match on greedy's repeated string
			// to find the shortest repeated string
			unit := gUnit
			if u, ok := anchoredRepeat(runes[index : index+length]); ok {
				unit = u
			}
			baseToken = string(runes[index : index+unit])
		} else {
			// lazy beats greedy for 'aaaaa'
			//   greedy: [aaaa,  aa]
			//   lazy:   [aaaaa, a]
			index, length = lIndex, lLength
			baseToken = string(runes[index : index+lUnit])
		}
		// index and length are in runes; I and J are byte offsets.
		i := runeToStringIndex(index, password)
		j := runeToStringIndex(index+length-1, password)

		// recursively match and score the base string
		baseAnalysis := scoring.MostGuessableMatchSequence(
			baseToken,
			rm.l.omnimatch(baseToken, nil),
			false,
		)
		matches = append(matches, &match.Match{
			Pattern:     "repeat",
			I:           i,
			J:           j,
			Token:       string(runes[index : index+length]),
			BaseToken:   baseToken,
			BaseGuesses: baseAnalysis.Guesses,
			BaseMatches: baseAnalysis.Sequence,
			// runes over bytes, as trustelem counts it (its estimate is
			// the reference, TestSameScores)
			RepeatCount: length / len(baseToken),
		})
		lastIndex = j + 1

	}
	return matches
}
