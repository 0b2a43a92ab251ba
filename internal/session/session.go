// Package session is an unlocked Backpack: the vault (encrypted storage) and
// the record book (in-memory index) kept in step. Every change is encrypted
// and stored first, then applied to the book, so what the app shows is what
// the vault holds. Pure Go; the app runs it over IndexedDB, tests over MemStore.
package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/vault"
)

// Session is an unlocked vault and its book.
type Session struct {
	v    *vault.Vault
	book *record.Book
	now  func() time.Time

	mu      sync.Mutex
	corrupt int                          // records that failed to decrypt or decode at unlock
	shared  map[string]record.SharedLink // share links made on this device, by id
	drafts  map[string]record.Draft      // forms left unsaved, by form key
	conns   map[string]record.Connection // health systems signed in to, by id
	copies  map[string][]Conflict        // conflict copies by entry id (sync.go)
	stale   bool                         // the vault changed under the book: build before use (sync.go)
}

// Create makes a new vault in store and returns it unlocked with the
// recovery key to show once.
func Create(ctx context.Context, store vault.Store, passphrase string) (*Session, string, error) {
	v, recovery, err := vault.Create(ctx, store, passphrase)
	if err != nil {
		return nil, "", err
	}
	return &Session{v: v, book: record.NewBook(), now: time.Now, shared: map[string]record.SharedLink{}, drafts: map[string]record.Draft{}, conns: map[string]record.Connection{}}, recovery, nil
}

// Unlock opens the vault with the passphrase and loads every header.
func Unlock(ctx context.Context, store vault.Store, passphrase string) (*Session, error) {
	v, err := vault.Unlock(ctx, store, passphrase)
	if err != nil {
		return nil, err
	}
	return load(ctx, v)
}

// UnlockWithRecoveryKey opens the vault with the recovery key.
func UnlockWithRecoveryKey(ctx context.Context, store vault.Store, key string) (*Session, error) {
	v, err := vault.UnlockWithRecoveryKey(ctx, store, key)
	if err != nil {
		return nil, err
	}
	return load(ctx, v)
}

// reclaimWait is how long an unlock waits for the writers' lock to
// reclaim what a cut-short restore left.
const reclaimWait = 2 * time.Second

func load(ctx context.Context, v *vault.Vault) (*Session, error) {
	s := &Session{v: v, now: time.Now}
	if err := s.build(ctx); err != nil {
		return nil, err
	}
	// File chunks no record describes (a restore or a deletion cut short)
	// go now, best effort: the next unlock tries again. Another tab's long
	// write holding the lock does not hold up the unlock for more than a
	// moment.
	rctx, cancel := context.WithTimeout(ctx, reclaimWait)
	v.Reclaim(rctx)
	cancel()
	return s, nil
}

// build makes the book (and the list of share links) from the vault's
// headers: at unlock, and again when another tab changed the vault. It
// pauses between headers under vault.WithPause (the new book is its own
// until the end).
func (s *Session) build(ctx context.Context) error {
	v := s.v
	book, shared, drafts, corrupt := record.NewBook(), map[string]record.SharedLink{}, map[string]record.Draft{}, 0
	conns := map[string]record.Connection{}
	headers, err := v.Headers()
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(headers))
	for id := range headers {
		ids = append(ids, id)
	}
	sort.Strings(ids) // deterministic order
	// Profiles first, so entries find their profile.
	var entries []record.Header
	copies := map[string][]Conflict{}
	step := vault.Paced(ctx)
	for _, id := range ids {
		step()
		h, err := record.DecodeHeader(headers[id])
		if err != nil {
			corrupt++
			continue
		}
		if strings.HasPrefix(id, record.ConflictPrefix) {
			if h.Entry != nil {
				copies[h.Entry.ID] = append(copies[h.Entry.ID], Conflict{ID: id, Entry: *h.Entry})
			}
			continue
		}
		if putInBook(book, h) {
			continue
		}
		switch h.Type {
		case record.RecordShared:
			shared[h.Shared.ID] = *h.Shared
		case record.RecordConnection:
			conns[h.Connection.ID] = *h.Connection
		case record.RecordSpace:
			// A shared profile's keys (internal/replica's): nothing shows them.
		case record.RecordDraft:
			if old, dup := drafts[h.Draft.Key]; !dup || h.Draft.Updated.After(old.Updated) {
				drafts[h.Draft.Key] = *h.Draft
			}
		default:
			entries = append(entries, h)
		}
	}
	for _, h := range entries {
		step()
		if h.Entry == nil || book.Load(h) != nil { // Load: an older result is listed stale
			corrupt++
		}
	}
	if bad, err := v.Corrupt(); err == nil {
		corrupt += len(bad)
	}
	s.mu.Lock()
	s.book, s.shared, s.drafts, s.corrupt = book, shared, drafts, corrupt
	s.conns, s.copies, s.stale = conns, copies, false
	s.mu.Unlock()
	return nil
}

