package record

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Errors of Book. They name no health data.
var (
	ErrNotFound = errors.New("record: no such record")
	ErrExists   = errors.New("record: a record with this id exists")
	ErrInvalid  = errors.New("record: record has no id or profile")
)

// Book is the in-memory index of everything the app holds after unlock:
// entries (usually from vault headers alone), profiles, files and
// questions. It is safe for concurrent use. Reads return copies.
type Book struct {
	mu        sync.RWMutex
	entries   map[string]*Entry
	profiles  map[string]Profile
	files     map[string]FileInfo
	questions map[string]Question
	ident     map[string]*Entry // profile + "\x00" + identity
	order     []*Entry          // every entry, newest first; rebuilt lazily
	unsorted  bool
	idx       index
	keys      map[*Entry]entryKeys
	stale     map[string]bool // entries whose stored projection is older than Project's (see Stale)
}

// entryKeys are derived once per entry for trends and the summary.
type entryKeys struct {
	title string // folded title words
	trend string // TrendKey
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{
		entries:   map[string]*Entry{},
		profiles:  map[string]Profile{},
		files:     map[string]FileInfo{},
		questions: map[string]Question{},
		ident:     map[string]*Entry{},
		idx:       newIndex(),
		keys:      map[*Entry]entryKeys{},
		stale:     map[string]bool{},
	}
}

func identKey(e *Entry) string {
	if e.Identity == "" {
		return ""
	}
	return e.Profile + "\x00" + e.Identity
}

// cloneEntry copies e with its own slices, so callers cannot change the book.
func cloneEntry(e Entry) *Entry {
	c := e
	c.Codes = slices.Clone(e.Codes)
	c.Notes = slices.Clone(e.Notes)
	c.Files = slices.Clone(e.Files)
	if e.Flag != nil {
		f := *e.Flag
		c.Flag = &f
	}
	return &c
}

// Add puts a new entry in the book.
func (b *Book) Add(e Entry) error {
	if e.ID == "" || e.Profile == "" {
		return ErrInvalid
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.entries[e.ID]; ok {
		return ErrExists
	}
	b.insert(cloneEntry(e))
	return nil
}

func (b *Book) insert(p *Entry) {
	if p.Kind == KindOther && BillingTypes[p.Resource.Type] {
		// Stored before billing had a kind of its own: the header's
		// resource type says what it is, so no body has to be read. Its
		// title and text are re-derived later (Stale).
		p.Kind = KindBilling
		b.stale[p.ID] = true
	}
	b.entries[p.ID] = p
	if k := identKey(p); k != "" {
		if _, taken := b.ident[k]; !taken {
			b.ident[k] = p
		}
	}
	b.order = append(b.order, p)
	b.unsorted = true
	b.idx.add(p)
	if p.Kind == KindLab || p.Kind == KindVital || p.Value != nil {
		k := entryKeys{title: strings.Join(words(p.Title), " ")}
		k.trend = trendKey(*p, k.title)
		b.keys[p] = k
	}
}

func (b *Book) remove(p *Entry) {
	delete(b.entries, p.ID)
	delete(b.stale, p.ID)
	if k := identKey(p); k != "" && b.ident[k] == p {
		delete(b.ident, k)
	}
	if i := slices.Index(b.order, p); i >= 0 {
		b.order = slices.Delete(b.order, i, i+1)
	}
	b.idx.remove(p)
	delete(b.keys, p)
}

// Stale lists the entries stored under an older projection (billing
// resources kept as "other", results of headers before version 4), for
// the session to project again from their resources and store.
func (b *Book) Stale() []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	ids := make([]string, 0, len(b.stale))
	for id := range b.stale {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Update replaces an entry (same id).
func (b *Book) Update(e Entry) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, ok := b.entries[e.ID]
	if !ok {
		return ErrNotFound
	}
	if e.Profile == "" {
		return ErrInvalid
	}
	// A change that keeps the old projection (a note, a flag) leaves a
	// stale entry stale.
	stale := b.stale[e.ID] && old.Title == e.Title && old.Text == e.Text
	b.remove(old)
	b.insert(cloneEntry(e))
	if stale {
		b.stale[e.ID] = true
	}
	return nil
}

// Delete moves an entry to the trash (soft delete): it leaves timeline,
// search and summary until Undo, and keeps its identity so a re-import
// does not bring it back. It returns the entry as changed, for the vault.
func (b *Book) Delete(id string, now time.Time) (Entry, error) {
	return b.setDeleted(id, now)
}

// Undo brings a deleted entry back from the trash.
func (b *Book) Undo(id string) (Entry, error) {
	return b.setDeleted(id, time.Time{})
}

func (b *Book) setDeleted(id string, t time.Time) (Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.entries[id]
	if !ok {
		return Entry{}, ErrNotFound
	}
	p.Deleted = t
	return *cloneEntry(*p), nil
}

// Purge removes an entry for good.
func (b *Book) Purge(id string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.entries[id]
	if !ok {
		return ErrNotFound
	}
	b.remove(p)
	return nil
}

// Get returns an entry, deleted or not.
func (b *Book) Get(id string) (Entry, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	p, ok := b.entries[id]
	if !ok {
		return Entry{}, false
	}
	return *cloneEntry(*p), true
}

// Len counts the entries of a profile that are not deleted ("" counts all profiles).
func (b *Book) Len(profile string) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, p := range b.entries {
		if (profile == "" || p.Profile == profile) && p.Deleted.IsZero() {
			n++
		}
	}
	return n
}

