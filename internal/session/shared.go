package session

import (
	"context"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// SharedLinks returns the share links made on this device, newest first.
func (s *Session) SharedLinks() []record.SharedLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]record.SharedLink, 0, len(s.shared))
	for _, l := range s.shared {
		out = append(out, l)
	}
	record.SortSharedLinks(out)
	return out
}

// SaveSharedLink stores a share link (a new one gets an id and its
// creation time), so that it can be listed and revoked after the app
// was locked or closed.
func (s *Session) SaveSharedLink(ctx context.Context, l record.SharedLink) (record.SharedLink, error) {
	if l.ID == "" {
		l.ID = record.NewID()
	}
	if l.Created.IsZero() {
		l.Created = s.now()
	}
	err := s.write(ctx, func() error {
		if err := s.v.Put(ctx, vault.Record{ID: l.ID, Header: record.EncodeSharedLink(l)}); err != nil {
			return err
		}
		s.mu.Lock()
		s.shared[l.ID] = l
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		return record.SharedLink{}, err
	}
	return l, nil
}
