package server

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
)

// IDLen is the length of a share id in characters: 128 bits in lowercase
// base32 without padding.
const IDLen = 26

// ID is a share's 128-bit random identifier.
type ID [16]byte

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrBadID is returned by ParseID for anything but a canonical id.
var ErrBadID = errors.New("share: bad id")

// NewID returns a fresh random id.
func NewID() ID {
	var id ID
	rand.Read(id[:]) // never fails since Go 1.24
	return id
}

// String returns the canonical 26-character form, which is also the id's
// file name on disk.
func (id ID) String() string { return idEncoding.EncodeToString(id[:]) }

// ParseID accepts exactly the canonical form: 26 characters from a–z and
// 2–7 whose unused low bits are zero, so ParseID(s).String() == s. Nothing
// else (upper case, padding, dots, slashes, percent escapes, NUL) gets
// through, which is what keeps request paths away from the file system.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != IDLen {
		return id, ErrBadID
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return id, ErrBadID
		}
	}
	n, err := idEncoding.Decode(id[:], []byte(s))
	if err != nil || n != len(id) || id.String() != s {
		return ID{}, ErrBadID
	}
	return id, nil
}