// write runs fn as the vault's only writer (no other tab writes meanwhile),
// after taking in whatever another tab wrote: every read-modify-write of a
// record reads what the vault holds, not what this tab saw last.
func (s *Session) write(ctx context.Context, fn func() error) error {
	return s.v.Exclusive(ctx, func(reloaded bool) error {
		if reloaded {
			if err := s.build(ctx); err != nil {
				return err
			}
		}
		return fn()
	})
}

// Exclusive runs fn as the vault's only writer, with the book holding what
// every tab wrote: for a change the caller reads and writes itself (a
// restore's merge). fn must not call the session's other writing methods.
func (s *Session) Exclusive(ctx context.Context, fn func() error) error {
	return s.write(ctx, fn)
}

// Refresh takes in what another tab changed in the vault and reports
// whether anything did.
func (s *Session) Refresh(ctx context.Context) (changed bool, err error) {
	err = s.v.Exclusive(ctx, func(reloaded bool) error {
		changed = reloaded
		if reloaded {
			return s.build(ctx)
		}
		return nil
	})
	return changed, err
}

// ErrGone is returned when a change is asked of an entry that was deleted
// meanwhile (in another tab, or on another page).
var ErrGone = errors.New("session: the entry was deleted")

// live returns an entry that is not in the trash, for a change.
func (s *Session) live(id string) (record.Entry, error) {
	e, ok := s.Book().Get(id)
	switch {
	case !ok:
		return e, record.ErrNotFound
	case !e.Deleted.IsZero():
		return e, ErrGone
	}
	return e, nil
}

// Book is the in-memory record. Read from it; change it through the session.
func (s *Session) Book() *record.Book {
	s.fresh()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book
}

// Vault is the underlying vault.
func (s *Session) Vault() *vault.Vault { return s.v }

// Corrupt is how many records could not be read at unlock (tampered or damaged).
func (s *Session) Corrupt() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.corrupt
}

// Lock wipes the key and forgets the book.
func (s *Session) Lock() {
	s.v.Lock()
	s.mu.Lock()
	s.book = record.NewBook()
	s.mu.Unlock()
}

// Locked reports whether Lock was called.
func (s *Session) Locked() bool { return s.v.Locked() }

// SetClock replaces time.Now, for tests.
func (s *Session) SetClock(now func() time.Time) { s.now = now }

// ChangePassphrase rewrites the passphrase keyslot only.
func (s *Session) ChangePassphrase(ctx context.Context, pass string) error {
	return s.v.ChangePassphrase(ctx, pass)
}

func entryRecord(e record.Entry) vault.Record {
	h, b := record.EncodeEntry(e)
	return vault.Record{ID: e.ID, Header: h, Body: b}
}

func profileRecord(p record.Profile) vault.Record {
	h, b := record.EncodeProfile(p)
	return vault.Record{ID: p.ID, Header: h, Body: b}
}

// SaveProfile adds or changes a profile.
func (s *Session) SaveProfile(ctx context.Context, p record.Profile) (record.Profile, error) {
	if p.ID == "" {
		p.ID = record.NewID()
	}
	if p.Created.IsZero() {
		p.Created = s.now()
	}
	err := s.write(ctx, func() error {
		if err := s.v.Put(ctx, profileRecord(p)); err != nil {
			return err
		}
		return s.Book().PutProfile(p)
	})
	return p, err
}

