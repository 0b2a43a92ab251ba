package session

import (
	"context"
	"errors"
	"slices"
	"strings"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// Apply runs fn as the vault's only writer; fn stores what the sync
// engine (internal/replica) pulled from other devices and returns the ids
// of the records it wrote or deleted. The book follows: record by record
// for a few, or built again from the vault (before its next use) for many
// or for kinds it cannot follow one by one.
func (s *Session) Apply(ctx context.Context, fn func() ([]string, error)) error {
	return s.write(ctx, func() error {
		ids, err := fn()
		if err != nil || len(ids) > applyOneByOne || !s.follow(ids) {
			s.mu.Lock()
			s.stale = true
			s.mu.Unlock()
		}
		return err
	})
}

// applyOneByOne is the most records Apply follows one by one; a larger
// batch (a new device's first pull) builds the book once instead.
const applyOneByOne = 512

// fresh builds the book again when Apply left it stale.
func (s *Session) fresh() {
	s.mu.Lock()
	stale := s.stale
	s.mu.Unlock()
	if stale {
		s.build(context.Background()) // on failure (locked) the old book stays
	}
}

// follow brings the book in line with the vault for records ids: entries,
// profiles, files and questions written, entries and questions deleted
// (a shared profile's keys: nothing to follow).
// It reports false for anything else, for a full build.
func (s *Session) follow(ids []string) bool {
	s.mu.Lock()
	book := s.book
	s.mu.Unlock()
	for _, id := range ids {
		if strings.HasPrefix(id, record.ConflictPrefix) {
			return false
		}
		raw, err := s.v.Header(id)
		if errors.Is(err, vault.ErrNotFound) {
			if _, ok := book.Get(id); ok {
				book.Purge(id)
				continue
			}
			_, isProfile := book.Profile(id)
			_, isFile := book.File(id)
			if isProfile || isFile {
				return false
			}
			book.DeleteQuestion(id) // or a record the book does not show (a share link): nothing to do
			continue
		}
		if err != nil {
			return false
		}
		h, err := record.DecodeHeader(raw)
		if err != nil {
			return false
		}
		switch h.Type {
		case record.RecordSpace: // a shared profile's keys: not in the book
		case record.RecordEntry:
			if _, ok := book.Get(id); ok {
				if book.Update(*h.Entry) != nil {
					return false
				}
			} else if book.Load(h) != nil {
				return false
			}
		default:
			if !putInBook(book, h) {
				return false
			}
		}
	}
	return true
}

// putInBook puts a profile, file or question in the book and reports
// whether h was one.
func putInBook(book *record.Book, h record.Header) bool {
	switch h.Type {
	case record.RecordProfile:
		book.PutProfile(*h.Profile)
	case record.RecordFile:
		book.PutFile(*h.File)
	case record.RecordQuestion:
		book.PutQuestion(*h.Question)
	default:
		return false
	}
	return true
}

// Conflict is the other version of an entry that two devices changed while
// apart: its content as the other device left it (header only; Resource
// holds just its type and id).
type Conflict struct {
	ID    string // the copy's vault id
	Entry record.Entry
}

// Conflicts lists the other versions of entry id, oldest id first.
func (s *Session) Conflicts(id string) []Conflict {
	s.fresh()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Conflict(nil), s.copies[id]...)
}

// Conflicted lists the entries that have another version, by id.
func (s *Session) Conflicted() []string {
	s.fresh()
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.copies))
	for id := range s.copies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// KeepVersion settles a conflict: with theirs, the entry takes the content
// (resource, kind, values) of copy copyID and keeps its own notes, flag and
// files; without, the entry stays as it is. Either way the copy goes.
func (s *Session) KeepVersion(ctx context.Context, entryID, copyID string, theirs bool) error {
	return s.write(ctx, func() error {
		var cp *Conflict
		s.mu.Lock()
		for _, c := range s.copies[entryID] {
			if c.ID == copyID {
				cp = &c
				break
			}
		}
		s.mu.Unlock()
		if cp == nil {
			return record.ErrNotFound
		}
		if theirs {
			cur, ok := s.Book().Get(entryID)
			if !ok {
				return record.ErrNotFound
			}
			body, err := s.v.Body(ctx, copyID)
			if err != nil {
				return err
			}
			e := cp.Entry
			if e.Resource, err = record.DecodeBody(body); err != nil {
				return err
			}
			e.Notes, e.Flag, e.Files, e.Deleted = cur.Notes, cur.Flag, cur.Files, cur.Deleted
			e.Updated = s.now()
			if err := s.v.Put(ctx, entryRecord(e)); err != nil {
				return err
			}
		}
		if err := s.v.Delete(ctx, copyID); err != nil {
			return err
		}
		return s.build(ctx)
	})
}

// Open makes a session of a vault unlocked elsewhere (a new device's, see
// internal/replica's Joining).
func Open(ctx context.Context, v *vault.Vault) (*Session, error) { return load(ctx, v) }
