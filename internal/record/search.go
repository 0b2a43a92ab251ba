package record

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"backpack/internal/i18n"
)

// fold lower-cases s and strips accents from Latin letters, so "Émile",
// "emile" and "EMILE" compare equal.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldTable = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ł': "l", 'þ': "th"}
	for base, accented := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "e": "èéêëēĕėęě", "i": "ìíîïĩīĭįı", "n": "ñńņňŉ",
		"o": "òóôõöōŏő", "u": "ùúûüũūŭůűų", "y": "ýÿŷ", "g": "ĝğġģ", "s": "śŝşš", "z": "źżž",
		"r": "ŕŗř", "l": "ĺļľŀ", "d": "ď", "t": "ţťŧ", "h": "ĥħ", "j": "ĵ", "k": "ķ", "w": "ŵ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// words splits s into folded words of letters and digits.
func words(s string) []string {
	f := strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	return f
}

// Search weights per field.
const (
	wTitle = 8
	wCode  = 8
	wNote  = 4
	wText  = 3
	wWho   = 2
	wKind  = 1
)

type posting struct {
	e *Entry
	w uint8
}

// index is a small inverted index: folded word → entries, with a sorted
// vocabulary for prefix lookups.
//
// Entries are indexed lazily, at the first search (or Book.Warm), so that
// building a book at unlock costs only decoding the headers.
type index struct {
	post    map[string][]posting
	vocab   []string // sorted; rebuilt lazily
	dirty   bool
	terms   map[*Entry][]string // what each entry was indexed under, for removal
	pending []*Entry            // added, not indexed yet
	waiting map[*Entry]bool     // the entries of pending still to index
}

func newIndex() index {
	return index{post: map[string][]posting{}, terms: map[*Entry][]string{}, waiting: map[*Entry]bool{}}
}

func (ix *index) add(e *Entry) {
	ix.pending = append(ix.pending, e)
	ix.waiting[e] = true
}

func (ix *index) remove(e *Entry) {
	if ix.waiting[e] {
		delete(ix.waiting, e)
		return
	}
	ix.removeNow(e)
}

// flush indexes the pending entries.
func (ix *index) flush() {
	for _, e := range ix.pending {
		if ix.waiting[e] {
			ix.addNow(e)
		}
	}
	ix.pending = nil
	clear(ix.waiting)
}

type term struct {
	word string
	w    uint8
}

// kindWords holds each kind's name in every language, as words.
var kindWords = sync.OnceValue(func() map[Kind][]string {
	m := map[Kind][]string{}
	for _, k := range Kinds {
		for _, l := range i18n.Langs {
			m[k] = append(m[k], words(i18n.In(l, "record.kind."+string(k)))...)
		}
	}
	return m
})

// entryTerms lists the weighted words of an entry (each word once, best weight).
func entryTerms(e *Entry) []term {
	t := make([]term, 0, 24)
	put := func(word string, w uint8) {
		for i := range t {
			if t[i].word == word {
				t[i].w = max(t[i].w, w)
				return
			}
		}
		t = append(t, term{word, w})
	}
	add := func(s string, w uint8) {
		for _, word := range words(s) {
			put(word, w)
		}
	}
	add(e.Title, wTitle)
	for _, c := range e.Codes {
		add(c.Code, wCode)
		if c.Code != "" {
			put(fold(c.Code), wCode) // whole code, "4548-4"
		}
		add(c.Display, wText)
	}
	add(e.Text, wText)
	add(e.Who, wWho)
	for _, n := range e.Notes {
		add(n.Text, wNote)
	}
	if e.Flag != nil {
		add(e.Flag.Note, wNote)
	}
	for _, word := range kindWords()[e.Kind] {
		put(word, wKind)
	}
	return t
}

func (ix *index) addNow(e *Entry) {
	terms := entryTerms(e)
	list := make([]string, 0, len(terms))
	for _, t := range terms {
		ps, ok := ix.post[t.word]
		if !ok {
			ix.dirty = true
		}
		ix.post[t.word] = append(ps, posting{e, t.w})
		list = append(list, t.word)
	}
	ix.terms[e] = list
}

func (ix *index) removeNow(e *Entry) {
	for _, w := range ix.terms[e] {
		ps := ix.post[w]
		for i := range ps {
			if ps[i].e == e {
				ps = slices.Delete(ps, i, i+1)
				break
			}
		}
		if len(ps) == 0 {
			delete(ix.post, w)
			ix.dirty = true
		} else {
			ix.post[w] = ps
		}
	}
	delete(ix.terms, e)
}

func (ix *index) sortedVocab() []string {
	if ix.dirty || ix.vocab == nil {
		ix.vocab = ix.vocab[:0]
		for w := range ix.post {
			ix.vocab = append(ix.vocab, w)
		}
		sort.Strings(ix.vocab)
		ix.dirty = false
	}
	return ix.vocab
}

// Warm builds the search index now rather than at the first search (call
// it when the app is idle after unlock) and sorts the timeline.
func (b *Book) Warm() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.idx.flush()
	b.idx.sortedVocab()
	b.sorted()
}

// Hit is one search result.
type Hit struct {
	Entry
	Score int
}

// MaxHits caps Search results.
const MaxHits = 500

// Search finds a profile's live entries matching every word of query
// (accent- and case-insensitive; each query word matches words it
// prefixes) in titles, codes, text, providers, notes and error flags.
// Results are ranked: title and code matches first, whole words before
// prefixes, then newest first. At most MaxHits are returned.
func (b *Book) Search(profile, query string) []Hit {
	qs := words(query)
	if len(qs) == 0 {
		return nil
	}
	slices.Sort(qs)
	qs = slices.Compact(qs)
	b.mu.Lock() // the index may be brought up to date
	defer b.mu.Unlock()
	b.idx.flush()
	vocab := b.idx.sortedVocab()
	var acc map[*Entry]int
	for qi, q := range qs {
		cur := map[*Entry]int{}
		for i := sort.SearchStrings(vocab, q); i < len(vocab) && strings.HasPrefix(vocab[i], q); i++ {
			exact := 1
			if vocab[i] == q {
				exact = 2
			}
			for _, p := range b.idx.post[vocab[i]] {
				if p.e.Profile != profile || !p.e.Deleted.IsZero() {
					continue
				}
				if qi > 0 {
					if _, ok := acc[p.e]; !ok {
						continue
					}
				}
				if s := int(p.w) * exact; s > cur[p.e] {
					cur[p.e] = s
				}
			}
		}
		if qi > 0 {
			for e, s := range cur {
				cur[e] = s + acc[e]
			}
		}
		acc = cur
		if len(acc) == 0 {
			return nil
		}
	}
	type scored struct {
		e *Entry
		s int
	}
	hits := make([]scored, 0, len(acc))
	for e, s := range acc {
		hits = append(hits, scored{e, s})
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(x, y scored) int {
		if x.s != y.s {
			return y.s - x.s
		}
		return newestFirst(x.e, y.e)
	}
	sort.Slice(hits, func(i, j int) bool { return order(hits[i], hits[j]) < 0 })
	if len(hits) > MaxHits {
		hits = hits[:MaxHits]
	}
	out := make([]Hit, len(hits))
	for i, h := range hits {
		out[i] = Hit{Entry: *h.e, Score: h.s}
	}
	return out
}
