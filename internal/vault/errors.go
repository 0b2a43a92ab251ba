package vault

import "errors"

// Errors the UI can tell apart. MessageKey maps each to a catalog key.
var (
	ErrNoVault          = errors.New("vault: no vault in this store")
	ErrExists           = errors.New("vault: already exists")
	ErrWrongPassphrase  = errors.New("vault: wrong passphrase")
	ErrWrongRecoveryKey = errors.New("vault: wrong recovery key")
	ErrRecoveryKeyTypo  = errors.New("vault: recovery key mistyped (checksum does not match)")
	ErrEmptyPassphrase  = errors.New("vault: empty passphrase")
	ErrLocked           = errors.New("vault: locked")
	ErrCorrupt          = errors.New("vault: data failed authentication (corrupt or tampered)")
	ErrNewerSchema      = errors.New("vault: written by a newer version of Backpack")
	ErrBadID            = errors.New("vault: invalid id")
	// ErrQuota is wrapped by stores when the browser refuses a write for
	// lack of space.
	ErrQuota = errors.New("vault: storage quota exceeded")
)

// MessageKey returns the i18n catalog key (internal/i18n, catalog_vault.go)
// of the user-facing message for err, or "" when err is not a vault error.
func MessageKey(err error) string {
	for _, m := range []struct {
		err error
		key string
	}{
		{ErrNoVault, "vault.err.novault"},
		{ErrExists, "vault.err.exists"},
		{ErrWrongPassphrase, "vault.err.wrongpass"},
		{ErrWrongRecoveryKey, "vault.err.wrongrecovery"},
		{ErrRecoveryKeyTypo, "vault.err.recoverytypo"},
		{ErrEmptyPassphrase, "vault.err.emptypass"},
		{ErrLocked, "vault.err.locked"},
		{ErrCorrupt, "vault.err.corrupt"},
		{ErrNewerSchema, "vault.err.newer"},
		{ErrNotFound, "vault.err.notfound"},
		{ErrBadID, "vault.err.badid"},
		{ErrQuota, "vault.err.quota"},
		{ErrStageExpired, "vault.err.stageexpired"}, // in internal/i18n/neverlose.go
	} {
		if errors.Is(err, m.err) {
			return m.key
		}
	}
	return ""
}
