package exportdata

import "errors"

// Errors of an export's reader (internal/export's Read). Each has a message
// for people in the i18n catalog; see ErrorKey.
var (
	ErrWrongPassphrase = errors.New("export: wrong passphrase")
	ErrWrongKey        = errors.New("export: the file was not encrypted to this key")
	ErrNeedsPassphrase = errors.New("export: the file was encrypted with a passphrase, not to a key")
	ErrNeedsKey        = errors.New("export: the file was encrypted to a key, not with a passphrase")
	ErrNotExport       = errors.New("export: not a Backpack export")
	ErrTruncated       = errors.New("export: the file is incomplete")
	ErrCorrupt         = errors.New("export: the file is damaged")
	ErrNewerVersion    = errors.New("export: made by a newer version of Backpack")
)

// ErrTooLarge is returned for an export bigger than the reader's limits
// (more records, files or bytes than Backpack opens on a phone), and by
// MemFiles past MemFilesLimit.
var ErrTooLarge = errors.New("export: the file is larger than Backpack can open")

// ErrNoFileSource is returned when files are selected but no FileSource given.
var ErrNoFileSource = errors.New("export: files are selected but no file source was given")

// Errors about keys and passphrases. They never contain key material.
var (
	ErrEmptyPassphrase = errors.New("export: the passphrase is empty")
	ErrNoRecipient     = errors.New("export: no passphrase or public key given")
	ErrBadKey          = errors.New("export: this is not an OpenPGP public key")
	ErrPrivateKey      = errors.New("export: this is a private key; use the provider's public key")
	ErrPublicKeyOnly   = errors.New("export: this is a public key; opening an export needs the private key")
	ErrKeyExpired      = errors.New("export: the key has expired")
	ErrKeyRevoked      = errors.New("export: the key has been revoked")
	ErrKeyNoEncryption = errors.New("export: the key cannot be used for encryption")
	ErrKeyPassphrase   = errors.New("export: wrong or missing passphrase for the private key")
)

// ErrorKey returns the i18n catalog key of a message for people explaining
// err, for any error Write, Read or the Recipient and Identity constructors
// return; "export.err.other" when err is none of them.
func ErrorKey(err error) string {
	for _, k := range []struct {
		err error
		key string
	}{
		{ErrWrongPassphrase, "export.err.wrongpass"},
		{ErrWrongKey, "export.err.wrongkey"},
		{ErrNeedsPassphrase, "export.err.needspass"},
		{ErrNeedsKey, "export.err.needskey"},
		{ErrNotExport, "export.err.notexport"},
		{ErrTruncated, "export.err.truncated"},
		{ErrCorrupt, "export.err.corrupt"},
		{ErrNewerVersion, "export.err.newer"},
		{ErrTooLarge, "export.err.toolarge"},
		{ErrEmptyPassphrase, "export.err.emptypass"},
		{ErrNoRecipient, "export.err.norecipient"},
		{ErrBadKey, "export.err.badkey"},
		{ErrPrivateKey, "export.err.privatekey"},
		{ErrPublicKeyOnly, "export.err.publickey"},
		{ErrKeyExpired, "export.err.expired"},
		{ErrKeyRevoked, "export.err.revoked"},
		{ErrKeyNoEncryption, "export.err.noencrypt"},
		{ErrKeyPassphrase, "export.err.keypass"},
		{ErrNoFileSource, "export.err.other"},
	} {
		if errors.Is(err, k.err) {
			return k.key
		}
	}
	return "export.err.other"
}
