package portal

import (
	"encoding/json"
	"errors"
	"strings"
)

// ClientsPath is where a Backpack server (serve -smart-clients FILE) and a
// static site (static -smart-clients FILE) serve the deployment's client
// ids.
const ClientsPath = "/smart-clients.json"

// Clients are the client ids a deployment registered with health systems'
// vendors, chosen by the FHIR base URL they start:
//
//	{"clients": [
//	  {"fhir": "https://fhir-myrecord.cerner.com/", "clientId": "…"},
//	  {"fhir": "https://", "clientId": "…"}
//	]}
//
// The longest matching prefix wins; with none, DefaultClientID is used (a
// sandbox that accepts any client id).
type Clients struct {
	List []Client `json:"clients"`
}

// Client is one registration.
type Client struct {
	FHIR     string `json:"fhir"`     // prefix of the FHIR base URLs it serves
	ClientID string `json:"clientId"` // as the vendor issued it
	Name     string `json:"name,omitempty"`
}

// DefaultClientID is the client id used where the deployment has none.
const DefaultClientID = "backpack"

// ErrClients is a client list Backpack cannot read.
var ErrClients = errors.New("portal: not a client list")

// ParseClients reads a client list.
func ParseClients(b []byte) (Clients, error) {
	var c Clients
	if err := json.Unmarshal(b, &c); err != nil {
		return Clients{}, ErrClients
	}
	for _, x := range c.List {
		if x.FHIR == "" || x.ClientID == "" {
			return Clients{}, ErrClients
		}
	}
	return c, nil
}

// For returns the client id for a FHIR base URL.
func (c Clients) For(fhir string) string {
	best, id := -1, DefaultClientID
	for _, x := range c.List {
		if strings.HasPrefix(fhir, x.FHIR) && len(x.FHIR) > best {
			best, id = len(x.FHIR), x.ClientID
		}
	}
	return id
}
