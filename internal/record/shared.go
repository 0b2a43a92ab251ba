package record

import (
	"sort"
	"time"
)

// SharedLink is a share link made on this device: what the share page lists
// so that the person can copy it again or revoke it later. It is stored in
// the vault like every record (encrypted), and never exported: the manage
// token and the link's key belong to this device.
type SharedLink struct {
	ID      string    `json:"id"`
	URL     string    `json:"url"`   // the ciphertext on the server
	Token   string    `json:"token"` // revokes it; empty once revoked
	Link    string    `json:"link"`  // the whole link, key in the #fragment
	Label   string    `json:"label,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Revoked bool      `json:"revoked,omitempty"`
}

// EncodeSharedLink encodes a share link (header only).
func EncodeSharedLink(l SharedLink) []byte { return marshalHeader(RecordShared, l) }

// SortSharedLinks orders links newest first.
func SortSharedLinks(ls []SharedLink) {
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].Created.After(ls[j].Created) })
}
