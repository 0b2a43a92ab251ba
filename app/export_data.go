package ui

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/session"
)

// xpData gathers what an export needs, like session.Data, but without
// parsing every resource again: the book already knows each entry's
// resource type and id, and the vault's bodies are the resources' JSON,
// authenticated when decrypted. On a long record this saves parsing every
// resource (most of the time session.Data takes). The bodies the book does
// not hold are read with one Vault.Bodies, a pack at a time, rather than
// one Body per entry.
func xpData(ctx context.Context, s *session.Session) (exportdata.Data, error) {
	d := xpHeaderData(s)
	return d, xpLoadBodies(ctx, s, &d)
}

// xpLoadBodies reads what d (headers, as xpHeaderData gives) lacks for an
// export: each profile's Patient and the resources of its entries.
func xpLoadBodies(ctx context.Context, s *session.Session, d *exportdata.Data) error {
	v := s.Vault()
	for i, p := range d.Profiles {
		if len(p.Patient.JSON) == 0 {
			if body, err := v.Body(ctx, p.ID); err == nil && len(body) > 0 {
				if r, err := fhir.Parse(body); err == nil {
					d.Profiles[i].Patient = r
				}
			}
		}
	}
	var need []int // indices in d.Entries of the entries needing their body
	for i, e := range d.Entries {
		if len(e.Resource.JSON) == 0 || e.Resource.Type == "" {
			need = append(need, i)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ids := make([]string, len(need))
	for j, i := range need {
		ids[j] = d.Entries[i].ID
	}
	bodies, err := v.Bodies(ctx, ids)
	if err != nil {
		return err
	}
	for j, i := range need {
		e := &d.Entries[i]
		if e.Resource.Type != "" {
			e.Resource.JSON = bodies[j]
		} else if e.Resource, err = record.DecodeBody(bodies[j]); err != nil {
			return err
		}
	}
	return nil
}

// xpPrefetch is xpData started ahead of time.
type xpPrefetch struct {
	s    *session.Session
	done chan struct{}
	data exportdata.Data
	err  error
}

// startXPPrefetch starts reading s's records for an export in the
// background (nil without a session).
func startXPPrefetch(ctx app.Context, s *session.Session) *xpPrefetch {
	if s == nil {
		return nil
	}
	p := &xpPrefetch{s: s, done: make(chan struct{})}
	ctx.Async(func() {
		p.data, p.err = xpData(ctx, s)
		close(p.done)
	})
	return p
}

// get returns the records read ahead for s, waiting for them, or reads
// them now when none were (or they failed, or were for another session).
func (p *xpPrefetch) get(ctx context.Context, s *session.Session) (exportdata.Data, error) {
	if p != nil && p.s == s {
		select {
		case <-p.done:
		case <-ctx.Done():
			return exportdata.Data{}, ctx.Err()
		}
		if p.err == nil {
			return p.data, nil
		}
	}
	return xpData(ctx, s)
}

// xpStages is one progress bar over an export's two stages: the page
// reading the selected files out of the vault, then the worker writing the
// file (export.Write's work: its records twice, and the files again).
type xpStages struct {
	progress    func(done, total int64)
	files, rest int64 // the first stage's bytes, the second's
	read        int64
}

func newXPStages(d exportdata.Data, progress func(done, total int64)) *xpStages {
	s := &xpStages{progress: progress}
	for _, f := range d.Files {
		s.files += f.Size
	}
	s.rest = s.files
	for _, e := range d.Entries {
		s.rest += 2 * int64(len(e.Resource.JSON))
	}
	return s
}

// gathered counts n more bytes of the files read.
func (s *xpStages) gathered(n int64) {
	s.read += n
	if s.progress != nil {
		s.progress(min(s.read, s.files), s.files+s.rest)
	}
}

// writing is the second stage's progress, after the first.
func (s *xpStages) writing(done, total int64) {
	if s.progress != nil {
		s.progress(s.files+done, s.files+total)
	}
}
