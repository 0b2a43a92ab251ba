package zxcvbn

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
	trustelem "github.com/trustelem/zxcvbn"
)

// trustelem's patterns, which repeat.go and date.go match by hand.
var (
	reGreedy       = regexp2.MustCompile(`(.+)\1+`, 0)
	reLazy         = regexp2.MustCompile(`(.+?)\1+`, 0)
	reLazyAnchored = regexp2.MustCompile(`^(.+?)\1+$`, 0)
	reDateNoSep    = regexp2.MustCompile(`^\d{4,8}$`, 0)
	reDateSep      = regexp2.MustCompile(`^(\d{1,4})([\s/\\_.-])(\d{1,2})\2(\d{1,4})$`, 0)
)

// likeRegexp2Strings: strings over small alphabets (so repeats are
// common), with '\n' ('.' and '$' treat it apart), multi-byte runes,
// Unicode digits and invalid bytes, date-like digit strings with and
// without separators, and the test passphrases.
func likeRegexp2Strings() []string {
	r := rand.New(rand.NewPCG(7, 2026))
	alphabets := [][]string{
		{"a", "b"}, {"a", "b", "c"}, {"a", "b", "\n"}, {"a", "á", "\n"}, {"ñ", "🙂", "a"},
		{"ab", "a", "b"}, {"x", "\xff", "y"}, {"1", "2", "/"}, {"٣", "1", "-", "\n"},
	}
	digits := []string{"0", "1", "2", "3", "9", "٣", "１"}
	seps := []string{"/", "-", ".", "_", "\\", " ", "\t", "\n", "\u00a0", "\u3000", ",", "x", ""}
	out := samplePassphrases()
	for range 3000 {
		a := alphabets[r.IntN(len(alphabets))]
		var b strings.Builder
		for range r.IntN(16) {
			b.WriteString(a[r.IntN(len(a))])
		}
		out = append(out, b.String())
	}
	for range 1500 {
		var b strings.Builder
		part := func() {
			for range 1 + r.IntN(5) {
				if r.IntN(8) == 0 {
					b.WriteString(digits[r.IntN(len(digits))])
				} else {
					b.WriteByte(byte('0' + r.IntN(10)))
				}
			}
		}
		sep := seps[r.IntN(len(seps))]
		sep2 := sep
		if r.IntN(6) == 0 {
			sep2 = seps[r.IntN(len(seps))]
		}
		part()
		if r.IntN(3) > 0 {
			b.WriteString(sep)
			part()
			b.WriteString(sep2)
			part()
		}
		if r.IntN(5) == 0 {
			b.WriteString([]string{"\n", "a", "\n\n", "1"}[r.IntN(4)])
		}
		s := b.String()
		if r.IntN(4) == 0 {
			s = []string{"x", "ab", "\n", "é"}[r.IntN(4)] + s
		}
		out = append(out, s)
	}
	return out
}

// findRepeat, anchoredRepeat and runeIndex give regexp2's matches, groups
// and errors, as repeat.go calls it: FindStringMatchStartingAt at every
// byte offset.
func TestRepeatLikeRegexp2(t *testing.T) {
	cases := likeRegexp2Strings()
	if len(cases) < 4000 {
		t.Fatalf("only %d strings", len(cases))
	}
	var greedyLonger, midRune, newline, anchored int
	for _, s := range cases {
		for b := 0; b <= len(s); b++ {
			start, ok := runeIndex(s, b)
			var greedyLength, lazyLength int
			for _, lazy := range []bool{false, true} {
				re := reGreedy
				if lazy {
					re = reLazy
				}
				m, err := re.FindStringMatchStartingAt(s, b)
				if !ok {
					midRune++
					if err == nil {
						t.Errorf("%q at %d (lazy %v): regexp2 no error, runeIndex not a rune start", s, b, lazy)
					}
					continue
				}
				if err != nil {
					t.Errorf("%q at %d (lazy %v): regexp2 %v, runeIndex %d", s, b, lazy, err, start)
					continue
				}
				index, length, unit, found := findRepeat([]rune(s), start, lazy)
				if m == nil {
					if found {
						t.Errorf("%q at %d (lazy %v): regexp2 no match, findRepeat %d %d %d", s, b, lazy, index, length, unit)
					}
					continue
				}
				g := m.GroupByNumber(1)
				if !found || index != m.Index || length != m.Length || g.Index != m.Index || unit != g.Length {
					t.Errorf("%q at %d (lazy %v): regexp2 %d %d group %d %d, findRepeat %v %d %d %d",
						s, b, lazy, m.Index, m.Length, g.Index, g.Length, found, index, length, unit)
				}
				if strings.Contains(s, "\n") {
					newline++
				}
				if lazy {
					lazyLength = m.Length
				} else {
					greedyLength = m.Length
				}
			}
			if greedyLength > lazyLength {
				greedyLonger++
			}
		}
		m, err := reLazyAnchored.FindStringMatch(s)
		unit, found := anchoredRepeat([]rune(s))
		switch {
		case err != nil:
			t.Errorf("%q: regexp2 %v", s, err)
		case m == nil:
			if found {
				t.Errorf("%q: anchored: regexp2 no match, anchoredRepeat %d", s, unit)
			}
		case !found || m.GroupByNumber(1).Length != unit || m.GroupByNumber(1).Index != 0:
			t.Errorf("%q: anchored: regexp2 group %d, anchoredRepeat %v %d", s, m.GroupByNumber(1).Length, found, unit)
		default:
			anchored++
		}
	}
	// The strings have each case repeat.go tells apart.
	if greedyLonger < 100 || midRune < 100 || newline < 100 || anchored < 100 {
		t.Errorf("greedy longer %d, mid-rune starts %d, matches with \\n %d, anchored %d: too few", greedyLonger, midRune, newline, anchored)
	}
}