// DeleteProfile removes a profile and everything in it: entries, files,
// questions, and the drafts typed for it.
func (s *Session) DeleteProfile(ctx context.Context, id string) error {
	return s.write(ctx, func() error {
		book := s.Book()
		ids := []string{id}
		var files []string
		page, _ := book.Timeline(record.Filter{Profile: id}, 0, -1)
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		for _, e := range book.Trash(id) {
			ids = append(ids, e.ID)
		}
		for _, f := range book.Files(id) {
			ids = append(ids, f.ID)
			files = append(files, f.ID)
		}
		for _, q := range book.Questions(id) {
			ids = append(ids, q.ID)
		}
		s.mu.Lock()
		var drafts []string
		for key, d := range s.drafts {
			if d.Profile == id {
				ids = append(ids, d.ID)
				drafts = append(drafts, key)
			}
		}
		s.mu.Unlock()
		if err := s.v.Delete(ctx, ids...); err != nil {
			return err
		}
		s.mu.Lock()
		for _, key := range drafts {
			delete(s.drafts, key)
		}
		s.mu.Unlock()
		for _, f := range files {
			s.v.DeleteFile(ctx, f) // chunks without a header are unreachable; best effort
		}
		book.DeleteProfile(id)
		return nil
	})
}

// Resource returns an entry's full FHIR resource (its body).
func (s *Session) Resource(ctx context.Context, id string) (fhir.Resource, error) {
	b, err := s.v.Body(ctx, id)
	if err != nil {
		return fhir.Resource{}, err
	}
	return record.DecodeBody(b)
}

// Full returns an entry with its resource loaded.
func (s *Session) Full(ctx context.Context, id string) (record.Entry, error) {
	e, ok := s.Book().Get(id)
	if !ok {
		return e, record.ErrNotFound
	}
	r, err := s.Resource(ctx, id)
	if err != nil {
		return e, err
	}
	e.Resource = r
	return e, nil
}

// SaveEntry stores a new or changed entry. e.Resource must hold the full
// resource; the projection is recomputed from it. A change to an entry that
// was deleted meanwhile (in another tab) returns ErrGone, and one whose
// person was deleted record.ErrNotFound: it never brings either back.
func (s *Session) SaveEntry(ctx context.Context, e record.Entry) (record.Entry, error) {
	if len(e.Resource.JSON) == 0 {
		return e, errors.New("session: entry without its resource")
	}
	p, err := record.Project(e.Resource)
	if err != nil {
		return e, err
	}
	if e.Kind != "" && p.Kind != e.Kind && e.Kind != record.KindOther {
		p.Kind = e.Kind // a person's choice of kind (e.g. imaging vs report) wins
	}
	e.Projection = p
	err = s.write(ctx, func() error {
		now := s.now()
		held, exists := s.Book().Get(e.ID)
		switch {
		case exists && !held.Deleted.IsZero() && e.Deleted.IsZero():
			return ErrGone
		case !exists:
			if _, ok := s.Book().Profile(e.Profile); !ok {
				return record.ErrNotFound // its person was deleted meanwhile
			}
		}
		if exists {
			// Notes, flag and files may have changed since the form opened
			// (another tab); the form changes the resource and kind only.
			e.Notes, e.Flag = held.Notes, held.Flag
		} else {
			if e.ID == "" {
				e.ID = record.NewID()
			}
			if e.Created.IsZero() {
				e.Created = now
			}
			if e.Provenance.Source == "" {
				e.Provenance.Source = "manual"
			}
		}
		e.Updated = now
		if e.Identity == "" {
			e.Identity = record.Identity(e.Resource, e.Provenance)
		}
		if err := s.v.Put(ctx, entryRecord(e)); err != nil {
			return err
		}
		if exists {
			return s.Book().Update(e)
		}
		return s.Book().Add(e)
	})
	return e, err
}

// change re-reads a live entry under the write lock, lets edit change its
// header and stores it with its body unchanged.
func (s *Session) change(ctx context.Context, id string, edit func(e *record.Entry) error) error {
	return s.write(ctx, func() error {
		e, err := s.live(id)
		if err != nil {
			return err
		}
		if err := edit(&e); err != nil {
			return err
		}
		return s.updateHeader(ctx, e)
	})
}

// updateHeader stores an entry whose header changed (notes, flag, files,
// trash) with its body unchanged. The caller holds the write lock.
func (s *Session) updateHeader(ctx context.Context, e record.Entry) error {
	full, err := s.Full(ctx, e.ID)
	if err != nil {
		return err
	}
	e.Resource = full.Resource
	e.Updated = s.now()
	if err := s.v.Put(ctx, entryRecord(e)); err != nil {
		return err
	}
	return s.Book().Update(e)
}

// AddNote adds a personal note to an entry.
func (s *Session) AddNote(ctx context.Context, entryID, text string) (record.Note, error) {
	n := record.Note{ID: record.NewID(), Text: text, Created: s.now()}
	return n, s.change(ctx, entryID, func(e *record.Entry) error {
		e.Notes = append(e.Notes, n)
		return nil
	})
}

