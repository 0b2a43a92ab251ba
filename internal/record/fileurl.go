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

// InlineTextMax is the largest plain-text or HTML attachment a resource
// keeps as data: such an attachment is the text of a note, which the entry
// shows, not a document to open. Any other attachment with data becomes a
// file when imported.
const InlineTextMax = 256 << 10

// InlineText reports whether an attachment of this media type and size
// stays in its resource (see InlineTextMax).
func InlineText(contentType string, size int) bool {
	if i := strings.IndexByte(contentType, ';'); i >= 0 {
		contentType = contentType[:i]
	}
	switch strings.ToLower(strings.TrimSpace(contentType)) {
	case "text/plain", "text/html":
		return size <= InlineTextMax
	}
	return false
}
