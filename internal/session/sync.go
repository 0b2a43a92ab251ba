package session

import (
	"context"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// Apply runs fn as the vault's only writer and then builds the book again
// from what the vault holds: the sync engine (internal/replica) stores what
// it pulled from other devices through it.
func (s *Session) Apply(ctx context.Context, fn func() error) error {
	return s.write(ctx, func() error {
		err := fn()
		if berr := s.build(); err == nil {
			err = berr
		}
		return err
	})
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
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Conflict(nil), s.copies[id]...)
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
		return s.build()
	})
}

// Open makes a session of a vault unlocked elsewhere (a new device's, see
// internal/replica's Joining).
func Open(v *vault.Vault) (*Session, error) { return load(v) }
