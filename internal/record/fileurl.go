package record

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// FileURL is the attachment.url with which a stored FHIR resource points at
// a file of the record instead of holding its bytes (imports take embedded
// documents out into files): an RFC 6920 named-information URI of the
// file's SHA-256 (FileInfo.SHA256), so it names the same bytes whatever
// the file is called or where it is stored. Exports replace it with the
// file's path in the archive.
func FileURL(sha256hex string) string {
	b, err := hex.DecodeString(sha256hex)
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	return fileURLPrefix + base64.RawURLEncoding.EncodeToString(b)
}

const fileURLPrefix = "ni:///sha-256;"

// FileSHA256 is the hex SHA-256 a FileURL names, or "".
func FileSHA256(url string) string {
	s, ok := strings.CutPrefix(url, fileURLPrefix)
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	return hex.EncodeToString(b)
}