// Trash lists a profile's deleted entries, most recently deleted first.
func (b *Book) Trash(profile string) []Entry {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Entry
	for _, p := range b.entries {
		if p.Profile == profile && !p.Deleted.IsZero() {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(x, y Entry) int { return y.Deleted.Compare(x.Deleted) })
	return out
}

// newestFirst orders entries by date (newest first; undated last), then
// creation, then id, so that every listing is stable.
func newestFirst(x, y *Entry) int {
	if c := y.Date.Compare(x.Date); c != 0 {
		if x.Date.IsZero() {
			return 1
		}
		if y.Date.IsZero() {
			return -1
		}
		return c
	}
	if c := y.Created.Compare(x.Created); c != 0 {
		return c
	}
	return strings.Compare(x.ID, y.ID)
}

// sorted returns every entry newest first. Call with b.mu held for writing.
func (b *Book) sorted() []*Entry {
	if b.unsorted {
		slices.SortFunc(b.order, newestFirst)
		b.unsorted = false
	}
	return b.order
}

// Filter selects timeline entries. Zero fields select everything.
type Filter struct {
	Profile string
	Kinds   []Kind    // any of these kinds
	Hide    []Kind    // none of these kinds (see HiddenKinds)
	From    time.Time // inclusive; undated entries are left out when From or To is set
	To      time.Time // inclusive
}

func (f Filter) match(e *Entry) bool {
	if e.Profile != f.Profile || !e.Deleted.IsZero() {
		return false
	}
	if !f.KindOK(e.Kind) {
		return false
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		if e.Date.IsZero() || (!f.From.IsZero() && e.Date.Before(f.From)) || (!f.To.IsZero() && e.Date.After(f.To)) {
			return false
		}
	}
	return true
}

// KindOK reports whether the filter lets entries of kind k through.
func (f Filter) KindOK(k Kind) bool {
	return (len(f.Kinds) == 0 || slices.Contains(f.Kinds, k)) && !slices.Contains(f.Hide, k)
}

// Timeline returns one page of a profile's live entries, newest first,
// and how many match in all.
func (b *Book) Timeline(f Filter, offset, limit int) (page []Entry, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	order := b.sorted()
	start := 0
	if !f.To.IsZero() { // skip what is newer than To
		start = sort.Search(len(order), func(i int) bool { d := order[i].Date; return d.IsZero() || !d.After(f.To) })
	}
	for _, p := range order[start:] {
		if !f.From.IsZero() && (p.Date.IsZero() || p.Date.Before(f.From)) {
			break // the rest is older, or undated
		}
		if !f.match(p) {
			continue
		}
		if total >= offset && (limit <= 0 || len(page) < limit) {
			page = append(page, *p)
		}
		total++
	}
	return page, total
}

// Flagged lists a profile's live entries flagged as possibly wrong: open
// flags first, then by when they were flagged (newest first).
func (b *Book) Flagged(profile string) []Entry {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Entry
	for _, p := range b.entries {
		if p.Profile == profile && p.Flag != nil && p.Deleted.IsZero() {
			out = append(out, *p)
		}
	}
	open := func(e Entry) int {
		if s := e.Flag.Status; s == "" || s == "open" {
			return 0
		}
		return 1
	}
	slices.SortFunc(out, func(x, y Entry) int {
		if a, b := open(x), open(y); a != b {
			return a - b
		}
		if c := y.Flag.Created.Compare(x.Flag.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// KindCounts counts a profile's live entries by kind.
func (b *Book) KindCounts(profile string) map[Kind]int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := map[Kind]int{}
	for _, p := range b.entries {
		if p.Profile == profile && p.Deleted.IsZero() {
			out[p.Kind]++
		}
	}
	return out
}

// Merge adds the entries that the book does not hold yet, judged by
// Identity within the profile (computed when empty; the batch itself is
// de-duplicated too). New entries without an id get one. It returns the
// entries added (to be stored) and how many were skipped.
func (b *Book) Merge(entries []Entry) (added []Entry, skipped int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range entries {
		if e.Profile == "" {
			skipped++
			continue
		}
		if e.Identity == "" {
			e.Identity = Identity(e.Resource, e.Provenance)
		}
		if _, dup := b.ident[identKey(&e)]; dup {
			skipped++
			continue
		}
		if e.ID == "" {
			e.ID = NewID()
		}
		if _, taken := b.entries[e.ID]; taken {
			e.ID = NewID()
		}
		p := cloneEntry(e)
		b.insert(p)
		added = append(added, *cloneEntry(e))
	}
	return added, skipped
}

// Held returns the live or trashed entry of e's profile with e's identity
// (what Merge would skip e for).
func (b *Book) Held(e Entry) (Entry, bool) {
	if e.Identity == "" {
		e.Identity = Identity(e.Resource, e.Provenance)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	p := b.ident[identKey(&e)]
	if p == nil || e.Profile == "" {
		return Entry{}, false
	}
	return *cloneEntry(*p), true
}

// Load puts any decoded vault header in the book (at unlock).
func (b *Book) Load(h Header) error {
	switch {
	case h.Entry != nil:
		if err := b.Add(*h.Entry); err != nil || !h.Stale {
			return err
		}
		b.mu.Lock()
		b.stale[h.Entry.ID] = true
		b.mu.Unlock()
		return nil
	case h.Profile != nil:
		return b.PutProfile(*h.Profile)
	case h.File != nil:
		return b.PutFile(*h.File)
	case h.Question != nil:
		return b.PutQuestion(*h.Question)
	}
	return ErrInvalid
}

// --- profiles, files, questions

// PutProfile adds or replaces a profile.
func (b *Book) PutProfile(p Profile) error {
	if p.ID == "" {
		return ErrInvalid
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.profiles[p.ID] = p
	return nil
}

// Profile returns a profile by id.
func (b *Book) Profile(id string) (Profile, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	p, ok := b.profiles[id]
	return p, ok
}

// Profiles lists the profiles, oldest first (the owner is usually first).
func (b *Book) Profiles() []Profile {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]Profile, 0, len(b.profiles))
	for _, p := range b.profiles {
		out = append(out, p)
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(x, y Profile) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	}
	sort.Slice(out, func(i, j int) bool { return order(out[i], out[j]) < 0 })
	return out
}

// DeleteProfile removes a profile with its entries, files and questions.
func (b *Book) DeleteProfile(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.profiles, id)
	for _, p := range b.entries {
		if p.Profile == id {
			b.remove(p)
		}
	}
	for k, f := range b.files {
		if f.Profile == id {
			delete(b.files, k)
		}
	}
	for k, q := range b.questions {
		if q.Profile == id {
			delete(b.questions, k)
		}
	}
}

// PutFile adds or replaces a file's description.
func (b *Book) PutFile(f FileInfo) error {
	if f.ID == "" || f.Profile == "" {
		return ErrInvalid
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.files[f.ID] = f
	return nil
}

// File returns a file's description.
func (b *Book) File(id string) (FileInfo, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	f, ok := b.files[id]
	return f, ok
}

// Files lists a profile's files, newest first.
func (b *Book) Files(profile string) []FileInfo {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []FileInfo
	for _, f := range b.files {
		if f.Profile == profile {
			out = append(out, f)
		}
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(x, y FileInfo) int {
		if c := y.Created.Compare(x.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	}
	sort.Slice(out, func(i, j int) bool { return order(out[i], out[j]) < 0 })
	return out
}

// DeleteFile removes a file's description and its links from entries; it
// returns the entries that changed, for the vault.
func (b *Book) DeleteFile(id string) []Entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.files, id)
	var changed []Entry
	for _, p := range b.entries {
		if i := slices.Index(p.Files, id); i >= 0 {
			p.Files = slices.Delete(slices.Clone(p.Files), i, i+1)
			changed = append(changed, *cloneEntry(*p))
		}
	}
	return changed
}

// PutQuestion adds or replaces a question for a visit.
func (b *Book) PutQuestion(q Question) error {
	if q.ID == "" || q.Profile == "" {
		return ErrInvalid
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.questions[q.ID] = q
	return nil
}

// DeleteQuestion removes a question.
func (b *Book) DeleteQuestion(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.questions, id)
}

// Questions lists a profile's questions: open ones first, oldest first.
func (b *Book) Questions(profile string) []Question {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Question
	for _, q := range b.questions {
		if q.Profile == profile {
			out = append(out, q)
		}
	}
	// sort.Slice, not slices.SortFunc: each element type of a generic sort
	// adds ~13 KB to the page's wasm (measured, issue #12).
	order := func(x, y Question) int {
		if x.Done != y.Done {
			if x.Done {
				return 1
			}
			return -1
		}
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	}
	sort.Slice(out, func(i, j int) bool { return order(out[i], out[j]) < 0 })
	return out
}
