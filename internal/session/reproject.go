package session

import (
	"context"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// reprojectBatch is how many entries one atomic write of Reproject holds.
const reprojectBatch = 200

// Reproject derives the projection of the book's stale entries again from
// their resources (see record.Book.Stale: billing stored as "other" before
// it had a kind of its own, results stored before header version 4) and
// stores them, a batch per atomic write, so
// their titles say what they bill for. yield, when set, runs between
// batches (the app lets the page paint). It returns how many it stored.
func (s *Session) Reproject(ctx context.Context, yield func()) (int, error) {
	ids := s.Book().Stale()
	done := 0
	for start := 0; start < len(ids); start += reprojectBatch {
		batch := ids[start:min(start+reprojectBatch, len(ids))]
		err := s.write(ctx, func() error {
			var recs []vault.Record
			var entries []record.Entry
			for _, id := range batch {
				e, ok := s.Book().Get(id)
				if !ok {
					continue // gone meanwhile
				}
				r, err := s.Resource(ctx, id)
				if err != nil {
					continue // unreadable: it stays as it is
				}
				p, err := record.Project(r)
				if err != nil {
					continue
				}
				if e.Kind != "" && p.Kind != e.Kind && e.Kind != record.KindOther && e.Kind != record.KindBilling {
					p.Kind = e.Kind // a person's choice of kind wins, as in SaveEntry
				}
				e.Projection, e.Resource = p, r
				recs = append(recs, entryRecord(e))
				e.Resource.JSON = nil // the book holds headers only
				entries = append(entries, e)
			}
			if len(recs) == 0 {
				return nil
			}
			if err := s.v.Put(ctx, recs...); err != nil {
				return err
			}
			for _, e := range entries {
				s.Book().Update(e)
			}
			done += len(entries)
			return nil
		})
		if err != nil {
			return done, err
		}
		if yield != nil {
			yield()
		}
	}
	return done, nil
}
