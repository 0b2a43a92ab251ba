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

	// Manifest links (SMART Health Links without "U") only.
	Kind     string      `json:"kind,omitempty"`     // "" a direct file; LinkManifest; LinkWallet
	Flag     string      `json:"flag,omitempty"`     // SHL flags: "L", "P", "LP"
	Choice   *LinkChoice `json:"choice,omitempty"`   // what an "L" link shares, chosen again at each update
	Profile  string      `json:"profile,omitempty"`  // a wallet card's person
	Hash     string      `json:"hash,omitempty"`     // SHA-256 of what was uploaded last (hex)
	Uploaded time.Time   `json:"uploaded,omitempty"` // when it was
}

// Kinds of SharedLink.
const (
	LinkManifest = "manifest" // a manifest link made on the share page
	LinkWallet   = "wallet"   // a wallet card's emergency information
)

// LinkChoice is what a link kept up to date shares, in the terms the
// person chose it (not as entry ids), so that new entries of a chosen kind
// are shared too.
type LinkChoice struct {
	Scope     string   `json:"scope"`              // "all", "summary" or "custom"
	Profiles  []string `json:"profiles,omitempty"` // empty: everyone
	Kinds     []Kind   `json:"kinds,omitempty"`
	LastVisit bool     `json:"lastVisit,omitempty"`
	Summary   bool     `json:"summary,omitempty"`
	// Files are the files chosen one by one (custom); the files attached
	// to the shared entries go too, unless NoFiles: the person chose a
	// link without files (they would not fit).
	Files   []string `json:"files,omitempty"`
	NoFiles bool     `json:"noFiles,omitempty"`
}

// EncodeSharedLink encodes a share link (header only).
func EncodeSharedLink(l SharedLink) []byte { return marshalHeader(RecordShared, l) }

// SortSharedLinks orders links newest first.
func SortSharedLinks(ls []SharedLink) {
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].Created.After(ls[j].Created) })
}
