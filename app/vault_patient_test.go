package ui

import (
	"encoding/json"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

func TestCheckProfileBirth(t *testing.T) {
	today := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in, out string
		err     error
	}{
		{"", "", nil},
		{" 1987-03-14 ", "1987-03-14", nil},
		{"1987-03", "1987-03", nil},
		{"1987", "1987", nil},
		{"1987-3-14", "", errProfileBirth},
		{"1987-02-30", "", errProfileBirth},
		{"1987-03-14T10:00:00Z", "", errProfileBirth},
		{"14/03/1987", "", errProfileBirth},
		{"abcd", "", errProfileBirth},
		{"0000", "", errProfileBirth},
		{"2026-01-01", "", errProfileBirthFuture},
		{"2025-06-01", "2025-06-01", nil},
	} {
		got, err := checkProfileBirth(c.in, today)
		if got != c.out || err != c.err {
			t.Errorf("checkProfileBirth(%q) = %q, %v; want %q, %v", c.in, got, err, c.out, c.err)
		}
	}
}

func TestCheckProfileName(t *testing.T) {
	if _, err := checkProfileName("  \t "); err != errProfileName {
		t.Errorf("blank name: %v", err)
	}
	if got, err := checkProfileName("  Ana   María "); err != nil || got != "Ana María" {
		t.Errorf("got %q, %v", got, err)
	}
	long := make([]rune, maxProfileName+1)
	for i := range long {
		long[i] = 'é'
	}
	if _, err := checkProfileName(string(long)); err != errProfileNameLong {
		t.Errorf("long name: %v", err)
	}
}

func TestCheckProfileRel(t *testing.T) {
	for _, r := range profileRelationships {
		if checkProfileRel(r) != nil {
			t.Errorf("%s refused", r)
		}
	}
	if checkProfileRel("boss") == nil || checkProfileRel("") == nil {
		t.Error("unknown relationship accepted")
	}
}

func TestProfilePatientNew(t *testing.T) {
	r, err := profilePatient(record.Profile{}, "p1", "Ana Pérez", "1990-02")
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != "Patient" || r.ID != "p1" {
		t.Fatalf("got %s/%s", r.Type, r.ID)
	}
	want := `{"birthDate":"1990-02","id":"p1","name":[{"text":"Ana Pérez"}],"resourceType":"Patient"}`
	if string(r.JSON) != want {
		t.Errorf("got %s\nwant %s", r.JSON, want)
	}
	p, err := record.ProfileFromPatient(r)
	if err != nil || p.Name != "Ana Pérez" || p.BirthDate != "1990-02" {
		t.Errorf("round trip: %+v %v", p, err)
	}
	r, _ = profilePatient(record.Profile{}, "p2", "Bo", "")
	if string(r.JSON) != `{"id":"p2","name":[{"text":"Bo"}],"resourceType":"Patient"}` {
		t.Errorf("no birth date: %s", r.JSON)
	}
}

func TestProfilePatientImported(t *testing.T) {
	src := `{"resourceType":"Patient","id":"imp-7","gender":"female","name":[{"family":"Pérez","given":["Ana"]}],"birthDate":"1990-02-03"}`
	res, err := fhir.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := record.ProfileFromPatient(res)
	// Same name, new birth date: the structured name and other fields stay.
	r, err := profilePatient(prof, "new", prof.Name, "1990-02-04")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(r.JSON, &m)
	if m["id"] != "imp-7" || m["gender"] != "female" || m["birthDate"] != "1990-02-04" {
		t.Errorf("got %s", r.JSON)
	}
	if n := m["name"].([]any)[0].(map[string]any); n["family"] != "Pérez" {
		t.Errorf("structured name lost: %s", r.JSON)
	}
	// A new name replaces the structured one.
	r, _ = profilePatient(prof, "new", "Ana P. Ruiz", "")
	json.Unmarshal(r.JSON, &m)
	m = map[string]any{}
	json.Unmarshal(r.JSON, &m)
	if _, ok := m["birthDate"]; ok {
		t.Errorf("birth date kept after clearing: %s", r.JSON)
	}
	if p, _ := record.ProfileFromPatient(r); p.Name != "Ana P. Ruiz" {
		t.Errorf("renamed: %s", r.JSON)
	}
}
