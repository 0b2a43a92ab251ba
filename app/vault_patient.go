package ui

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// Relationships a profile can have to the vault's owner, in the order the
// people page offers them.
var profileRelationships = []string{"self", "child", "parent", "partner", "other"}

// maxProfileName bounds a typed name (in runes).
const maxProfileName = 200

// Profile form problems: each is an i18n key shown next to its field.
var (
	errProfileName        = errors.New("people.err.name")
	errProfileNameLong    = errors.New("people.err.namelong")
	errProfileBirth       = errors.New("people.err.birth")
	errProfileBirthFuture = errors.New("people.err.birthfuture")
	errProfileRel         = errors.New("people.err.rel")
)

// checkProfileName trims name and checks it.
func checkProfileName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return "", errProfileName
	case utf8.RuneCountInString(name) > maxProfileName:
		return "", errProfileNameLong
	}
	return name, nil
}

// checkProfileBirth accepts an empty date or a FHIR date: YYYY, YYYY-MM or
// YYYY-MM-DD, not after today.
func checkProfileBirth(s string, today time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if n := len(s); n != 4 && n != 7 && n != 10 {
		return "", errProfileBirth
	}
	t, _, ok := record.ParseDate(s)
	if !ok {
		return "", errProfileBirth
	}
	if t.After(today) {
		return "", errProfileBirthFuture
	}
	return s, nil
}

func checkProfileRel(rel string) error {
	for _, r := range profileRelationships {
		if r == rel {
			return nil
		}
	}
	return errProfileRel
}

// profilePatient returns the FHIR Patient of a profile with this name and birth
// date. A profile made by hand gets a minimal Patient (id, name, birthDate);
// an imported Patient keeps every other field, and its structured name is
// kept unless the name was changed.
func profilePatient(p record.Profile, id, name, birth string) (fhir.Resource, error) {
	m := map[string]any{}
	if len(p.Patient.JSON) > 0 {
		old, err := p.Patient.Map()
		if err != nil {
			return fhir.Resource{}, err
		}
		m = old
	}
	m["resourceType"] = "Patient"
	if s, _ := m["id"].(string); s == "" {
		m["id"] = id
	}
	if name != p.Name || m["name"] == nil {
		m["name"] = []any{map[string]any{"text": name}}
	}
	if birth == "" {
		delete(m, "birthDate")
	} else {
		m["birthDate"] = birth
	}
	return fhir.FromMap(m)
}
