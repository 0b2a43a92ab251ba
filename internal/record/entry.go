// Package record is the health record: profiles, entries (each a FHIR R4
// resource plus a small projection for lists and search), personal notes,
// error flags, files and provenance. Pure Go; the vault stores it encrypted.
package record

import (
	"time"

	"backpack/internal/fhir"
)

// Kind is what an entry is, as a person thinks of it.
type Kind string

const (
	KindVisit            Kind = "visit"             // Encounter
	KindLab              Kind = "lab"               // Observation (laboratory)
	KindVital            Kind = "vital"             // Observation (vital-signs)
	KindMedication       Kind = "medication"        // MedicationStatement / MedicationRequest
	KindAllergy          Kind = "allergy"           // AllergyIntolerance
	KindCondition        Kind = "condition"         // Condition
	KindImmunization     Kind = "immunization"      // Immunization
	KindProcedure        Kind = "procedure"         // Procedure
	KindImaging          Kind = "imaging"           // ImagingStudy / DiagnosticReport (imaging)
	KindClinicianNote    Kind = "clinician-note"    // DocumentReference / Composition (clinical note)
	KindCareTeam         Kind = "care-team"         // Practitioner / PractitionerRole / Organization
	KindInsurance        Kind = "insurance"         // Coverage
	KindEmergencyContact Kind = "emergency-contact" // RelatedPerson
	KindDocument         Kind = "document"          // DocumentReference with a file (PDF, image…)
	KindReport           Kind = "report"            // DiagnosticReport (non-imaging)
	KindSocial           Kind = "social-history"    // Observation (social-history)
	KindCarePlan         Kind = "care-plan"         // CarePlan / Goal / ServiceRequest
	KindFamilyHistory    Kind = "family-history"    // FamilyMemberHistory
	KindDevice           Kind = "device"            // DeviceUseStatement / Device (equipment, implants)
	KindAssessment       Kind = "assessment"        // Observation (functional, cognitive status, questionnaires)
	KindBilling          Kind = "billing"           // Claim, ExplanationOfBenefit, Invoice… (see BillingTypes)
	KindOther            Kind = "other"             // anything else, kept whole
)

// Kinds lists every kind in display order.
var Kinds = []Kind{
	KindVisit, KindLab, KindVital, KindMedication, KindAllergy, KindCondition,
	KindImmunization, KindProcedure, KindImaging, KindClinicianNote, KindReport,
	KindDocument, KindCareTeam, KindInsurance, KindEmergencyContact, KindSocial,
	KindCarePlan, KindFamilyHistory, KindDevice, KindAssessment, KindBilling, KindOther,
}

// HiddenKinds are left out of the timeline and the summary unless asked
// for: billing crowds a record (thousands of claims) but says little about
// health. Every export still holds them.
var HiddenKinds = []Kind{KindBilling}

// Profile is one person whose record is kept: the owner or a family member.
type Profile struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	BirthDate    string        `json:"birthDate,omitempty"`    // YYYY-MM-DD or partial
	Relationship string        `json:"relationship,omitempty"` // "self", "child", "parent", "partner", "other"
	Patient      fhir.Resource `json:"patient,omitempty"`      // FHIR Patient, canonical
	Created      time.Time     `json:"created"`
}

// Code is one coded concept (system + code + display).
type Code struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Projection is what lists, timeline, search and the summary need, derived
// from the FHIR resource. It is small so that every header fits in memory.
type Projection struct {
	Kind Kind      `json:"kind"`
	Date time.Time `json:"date,omitempty"` // effective / onset / visit start
	// DatePrecision is "year" or "month" when the source date was partial
	// ("2019", "2019-05"); empty for a full date.
	DatePrecision string    `json:"datePrecision,omitempty"`
	End           time.Time `json:"end,omitempty"` // stop date, visit end
	Title         string    `json:"title"`         // e.g. "Hemoglobin A1c", "Penicillin allergy"
	Codes         []Code    `json:"codes,omitempty"`
	Text          string    `json:"text,omitempty"`   // one-line detail: value, dose, reaction…
	Status        string    `json:"status,omitempty"` // active, resolved, stopped, completed…
	Value         *float64  `json:"value,omitempty"`  // numeric result, for trends
	// Value2 is the second number of a pair shown "Value/Value2" in Unit:
	// the diastolic of a blood pressure (Value is the systolic).
	Value2 *float64 `json:"value2,omitempty"`
	// Comparator is the Quantity's comparator ("<", "<=", ">=", ">"), shown
	// before the value: "< 0.5" is not 0.5.
	Comparator string   `json:"comparator,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	RefLow     *float64 `json:"refLow,omitempty"`
	RefHigh    *float64 `json:"refHigh,omitempty"`
	// Interp is the result's flag: H, L, HH, LL, AA, A or N (see
	// InterpFlag), else the source's own words for it.
	Interp string `json:"interp,omitempty"`
	Who    string `json:"who,omitempty"` // provider / performer / organization
}

// Note is a personal note on an entry ("my takeaways").
type Note struct {
	ID      string    `json:"id"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
}

// ErrorFlag marks an entry as possibly wrong, for an amendment request.
type ErrorFlag struct {
	Note    string    `json:"note"`
	Created time.Time `json:"created"`
	Status  string    `json:"status,omitempty"` // "open", "requested", "corrected", "declined"
}

// Provenance says where an entry came from.
type Provenance struct {
	Source     string    `json:"source,omitempty"`     // "manual", "fhir", "ndjson", "ips", "ccda", "shc", "restore"
	File       string    `json:"file,omitempty"`       // file name it was imported from
	System     string    `json:"system,omitempty"`     // source system / author organization
	ImportedAt time.Time `json:"importedAt,omitempty"` // when it came in
	Verified   *bool     `json:"verified,omitempty"`   // SMART Health Card signature check
}

// Entry is one item of a profile's record.
type Entry struct {
	ID       string        `json:"id"`      // random vault id
	Profile  string        `json:"profile"` // Profile.ID
	Resource fhir.Resource `json:"resource"`
	Projection
	Notes      []Note     `json:"notes,omitempty"`
	Flag       *ErrorFlag `json:"flag,omitempty"`
	Files      []string   `json:"files,omitempty"` // ids of attached files
	Provenance Provenance `json:"provenance"`
	Identity   string     `json:"identity,omitempty"` // stable key for de-duplication across imports
	Created    time.Time  `json:"created"`
	Updated    time.Time  `json:"updated"`
	Deleted    time.Time  `json:"deleted,omitempty"` // soft delete (trash); zero when live
}

// FileInfo describes a stored file; its bytes live in the vault as encrypted chunks.
type FileInfo struct {
	ID      string    `json:"id"`
	Profile string    `json:"profile"`
	Name    string    `json:"name"`
	Type    string    `json:"type"` // MIME type
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"` // hex, of the plaintext
	Created time.Time `json:"created"`
}

// Question is one question for the next visit with a provider.
type Question struct {
	ID       string    `json:"id"`
	Profile  string    `json:"profile"`
	Provider string    `json:"provider"` // care-team entry id or free text
	Text     string    `json:"text"`
	Done     bool      `json:"done,omitempty"`
	Created  time.Time `json:"created"`
}
