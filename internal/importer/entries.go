package importer

import (
	"time"

	"backpack/internal/record"
)

// ToEntries turns an import into new record entries for the profile
// profileID: one per resource in res.Resources, in file order. The subject
// Patient is not an entry (it describes the profile: record.ProfileFromPatient).
// Each entry keeps its resource whole, its projection (record.Project; a
// resource that cannot be projected is kept as KindOther titled with its
// type), an Identity for de-duplication across imports (both from
// record.Derive, which reads each resource once), and its provenance:
// format, file, source system, import time and, for SMART Health Cards,
// whether the signature was verified.
func ToEntries(res Result, profileID string, now time.Time) []record.Entry {
	out := make([]record.Entry, 0, len(res.Resources))
	source := ProvenanceSource(res.Format)
	for _, r := range res.Resources {
		prov := record.Provenance{Source: source, File: res.File, System: res.Source, ImportedAt: now}
		if res.Verified != nil {
			v := *res.Verified
			prov.Verified = &v
		}
		p, identity, err := record.Derive(r, prov)
		if err != nil {
			p = record.Projection{Kind: record.KindOther, Title: r.Type}
		}
		out = append(out, record.Entry{
			ID:         record.NewID(),
			Profile:    profileID,
			Resource:   r,
			Projection: p,
			Provenance: prov,
			Identity:   identity,
			Created:    now,
			Updated:    now,
		})
	}
	return out
}

// ProvenanceSource maps a format to record.Provenance.Source.
func ProvenanceSource(f Format) string {
	switch f {
	case FormatBundle, FormatResource:
		return "fhir"
	case FormatNDJSON, FormatIPS, FormatCCDA, FormatSHC, FormatPortal:
		return string(f)
	}
	return "fhir"
}
