package session

import (
	"context"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// Connections returns the health systems this vault signed in to.
func (s *Session) Connections() []record.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]record.Connection, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	record.SortConnections(out)
	return out
}

// Connection returns one connection by id.
func (s *Session) Connection(id string) (record.Connection, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[id]
	return c, ok
}

// SaveConnection stores a connection, tokens included, encrypted in the
// vault (a new one gets an id and its creation time).
func (s *Session) SaveConnection(ctx context.Context, c record.Connection) (record.Connection, error) {
	if c.ID == "" {
		c.ID = record.NewID()
	}
	if c.Created.IsZero() {
		c.Created = s.now()
	}
	err := s.write(ctx, func() error {
		if err := s.v.Put(ctx, vault.Record{ID: c.ID, Header: record.EncodeConnection(c)}); err != nil {
			return err
		}
		s.mu.Lock()
		s.conns[c.ID] = c
		s.mu.Unlock()
		return nil
	})
	if err != nil {
		return record.Connection{}, err
	}
	return c, nil
}

// DeleteConnection forgets a connection and its tokens (the entries it
// brought in stay).
func (s *Session) DeleteConnection(ctx context.Context, id string) error {
	return s.write(ctx, func() error {
		if err := s.v.Delete(ctx, id); err != nil {
			return err
		}
		s.mu.Lock()
		delete(s.conns, id)
		s.mu.Unlock()
		return nil
	})
}