// DeleteNote removes a personal note.
func (s *Session) DeleteNote(ctx context.Context, entryID, noteID string) error {
	return s.change(ctx, entryID, func(e *record.Entry) error {
		kept := e.Notes[:0:0]
		for _, n := range e.Notes {
			if n.ID != noteID {
				kept = append(kept, n)
			}
		}
		e.Notes = kept
		return nil
	})
}

// SetFlag flags an entry as possibly wrong (nil clears the flag).
func (s *Session) SetFlag(ctx context.Context, entryID string, f *record.ErrorFlag) error {
	if f != nil && f.Created.IsZero() {
		f.Created = s.now()
	}
	if f != nil && f.Status == "" {
		f.Status = "open"
	}
	return s.change(ctx, entryID, func(e *record.Entry) error {
		e.Flag = f
		return nil
	})
}

// AttachFiles sets the files attached to an entry.
func (s *Session) AttachFiles(ctx context.Context, entryID string, files []string) error {
	return s.change(ctx, entryID, func(e *record.Entry) error {
		e.Files = files
		return nil
	})
}

// DeleteEntry moves an entry to the trash; Undo brings it back.
func (s *Session) DeleteEntry(ctx context.Context, id string) error {
	return s.write(ctx, func() error {
		if _, err := s.live(id); err != nil {
			return err
		}
		full, err := s.Full(ctx, id)
		if err != nil {
			return err
		}
		trashed, err := s.Book().Delete(id, s.now())
		if err != nil {
			return err
		}
		trashed.Resource = full.Resource
		if err := s.v.Put(ctx, entryRecord(trashed)); err != nil {
			s.Book().Undo(id)
			return err
		}
		return nil
	})
}

// Undo restores an entry from the trash.
func (s *Session) Undo(ctx context.Context, id string) error {
	return s.write(ctx, func() error {
		full, err := s.Full(ctx, id)
		if err != nil {
			return err
		}
		restored, err := s.Book().Undo(id)
		if err != nil {
			return err
		}
		restored.Resource = full.Resource
		return s.v.Put(ctx, entryRecord(restored))
	})
}

// SaveQuestion adds or changes a question for the next visit.
func (s *Session) SaveQuestion(ctx context.Context, q record.Question) (record.Question, error) {
	if q.ID == "" {
		q.ID = record.NewID()
	}
	if q.Created.IsZero() {
		q.Created = s.now()
	}
	err := s.write(ctx, func() error {
		if err := s.v.Put(ctx, vault.Record{ID: q.ID, Header: record.EncodeQuestion(q)}); err != nil {
			return err
		}
		return s.Book().PutQuestion(q)
	})
	return q, err
}

// DeleteQuestion removes a question.
func (s *Session) DeleteQuestion(ctx context.Context, id string) error {
	return s.write(ctx, func() error {
		if err := s.v.Delete(ctx, id); err != nil {
			return err
		}
		s.Book().DeleteQuestion(id)
		return nil
	})
}

// AddFile stores a file's bytes (encrypted, in chunks, streamed) and its
// metadata. info.Name, Type and Profile come from the caller; size and SHA-256
// are computed here.
func (s *Session) AddFile(ctx context.Context, info record.FileInfo, r io.Reader) (record.FileInfo, error) {
	if info.ID == "" {
		info.ID = record.NewID()
	}
	if info.Created.IsZero() {
		info.Created = s.now()
	}
	h := sha256.New()
	err := s.write(ctx, func() error {
		// The file's last chunks and its metadata land in one transaction.
		_, err := s.v.PutFileRecord(ctx, info.ID, io.TeeReader(r, h), func(size int64) (vault.Record, error) {
			info.Size = size
			info.SHA256 = hex.EncodeToString(h.Sum(nil))
			return vault.Record{ID: info.ID, Header: record.EncodeFile(info)}, nil
		})
		if err != nil {
			return err
		}
		return s.Book().PutFile(info)
	})
	return info, err
}

// OpenFile streams a stored file's bytes.
func (s *Session) OpenFile(ctx context.Context, id string) (io.ReadCloser, error) {
	return s.v.OpenFile(ctx, id)
}

