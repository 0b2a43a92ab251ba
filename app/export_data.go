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
// resource (most of the time session.Data takes).
func xpData(ctx context.Context, s *session.Session) (export.Data, error) {
	var d export.Data
	b := s.Book()
	v := s.Vault()
	d.Profiles = b.Profiles()
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
			if err := ctx.Err(); err != nil {
				return d, err
			}
			if len(e.Resource.JSON) == 0 || e.Resource.Type == "" {
				body, err := v.Body(ctx, e.ID)
				if err != nil {
					return d, err
				}
				if e.Resource.Type != "" {
					e.Resource.JSON = body
				} else if e.Resource, err = record.DecodeBody(body); err != nil {
					return d, err
				}
			}
			d.Entries = append(d.Entries, e)
		}
		d.Files = append(d.Files, b.Files(p.ID)...)
		d.Questions = append(d.Questions, b.Questions(p.ID)...)
	}
	return d, nil
}
