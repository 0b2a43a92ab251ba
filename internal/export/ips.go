package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// LOINC codes of the International Patient Summary and its sections.
const (
	LOINCPatientSummary = "60591-5"
	LOINCProblems       = "11450-4"
	LOINCPastIllness    = "11348-0"
	LOINCMedications    = "10160-0"
	LOINCAllergies      = "48765-2"
	LOINCImmunizations  = "11369-6"
	LOINCResults        = "30954-2"
	LOINCVitalSigns     = "8716-3"
)

// ErrNoProfile is returned for a profile id that is not in the data.
var ErrNoProfile = errors.New("export: no such profile")

// ipsSection describes one section: which entries go in it and whether IPS
// requires it (then it says "no information" when empty).
type ipsSection struct {
	code, title string
	required    bool
	take        func(e *record.Entry) bool
}

var resolvedStatus = map[string]bool{"resolved": true, "inactive": true, "remission": true}
var stoppedMed = map[string]bool{"stopped": true, "completed": true, "cancelled": true, "not-taken": true, "entered-in-error": true}

// IPS returns the International Patient Summary of one profile as a FHIR R4
// document Bundle: a Composition first (LOINC 60591-5), the Patient, then the
// resources its sections reference. Sections: problems (11450-4), past
// illnesses (11348-0), medications (10160-0), allergies (48765-2),
// immunizations (11369-6), results (30954-2, the latest of each test) and
// vital signs (8716-3, the latest of each). Every reference in the bundle
// resolves inside it: references to the source system's Patient point to
// the bundle's Patient, references to other records of the profile pull in
// those records when they are medications, practitioners, organizations,
// substances, devices or locations, and any other reference keeps only its
// display text.
func IPS(data Data, profileID string, now time.Time) (fhir.Resource, error) {
	b, err := ipsBundle(data, profileID, now)
	if err != nil {
		return fhir.Resource{}, err
	}
	return fhir.Parse(b)
}

// followTypes are the resource types an IPS pulls in when referenced.
var followTypes = map[string]bool{
	"Medication": true, "Practitioner": true, "PractitionerRole": true, "Organization": true,
	"Substance": true, "Device": true, "Location": true,
}

type ipsBuilder struct {
	patientURL string
	patientID  string                   // the source Patient's id, if any
	byID       map[string]*record.Entry // resource id → entry (for urn:uuid references)
	byRef      map[string]*record.Entry // "Type/id" → entry of the profile
	included   map[string]bool          // entry id → in the bundle
	order      []*record.Entry          // entries to add, in order
	resources  map[string]map[string]any
	links      map[string]string // file SHA-256 → archive path (see linkFiles)
}