// maybeDateNoSeparator and maybeDateWithSeparator give regexp2's matches
// and groups on every substring date.go tries (byte slices of 4 to 10).
func TestDateLikeRegexp2(t *testing.T) {
	var noSep, sep, unicodeDigit, finalNewline int
	for _, s := range likeRegexp2Strings() {
		for i := 0; i < len(s); i++ {
			for j := i + 1; j <= len(s) && j <= i+11; j++ {
				token := s[i:j]
				want, err := reDateNoSep.MatchString(token)
				if err != nil {
					t.Fatal(err)
				}
				if got := maybeDateNoSeparator(token); got != want {
					t.Errorf("%q: maybeDateNoSeparator %v, regexp2 %v", token, got, want)
				}
				m, err := reDateSep.FindStringMatch(token)
				if err != nil {
					t.Fatal(err)
				}
				g1, sp, g3, g4, ok := maybeDateWithSeparator(token)
				if m == nil {
					if ok {
						t.Errorf("%q: maybeDateWithSeparator %q %q %q %q, regexp2 no match", token, g1, sp, g3, g4)
					}
				} else {
					w := [4]string{m.GroupByNumber(1).String(), m.GroupByNumber(2).String(), m.GroupByNumber(3).String(), m.GroupByNumber(4).String()}
					if got := [4]string{g1, sp, g3, g4}; !ok || got != w {
						t.Errorf("%q: maybeDateWithSeparator %v %q, regexp2 %q", token, ok, got, w)
					}
				}
				if want {
					noSep++
				}
				if m != nil {
					sep++
				}
				if (want || m != nil) && utf8.RuneCountInString(token) != len(token) && !strings.HasPrefix(token, "\xff") {
					unicodeDigit++
				}
				if (want || m != nil) && strings.HasSuffix(token, "\n") {
					finalNewline++
				}
			}
		}
	}
	if noSep < 500 || sep < 500 || unicodeDigit < 20 || finalNewline < 20 {
		t.Errorf("%d matches without separator, %d with, %d with Unicode digits, %d with a final \\n: too few", noSep, sep, unicodeDigit, finalNewline)
	}
}

// On all those strings the estimate is trustelem's (which matches with
// regexp2): guesses, score and sequence, as TestSameScores compares them.
func TestSameScoresLikeRegexp2(t *testing.T) {
	l, err := Parse(asset(t))
	if err != nil {
		t.Fatal(err)
	}
	repeats := 0
	for _, p := range likeRegexp2Strings() {
		want := trustelem.PasswordStrength(p, nil)
		got := l.PasswordStrength(p, nil)
		if got.Guesses != want.Guesses || got.Score != want.Score {
			t.Errorf("%q: guesses %v score %d, trustelem %v %d", p, got.Guesses, got.Score, want.Guesses, want.Score)
			continue
		}
		gs, _ := json.Marshal(got.Sequence)
		ws, _ := json.Marshal(want.Sequence)
		if string(gs) != string(ws) && !sameGuessesEachMatch(got, Result{want.Guesses, want.Sequence, want.Score}) {
			t.Errorf("%q: sequence\n got %s\nwant %s", p, gs, ws)
		}
		for _, m := range got.Sequence {
			if m.Pattern == "repeat" || m.Pattern == "date" {
				repeats++
				break
			}
		}
	}
	if repeats < 1000 {
		t.Errorf("only %d estimates with a repeat or date match", repeats)
	}
}
