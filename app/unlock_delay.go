package ui

import (
	"strconv"
	"strings"
	"time"
)

// Wrong guesses at the unlock page get slower: after freeGuesses wrong
// passphrases (or recovery keys) in a row, each next try waits twice as
// long as the one before, up to maxGuessDelay. The count and the time of the
// next allowed try are kept on this device (localStorage: two numbers, no
// health data), so a reload does not reset them; a right passphrase does.
// Argon2id already makes each guess cost; this slows a person (or a script
// driving the page) trying passwords one after another.
const (
	freeGuesses   = 3
	maxGuessDelay = 15 * time.Minute
)

// guessDelay is how long to wait after fails wrong tries in a row.
func guessDelay(fails int) time.Duration {
	if fails < freeGuesses {
		return 0
	}
	d := time.Second
	for i := freeGuesses; i < fails && d < maxGuessDelay; i++ {
		d *= 2
	}
	return min(d, maxGuessDelay)
}

// guessState is what the device keeps: wrong tries in a row and when the
// next try is allowed.
type guessState struct {
	fails int
	next  time.Time
}

const guessPref = "unlock.guesses" // "fails,next-unix-ms"

func (g guessState) String() string {
	return strconv.Itoa(g.fails) + "," + strconv.FormatInt(g.next.UnixMilli(), 10)
}

func parseGuessState(s string) guessState {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return guessState{}
	}
	n, err1 := strconv.Atoi(a)
	ms, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || n < 0 {
		return guessState{}
	}
	return guessState{fails: n, next: time.UnixMilli(ms)}
}

// wait is how long until the next try is allowed (0: now). A next time far
// beyond the longest delay (a clock set back) counts as the longest delay.
func (g guessState) wait(now time.Time) time.Duration {
	w := g.next.Sub(now)
	if w <= 0 {
		return 0
	}
	return min(w, maxGuessDelay)
}

// failed counts one more wrong try at now.
func (g guessState) failed(now time.Time) guessState {
	g.fails++
	g.next = now.Add(guessDelay(g.fails))
	return g
}

func loadGuesses() guessState  { return parseGuessState(pref(guessPref)) }
func saveGuesses(g guessState) { setPref(guessPref, g.String()) }
func resetGuesses()            { setPref(guessPref, "") }
func guessWait() time.Duration { return loadGuesses().wait(time.Now()) }
func guessFailed() time.Duration {
	g := loadGuesses().failed(time.Now())
	saveGuesses(g)
	return g.wait(time.Now())
}