func ipsBundle(data Data, profileID string, now time.Time) ([]byte, error) {
	var p *record.Profile
	for i := range data.Profiles {
		if data.Profiles[i].ID == profileID {
			p = &data.Profiles[i]
		}
	}
	if p == nil {
		return nil, ErrNoProfile
	}
	now = now.UTC().Truncate(time.Second)
	es := entriesOf(data, profileID)
	b := &ipsBuilder{
		patientURL: profileURL(p.ID),
		patientID:  p.Patient.ID,
		byID:       map[string]*record.Entry{},
		byRef:      map[string]*record.Entry{},
		included:   map[string]bool{},
		resources:  map[string]map[string]any{},
		links:      fileLinks(data.Files, filePaths(data.Files)),
	}
	for _, e := range es {
		if e.Resource.Type != "" && e.Resource.ID != "" {
			b.byRef[e.Resource.Type+"/"+e.Resource.ID] = e
			b.byID[e.Resource.ID] = e
		}
	}

	latestLab := latestPerTest(data.Entries, record.KindLab)
	latestVital := latestPerTest(data.Entries, record.KindVital)
	latestSet := func(m map[int]bool) map[*record.Entry]bool {
		s := make(map[*record.Entry]bool, len(m))
		for i := range m {
			s[&data.Entries[i]] = true
		}
		return s
	}
	labs, vitals := latestSet(latestLab), latestSet(latestVital)

	sections := []ipsSection{
		{LOINCProblems, "Problem list", true, func(e *record.Entry) bool {
			return e.Kind == record.KindCondition && !resolvedStatus[strings.ToLower(e.Status)]
		}},
		{LOINCPastIllness, "History of past illness", false, func(e *record.Entry) bool {
			return e.Kind == record.KindCondition && resolvedStatus[strings.ToLower(e.Status)]
		}},
		{LOINCMedications, "Medication summary", true, func(e *record.Entry) bool {
			return e.Kind == record.KindMedication && !stoppedMed[strings.ToLower(e.Status)]
		}},
		{LOINCAllergies, "Allergies and intolerances", true, func(e *record.Entry) bool {
			return e.Kind == record.KindAllergy
		}},
		{LOINCImmunizations, "Immunizations", false, func(e *record.Entry) bool {
			return e.Kind == record.KindImmunization && e.Status != "not-done"
		}},
		{LOINCResults, "Results", false, func(e *record.Entry) bool { return labs[e] }},
		{LOINCVitalSigns, "Vital signs", false, func(e *record.Entry) bool { return vitals[e] }},
	}

	var secJSON []any
	for _, s := range sections {
		var refs []any
		var items []string
		for _, e := range es {
			if inError(e) || len(e.Resource.JSON) == 0 || !s.take(e) {
				continue
			}
			if err := b.include(e); err != nil {
				return nil, err
			}
			refs = append(refs, map[string]any{"reference": entryURL(e.ID)})
			items = append(items, narrativeItem(e))
		}
		if len(refs) == 0 && !s.required {
			continue
		}
		sec := map[string]any{
			"title": s.title,
			"code":  map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": s.code, "display": s.title}}},
			"text":  map[string]any{"status": "generated", "div": narrative(items)},
		}
		if len(refs) > 0 {
			sec["entry"] = refs
		} else {
			sec["emptyReason"] = map[string]any{
				"coding": []any{map[string]any{
					"system":  "http://terminology.hl7.org/CodeSystem/list-empty-reason",
					"code":    "unavailable",
					"display": "Unavailable",
				}},
				"text": "No information recorded in Backpack",
			}
		}
		secJSON = append(secJSON, sec)
	}
	// Resolve references, pulling in referenced records as needed.
	for i := 0; i < len(b.order); i++ {
		e := b.order[i]
		b.rewrite(b.resources[e.ID])
	}

	patient := builtPatient(p)
	if p.Patient.Type == "Patient" && isObject(p.Patient.JSON) {
		if m, err := p.Patient.Map(); err == nil {
			patient = m
			b.rewrite(patient)
		}
	}
	patient["id"] = nameUUID("profile", p.ID)

	compID := newUUID()
	composition := map[string]any{
		"resourceType": "Composition",
		"id":           compID,
		"status":       "final",
		"type": map[string]any{"coding": []any{map[string]any{
			"system": "http://loinc.org", "code": LOINCPatientSummary, "display": "Patient summary Document",
		}}},
		"subject": map[string]any{"reference": b.patientURL},
		"date":    now.Format(time.RFC3339),
		"author":  []any{map[string]any{"reference": b.patientURL}},
		"title":   "International Patient Summary",
		"section": secJSON,
	}
	if p.Name != "" {
		composition["subject"].(map[string]any)["display"] = p.Name
	}

	entries := []any{
		map[string]any{"fullUrl": "urn:uuid:" + compID, "resource": composition},
		map[string]any{"fullUrl": b.patientURL, "resource": patient},
	}
	for _, e := range b.order {
		entries = append(entries, map[string]any{"fullUrl": entryURL(e.ID), "resource": b.resources[e.ID]})
	}
	bundleID := newUUID()
	bundle := map[string]any{
		"resourceType": "Bundle",
		"id":           bundleID,
		"identifier":   map[string]any{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:" + bundleID},
		"type":         "document",
		"timestamp":    now.Format(time.RFC3339),
		"entry":        entries,
	}
	out, err := json.Marshal(bundle)
	if err != nil {
		return nil, fmt.Errorf("export: ips: %w", err)
	}
	return out, nil
}

// include adds an entry's resource to the bundle once, with its id set to
// its fullUrl's UUID.
func (b *ipsBuilder) include(e *record.Entry) error {
	if b.included[e.ID] {
		return nil
	}
	m, err := e.Resource.Map()
	if err != nil {
		return fmt.Errorf("export: entry %s: %w", e.ID, err)
	}
	m["id"] = nameUUID("entry", e.ID)
	b.included[e.ID] = true
	b.order = append(b.order, e)
	b.resources[e.ID] = m
	return nil
}

// rewrite points every reference in v at a resource of the bundle, or
// drops it to its display text.
func (b *ipsBuilder) rewrite(v any) {
	switch v := v.(type) {
	case map[string]any:
		if u, ok := v["url"].(string); ok {
			v["url"] = linkFile(u, b.links)
		}
		if ref, ok := v["reference"].(string); ok {
			if n, ok := b.resolve(ref); ok {
				v["reference"] = n
			} else {
				delete(v, "reference")
				if v["display"] == nil && v["identifier"] == nil {
					typ, _ := splitRef(ref)
					if typ == "" {
						typ = "unknown"
					}
					v["display"] = typ
				}
			}
		}
		for _, c := range v {
			b.rewrite(c)
		}
	case []any:
		for _, c := range v {
			b.rewrite(c)
		}
	}
}

func (b *ipsBuilder) resolve(ref string) (string, bool) {
	if strings.HasPrefix(ref, "#") {
		return ref, true
	}
	if ref == b.patientURL {
		return ref, true
	}
	var e *record.Entry
	if u, ok := strings.CutPrefix(ref, "urn:uuid:"); ok {
		// Transaction bundles (Synthea…) refer by urn:uuid:<resource id>.
		if u != "" && u == b.patientID {
			return b.patientURL, true
		}
		e = b.byID[u]
		if e == nil {
			return "", false
		}
	} else {
		typ, id := splitRef(ref)
		if typ == "" {
			return "", false
		}
		if typ == "Patient" {
			return b.patientURL, true
		}
		e = b.byRef[typ+"/"+id]
	}
	if e == nil {
		return "", false
	}
	typ := e.Resource.Type
	if inError(e) {
		return "", false
	}
	if !b.included[e.ID] {
		if !followTypes[typ] {
			return "", false
		}
		if err := b.include(e); err != nil {
			return "", false
		}
	}
	return entryURL(e.ID), true
}

// splitRef returns the type and id of a relative or absolute RESTful
// reference ("Observation/1", "https://x/fhir/Observation/1/_history/2").
func splitRef(ref string) (typ, id string) {
	if strings.HasPrefix(ref, "urn:") {
		return "", ""
	}
	parts := strings.Split(ref, "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		parts = parts[:n-2]
	}
	n := len(parts)
	if n < 2 {
		return "", ""
	}
	typ, id = parts[n-2], parts[n-1]
	if typ == "" || id == "" || typ[0] < 'A' || typ[0] > 'Z' {
		return "", ""
	}
	return typ, id
}

func narrativeItem(e *record.Entry) string {
	s := e.Title
	if s == "" {
		s = string(e.Kind)
	}
	if r := e.ResultText(); r != "" {
		s += " — " + r
	} else if e.NoValue() {
		s += " — no value given"
	}
	if !e.Date.IsZero() {
		s += " (" + e.Date.Format("2006-01-02") + ")"
	}
	return s
}

// narrative is a section's XHTML text.
func narrative(items []string) string {
	var sb strings.Builder
	sb.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	if len(items) == 0 {
		sb.WriteString("<p>No information recorded in Backpack.</p>")
	} else {
		sb.WriteString("<ul>")
		for _, it := range items {
			sb.WriteString("<li>")
			sb.WriteString(html.EscapeString(it))
			sb.WriteString("</li>")
		}
		sb.WriteString("</ul>")
	}
	sb.WriteString("</div>")
	return sb.String()
}
