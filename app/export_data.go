package ui

import (
	"context"

	"backpack/internal/export"
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
func xpData(ctx context.Context, s *session.Session) (export.Data, error) {
	var d export.Data
	b := s.Book()
	v := s.Vault()
	d.Profiles = b.Profiles()
	var need []int // indices in d.Entries of the entries needing their body
	for i, p := range d.Profiles {
		if len(p.Patient.JSON) == 0 {
			if body, err := v.Body(ctx, p.ID); err == nil && len(body) > 0 {
				if r, err := fhir.Parse(body); err == nil {
					d.Profiles[i].Patient = r
				}
			}
		}
		page, _ := b.Timeline(record.Filter{Profile: p.ID}, 0, -1)
		for _, e := range page {
			if len(e.Resource.JSON) == 0 || e.Resource.Type == "" {
				need = append(need, len(d.Entries))
			}
			d.Entries = append(d.Entries, e)
		}
		d.Files = append(d.Files, b.Files(p.ID)...)
		d.Questions = append(d.Questions, b.Questions(p.ID)...)
	}
	if err := ctx.Err(); err != nil {
		return d, err
	}
	ids := make([]string, len(need))
	for j, i := range need {
		ids[j] = d.Entries[i].ID
	}
	bodies, err := v.Bodies(ctx, ids)
	if err != nil {
		return d, err
	}
	for j, i := range need {
		e := &d.Entries[i]
		if e.Resource.Type != "" {
			e.Resource.JSON = bodies[j]
		} else if e.Resource, err = record.DecodeBody(bodies[j]); err != nil {
			return d, err
		}
	}
	return d, nil
}
