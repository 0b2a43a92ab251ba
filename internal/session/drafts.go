package session

import (
	"context"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// Draft returns the draft kept for a form, if any.
func (s *Session) Draft(key string) (record.Draft, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drafts[key]
	return d, ok
}

// SaveDraft keeps what a form holds, encrypted in the vault, in place of
// the form's earlier draft. Saving the same values again writes nothing.
func (s *Session) SaveDraft(ctx context.Context, d record.Draft) (record.Draft, error) {
	if old, ok := s.Draft(d.Key); ok {
		if old.Same(d) {
			return old, nil
		}
		d.ID = old.ID
	}
	if d.ID == "" {
		d.ID = record.NewID()
	}
	d.Updated = s.now()
	ctx = vault.Untracked(vault.Unannounced(ctx)) // no other tab shows drafts; no other device gets them
	err := s.write(ctx, func() error {
		if err := s.v.Put(ctx, vault.Record{ID: d.ID, Header: record.EncodeDraft(d)}); err != nil {
			return err
		}
		s.mu.Lock()
		s.drafts[d.Key] = d
		s.mu.Unlock()
		return nil
	})
	return d, err
}

// DeleteDraft forgets a form's draft (it was saved or discarded).
func (s *Session) DeleteDraft(ctx context.Context, key string) error {
	d, ok := s.Draft(key)
	if !ok {
		return nil
	}
	ctx = vault.Untracked(vault.Unannounced(ctx))
	return s.write(ctx, func() error {
		if err := s.v.Delete(ctx, d.ID); err != nil {
			return err
		}
		s.mu.Lock()
		delete(s.drafts, key)
		s.mu.Unlock()
		return nil
	})
}
