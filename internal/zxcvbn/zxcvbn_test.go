package zxcvbn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	trustelem "github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"
)

func asset(t testing.TB) []byte {
	t.Helper()
	return Encode(frequency.FrequencyLists)
}

// The asset's bytes are the ones Sum names.
func TestSum(t *testing.T) {
	s := sha256.Sum256(asset(t))
	if got := hex.EncodeToString(s[:]); got != Sum {
		t.Fatalf("SHA-256 of Encode(frequency.FrequencyLists) = %s, Sum = %s: set Sum to it", got, Sum)
	}
}

// Parse accepts only the expected asset: a truncated, altered or empty
// file, which would make the estimate weaker, is refused.
func TestParseRefusesOtherLists(t *testing.T) {
	b := asset(t)
	if _, err := Parse(b); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"truncated": b[:len(b)/2],
		"altered":   append([]byte(strings.Replace(string(b), "\npassword\n", "\npassw0rd\n", 1)), nil...),
		"one more":  append(append([]byte{}, b...), "extra\n"...),
	} {
		if _, err := Parse(bad); err != ErrLists {
			t.Errorf("%s: Parse err = %v, want ErrLists", name, err)
		}
	}
}

// The lists parsed from the asset give exactly trustelem's estimate:
// guesses, score and the matched sequence, for several hundred
// passphrases of every kind the matchers know.
func TestSameScores(t *testing.T) {
	l, err := Parse(asset(t))
	if err != nil {
		t.Fatal(err)
	}
	if l.Words() < 90000 {
		t.Fatalf("%d words", l.Words())
	}
	user := strings.Fields("backpack health medical record records vault doctor hospital salud contraseña contrasena clave hola amor teamo tequiero mimamá familia secreto bienvenido")
	cases := samplePassphrases()
	if len(cases) < 300 {
		t.Fatalf("only %d passphrases", len(cases))
	}
	for _, p := range cases {
		for _, inputs := range [][]string{nil, user} {
			want := trustelem.PasswordStrength(p, inputs)
			got := l.PasswordStrength(p, inputs)
			if got.Guesses != want.Guesses || got.Score != want.Score {
				t.Errorf("%q (user inputs %v): guesses %v score %d, trustelem %v %d", p, inputs != nil, got.Guesses, got.Score, want.Guesses, want.Score)
				continue
			}
			gs, _ := json.Marshal(got.Sequence)
			ws, _ := json.Marshal(want.Sequence)
			if string(gs) != string(ws) && !sameGuessesEachMatch(got, Result{want.Guesses, want.Sequence, want.Score}) {
				t.Errorf("%q: sequence\n got %s\nwant %s", p, gs, ws)
			}
		}
	}
}

// sameGuessesEachMatch: two sequences that differ only in which of two
// equally likely dictionaries a token was found in (trustelem walks its
// map of dictionaries in random order) are the same estimate.
func sameGuessesEachMatch(a, b Result) bool {
	if len(a.Sequence) != len(b.Sequence) {
		return false
	}
	for i := range a.Sequence {
		x, y := a.Sequence[i], b.Sequence[i]
		if x.Pattern != y.Pattern || x.I != y.I || x.J != y.J || x.Token != y.Token || x.Guesses != y.Guesses {
			return false
		}
	}
	return true
}

