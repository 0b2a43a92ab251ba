package record

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"backpack/internal/fhir"
)

// Identity is the stable de-duplication key of a resource, so that
// re-importing the same file, or one that overlaps, adds nothing twice:
//
//  1. the resource type and its first business identifier (system|value);
//  2. else the type, the source system (Provenance.System) and the
//     resource's logical id;
//  3. else a hash of type, codes, date, value and title.
//
// The key is a hash ("v1-" + 22 base64url characters): it reveals nothing itself.
func Identity(r fhir.Resource, prov Provenance) string {
	// Fast path: read only the members needed.
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Identifier   []struct {
			System string `json:"system"`
			Value  string `json:"value"`
		} `json:"identifier"`
	}
	if json.Unmarshal(r.JSON, &head) == nil {
		typ := firstNonEmpty(head.ResourceType, r.Type)
		for _, id := range head.Identifier {
			if sys, val := strings.TrimSpace(id.System), strings.TrimSpace(id.Value); sys != "" && val != "" {
				return identityHash("ident", typ, sys, val)
			}
		}
		if id := firstNonEmpty(head.ID, r.ID); id != "" {
			return identityHash("id", typ, prov.System, id)
		}
	}
	m, err := decodeObj(r.JSON)
	if err != nil {
		return identityHash("raw", r.Type, r.ID, string(r.JSON))
	}
	typ := firstNonEmpty(str(m, "resourceType"), r.Type)
	for _, id := range arr(m, "identifier") {
		sys, val := strings.TrimSpace(str(id, "system")), strings.TrimSpace(str(id, "value"))
		if sys != "" && val != "" {
			return identityHash("ident", typ, sys, val)
		}
	}
	if id := firstNonEmpty(str(m, "id"), r.ID); id != "" {
		return identityHash("id", typ, prov.System, id)
	}
	p, err := projectObj(m, typ)
	if err != nil { // a Patient without id
		return identityHash("raw", typ, string(r.JSON))
	}
	parts := []string{"content", typ, p.Title, p.Date.UTC().Format("2006-01-02T15:04:05"), p.Text}
	for _, c := range p.Codes {
		parts = append(parts, c.System+"|"+c.Code)
	}
	if p.Value != nil {
		parts = append(parts, numText(m, "valueQuantity", "value"))
	}
	return identityHash(parts...)
}

func identityHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "v1-" + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}
