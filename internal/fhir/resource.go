// Package fhir holds FHIR R4 resources in their canonical JSON form.
//
// A Resource keeps the complete JSON it was read from or built as, so that
// import, storage and export are lossless: Backpack never re-encodes a
// resource through a partial Go struct.
package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Resource is one FHIR R4 resource.
type Resource struct {
	Type string          `json:"resourceType"` // e.g. "Observation"
	ID   string          `json:"id"`           // logical id, may be empty for contained/new resources
	JSON json.RawMessage `json:"resource"`     // the full resource, including resourceType and id
}

// ErrNotResource is returned for JSON that is not an object with a resourceType.
var ErrNotResource = errors.New("fhir: not a FHIR resource (no resourceType)")

// Parse reads one resource from JSON. The bytes are kept as they are.
func Parse(b []byte) (Resource, error) {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return Resource{}, fmt.Errorf("fhir: %w", err)
	}
	if head.ResourceType == "" {
		return Resource{}, ErrNotResource
	}
	return Resource{Type: head.ResourceType, ID: head.ID, JSON: append(json.RawMessage(nil), b...)}, nil
}

// FromMap builds a resource from a generic JSON object (as importers and the
// manual-entry forms produce). m must contain "resourceType".
func FromMap(m map[string]any) (Resource, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return Resource{}, fmt.Errorf("fhir: %w", err)
	}
	return Parse(b)
}

// Map decodes the resource into a generic JSON object for reading fields.
func (r Resource) Map() (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(r.JSON, &m); err != nil {
		return nil, fmt.Errorf("fhir: %w", err)
	}
	return m, nil
}