// DeleteFile removes a file and detaches it from every entry.
func (s *Session) DeleteFile(ctx context.Context, id string) error {
	return s.write(ctx, func() error {
		// Chunks first: a crash in between leaves a record whose file reads as
		// missing, never chunks that nothing points to.
		if err := s.v.DeleteFile(ctx, id); err != nil {
			return err
		}
		if err := s.v.Delete(ctx, id); err != nil {
			return err
		}
		for _, e := range s.Book().DeleteFile(id) {
			if err := s.updateHeader(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportFile is a document that arrives with an import (a PDF or image
// embedded in the file): its bytes and the entries it is attached to, as
// indexes in the entries given to Import.
type ImportFile struct {
	Name    string
	Type    string // MIME type
	SHA256  string // hex, when known: checked against Data
	Data    []byte
	Entries []int
}

// Import adds entries (and optionally a new profile) in one atomic write:
// all of them land or none. Entries already held (same identity) are
// skipped. files are stored as files of the entries' profile, in the same
// write, and attached to their entries; a file the profile already holds
// (same SHA-256) is not stored again but attached, and a held entry that
// lacks a file it comes with gets it, so re-importing adds nothing twice.
// Entries another tab stored meanwhile are skipped too.
func (s *Session) Import(ctx context.Context, profile *record.Profile, entries []record.Entry, files ...ImportFile) (added, skipped int, err error) {
	err = s.write(ctx, func() error {
		added, skipped, err = s.importLocked(ctx, profile, entries, files)
		return err
	})
	return added, skipped, err
}

func (s *Session) importLocked(ctx context.Context, profile *record.Profile, entries []record.Entry, files []ImportFile) (added, skipped int, err error) {
	book := s.Book()
	if profile != nil {
		if held, ok := samePerson(book, *profile); ok {
			// This person was made from the same file meanwhile (another
			// tab): the entries go to them, and no second person is made.
			for i := range entries {
				if entries[i].Profile == profile.ID {
					entries[i].Profile = held.ID
				}
			}
			*profile, profile = held, nil
		}
	}
	var recs []vault.Record
	if profile != nil {
		if profile.ID == "" {
			profile.ID = record.NewID()
		}
		if profile.Created.IsZero() {
			profile.Created = s.now()
		}
		recs = append(recs, profileRecord(*profile))
	}
	now := s.now()
	for i := range entries {
		if profile != nil && entries[i].Profile == "" {
			entries[i].Profile = profile.ID
		}
		if entries[i].Created.IsZero() {
			entries[i].Created = now
		}
		entries[i].Updated = now
	}
	newFiles, held, err := s.placeFiles(ctx, entries, files, now)
	if err != nil {
		return 0, 0, fmt.Errorf("session: import: %w", err)
	}
	// Merge assigns ids and drops what the book already holds; if the vault
	// write fails, the merged entries (and the new profile) are taken out again.
	if profile != nil {
		book.PutProfile(*profile)
	}
	// Merged a part at a time, pausing between parts (vault.WithPause):
	// the book is taken back whole if the write fails.
	step := vault.Paced(ctx)
	newEntries := make([]record.Entry, 0, len(entries))
	for i := 0; i < len(entries); i += mergePart {
		step()
		part, n := book.Merge(entries[i:min(i+mergePart, len(entries))])
		newEntries = append(newEntries, part...)
		skipped += n
	}
	rollback := func() {
		for _, e := range newEntries {
			book.Purge(e.ID)
		}
		if profile != nil {
			book.DeleteProfile(profile.ID)
		}
	}
	for _, e := range newEntries {
		step()
		recs = append(recs, entryRecord(e))
	}
	for _, e := range held {
		recs = append(recs, entryRecord(e))
	}
	var chunks []vault.NewFile
	for _, f := range newFiles {
		recs = append(recs, vault.Record{ID: f.info.ID, Header: record.EncodeFile(f.info)})
		chunks = append(chunks, vault.NewFile{ID: f.info.ID, R: bytes.NewReader(f.data)})
	}
	if len(recs) == 0 {
		return 0, skipped, nil
	}
	if err := s.v.PutFiles(ctx, chunks, recs...); err != nil {
		rollback()
		return 0, 0, fmt.Errorf("session: import: %w", err)
	}
	for _, f := range newFiles {
		s.book.PutFile(f.info)
	}
	for _, e := range held {
		s.book.Update(e)
	}
	return len(newEntries), skipped, nil
}

// mergePart is how many entries an import merges into the book at once.
const mergePart = 16

type newFile struct {
	info record.FileInfo
	data []byte
}

// placeFiles gives each imported file an id — the one of the same bytes
// in the profile when it holds them already, else a new one (returned in
// newFiles) — and attaches it to its entries: in entries, and in the
// entries the book already holds with the same identity (returned in held,
// with their resources, when they changed).
func (s *Session) placeFiles(ctx context.Context, entries []record.Entry, files []ImportFile, now time.Time) (newFiles []newFile, held []record.Entry, err error) {
	if len(files) == 0 {
		return nil, nil, nil
	}
	ids := map[string]string{} // profile + sha → file id
	for _, f := range files {
		var prof string
		for _, i := range f.Entries {
			if i >= 0 && i < len(entries) && entries[i].Profile != "" {
				prof = entries[i].Profile
				break
			}
		}
		if prof == "" {
			continue // attached to nothing that is stored
		}
		// Computed here whatever the caller says: exports and restores
		// check every file against it.
		h := sha256.Sum256(f.Data)
		sum := hex.EncodeToString(h[:])
		if f.SHA256 != "" && f.SHA256 != sum {
			return nil, nil, errors.New("session: an imported file's SHA-256 does not match its bytes")
		}
		key := prof + "\x00" + sum
		id, ok := ids[key]
		if !ok {
			for _, fi := range s.book.Files(prof) {
				if fi.SHA256 == sum {
					id = fi.ID
					break
				}
			}
			if id == "" {
				info := record.FileInfo{ID: record.NewID(), Profile: prof, Name: f.Name, Type: f.Type,
					Size: int64(len(f.Data)), SHA256: sum, Created: now}
				newFiles = append(newFiles, newFile{info, f.Data})
				id = info.ID
			}
			ids[key] = id
		}
		for _, i := range f.Entries {
			if i >= 0 && i < len(entries) && entries[i].Profile == prof && !slices.Contains(entries[i].Files, id) {
				entries[i].Files = append(entries[i].Files, id)
			}
		}
	}
	// Entries the book holds already keep their own id and get the files.
	byID := map[string]int{}
	changed := map[int]bool{}
	for i := range entries {
		if len(entries[i].Files) == 0 {
			continue
		}
		h, ok := s.book.Held(entries[i])
		if !ok || !h.Deleted.IsZero() {
			continue // new, or in the trash: left as it is
		}
		j, seen := byID[h.ID]
		if !seen {
			full, err := s.Full(ctx, h.ID)
			if err != nil {
				return nil, nil, err
			}
			h.Resource = full.Resource
			j = len(held)
			held = append(held, h)
			byID[h.ID] = j
		}
		for _, id := range entries[i].Files {
			if !slices.Contains(held[j].Files, id) {
				held[j].Files = append(held[j].Files, id)
				changed[j] = true
			}
		}
	}
	kept := held[:0]
	for j, h := range held {
		if changed[j] {
			h.Updated = now
			kept = append(kept, h)
		}
	}
	return newFiles, kept, nil
}

// samePerson finds a profile with p's name and birth date (made from the
// same patient), when p has both.
func samePerson(book *record.Book, p record.Profile) (record.Profile, bool) {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	if p.BirthDate == "" || norm(p.Name) == "" {
		return record.Profile{}, false
	}
	for _, q := range book.Profiles() {
		if q.ID != p.ID && q.BirthDate == p.BirthDate && norm(q.Name) == norm(p.Name) {
			return q, true
		}
	}
	return record.Profile{}, false
}

// Data gathers what an export needs: profiles, live entries with their
// resources, files and questions.
func (s *Session) Data(ctx context.Context) (exportdata.Data, error) {
	var d exportdata.Data
	d.Profiles = s.Book().Profiles()
	for i, p := range d.Profiles {
		if len(p.Patient.JSON) == 0 {
			if b, err := s.v.Body(ctx, p.ID); err == nil && len(b) > 0 {
				if r, err := fhir.Parse(b); err == nil {
					d.Profiles[i].Patient = r
				}
			}
		}
		page, _ := s.Book().Timeline(record.Filter{Profile: p.ID}, 0, -1)
		for _, e := range page {
			full, err := s.Full(ctx, e.ID)
			if err != nil {
				return d, err
			}
			d.Entries = append(d.Entries, full)
		}
		d.Files = append(d.Files, s.Book().Files(p.ID)...)
		d.Questions = append(d.Questions, s.Book().Questions(p.ID)...)
	}
	return d, nil
}
