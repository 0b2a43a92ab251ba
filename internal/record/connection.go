package record

import (
	"sort"
	"time"
)

// Connection is a health system's patient portal this device signed in
// to: where it is, who the patient is there, and the tokens that let the
// app fetch the record again. It is stored in the vault like every record
// (encrypted) and never exported: the tokens belong to this device.
type Connection struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`                // the health system, as the person chose it
	FHIR      string    `json:"fhir"`                // FHIR base URL (the issuer)
	Authorize string    `json:"authorize,omitempty"` // SMART endpoints, as discovered
	TokenURL  string    `json:"tokenUrl"`
	Revoke    string    `json:"revoke,omitempty"`
	ClientID  string    `json:"clientId"`
	Scope     string    `json:"scope,omitempty"`   // as granted
	Patient   string    `json:"patient"`           // the patient's id at the health system
	Profile   string    `json:"profile,omitempty"` // the person of this vault the record goes to
	Access    string    `json:"access,omitempty"`  // access token; empty once disconnected
	Refresh   string    `json:"refresh,omitempty"` // refresh token
	Expires   time.Time `json:"expires,omitzero"`  // of the access token
	Created   time.Time `json:"created"`
	LastPull  time.Time `json:"lastPull,omitzero"` // when the record was last fetched in full or since the one before
}

// EncodeConnection encodes a connection (header only).
func EncodeConnection(c Connection) []byte { return marshalHeader(RecordConnection, c) }

// SortConnections orders connections by name, then newest first.
func SortConnections(cs []Connection) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Name != cs[j].Name {
			return cs[i].Name < cs[j].Name
		}
		return cs[i].Created.After(cs[j].Created)
	})
}