// samplePassphrases: trustelem's own test passwords, the app's suggested
// kind, words from each list with capitals, l33t, digits, dates and
// separators, keyboard walks, repeats, sequences, Spanish and other
// non-ASCII ones, and random strings (a fixed seed).
func samplePassphrases() []string {
	out := []string{
		"zxcvbn", "qwER43@!", "Tr0ub4dour&3", "correcthorsebatterystaple", "coRrecth0rseba++ery9.23.2007staple$",
		"p@ssword", "p@$$word", "123456", "123456789", "11111111", "zxcvbnm,./", "love88", "angel08", "monkey13",
		"iloveyou", "woaini", "wang", "tianya", "zhang198822", "li4478", "a6a4Aa8a", "b6b4Bb8b", "z6z4Zz8z",
		"aiIiAaIA", "zxXxZzXZ", "pässwörd", "alpha bravo charlie delta",
		"a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9", "a b c 1 2 3",
		"correct-horse-battery-staple", "correct.horse.battery.staple", "correct,horse,battery,staple",
		"correct~horse~battery~staple", "WhyfaultthebardifhesingstheArgives’harshfate?",
		"Eupithes’sonAntinousbroketheirsilence", "Athena lavished a marvelous splendor", "buckmulliganstenderchant",
		"seethenthatyewalkcircumspectly", "LihiandthepeopleofMorianton", "establishedinthecityofZarahemla",
		"!\"£$%^&*()", "D0g..................", "abcdefghijk987654321", "neverforget13/3/1997", "1qaz2wsx3edc\"",
		"temppass22", "briansmith", "briansmith4mayor", "password1", "viking", "thx1138", "ScoRpi0ns", "do you know",
		"ryanhunter2000", "rianhunter2000", "asdfghju7654rewq", "AOEUIDHG&*()LS_", "12345678", "defghi6789",
		"rosebud", "Rosebud", "ROSEBUD", "rosebuD", "ros3bud99", "r0s3bud99", "R0$38uD99", "verlineVANDERMARK",
		"eheuczkqyq", "rWibMFACxAUGZmxhVncy", "Ba9ZyWABu99[BK#6MBgbH88Tofv)vs$w",
		"orbit velvet canyon maple ribbon", "lantern quiz harbor pepper violin", "backpack2024", "MiBackpack!",
		"contraseña", "contraseña123", "teamo", "tequiero2020", "mimamá", "familia1985", "Salud.Vault",
		"abcabcabc", "aaaaaaaaaaaa", "ñañañañaña", "éééé", "日本語のパスワード", "пароль123", "🙂🙂🙂🙂",
		"01/02/2003", "2003-02-01", "1.1.91", "111504", "19911991", "qazwsxedc", "1q2w3e4r5t", "!QAZ2wsx",
		"7410852963", "456789", "zyxwvu", "ZYXWVUTS", "hello world", "HelloWorld1!", "P4$$w0rd!", "monkey monkey monkey",
		"thequickbrownfoxjumpsoverthelazydog", "Summer2019!", "Winter2021", "iloveyou<3", "trustno1", "letmein!",
		"x", "", "  ", "a", "ab", "abc", "Aa1!",
	}
	r := rand.New(rand.NewPCG(12, 2026))
	names := []string{"passwords", "english_wikipedia", "us_tv_and_film", "surnames", "male_names", "female_names"}
	word := func() string {
		list := frequency.FrequencyLists[names[r.IntN(len(names))]]
		return list[r.IntN(min(len(list), 1+r.IntN(20000)))]
	}
	leet := strings.NewReplacer("a", "@", "e", "3", "i", "1", "o", "0", "s", "$", "t", "7")
	seps := []string{"", " ", "-", ".", "_", "!", "1", "2024"}
	for len(out) < 420 {
		n := 1 + r.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			w := word()
			switch r.IntN(6) {
			case 0:
				w = strings.ToUpper(w[:1]) + w[1:]
			case 1:
				w = leet.Replace(w)
			case 2:
				w = strings.ToUpper(w)
			case 3:
				w = reverse(w)
			}
			parts[i] = w
		}
		p := strings.Join(parts, seps[r.IntN(len(seps))])
		switch r.IntN(5) {
		case 0:
			p += []string{"1", "123", "!", "1987", "12/25/1990", "qwerty", "aaaa", "abab"}[r.IntN(8)]
		case 1:
			b := make([]byte, 6+r.IntN(14))
			for i := range b {
				b[i] = byte(33 + r.IntN(94))
			}
			p = string(b)
		}
		out = append(out, p)
	}
	return out
}

// The comparison notices lists that differ: without the passwords list
// many estimates change.
func TestSameScoresNoticesOtherLists(t *testing.T) {
	lists := map[string][]string{}
	for k, v := range frequency.FrequencyLists {
		if k != "passwords" {
			lists[k] = v
		}
	}
	l, err := parse(string(Encode(lists)))
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for _, p := range samplePassphrases() {
		if l.PasswordStrength(p, nil).Guesses != trustelem.PasswordStrength(p, nil).Guesses {
			differ++
		}
	}
	if differ < 20 {
		t.Errorf("only %d estimates changed without the passwords list", differ)
	}
	t.Logf("%d of %d estimates differ without the passwords list", differ, len(samplePassphrases()))
}
