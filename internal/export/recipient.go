package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/gopenpgp/v2/constants"
	"github.com/ProtonMail/gopenpgp/v2/crypto"

	"backpack/internal/exportdata"
	"backpack/internal/seipd"
)

// Errors about keys and passphrases (exportdata's). They never contain key
// material.
var (
	ErrEmptyPassphrase = exportdata.ErrEmptyPassphrase
	ErrNoRecipient     = exportdata.ErrNoRecipient
	ErrBadKey          = exportdata.ErrBadKey
	ErrPrivateKey      = exportdata.ErrPrivateKey
	ErrPublicKeyOnly   = exportdata.ErrPublicKeyOnly
	ErrKeyExpired      = exportdata.ErrKeyExpired
	ErrKeyRevoked      = exportdata.ErrKeyRevoked
	ErrKeyNoEncryption = exportdata.ErrKeyNoEncryption
	ErrKeyPassphrase   = exportdata.ErrKeyPassphrase
)

// Recipient is who can open an export: anyone with a passphrase, or the
// holder of the private key matching a public key.
type Recipient struct {
	passphrase []byte
	key        *crypto.KeyRing
	fpr        string
}

// Passphrase returns a recipient for a passphrase, used as given (GnuPG
// will ask for exactly these characters).
func Passphrase(p string) (Recipient, error) {
	if strings.TrimSpace(p) == "" {
		return Recipient{}, ErrEmptyPassphrase
	}
	return Recipient{passphrase: []byte(p)}, nil
}

// PublicKey returns a recipient for an armored (or binary) OpenPGP public
// key, as pasted or loaded from a .asc file. It refuses, each with its own
// error, text that is not a key, a private key pasted by mistake, and keys
// that are expired, revoked or have no encryption subkey.
func PublicKey(armored string) (Recipient, error) {
	key, err := parseKey(armored)
	if err != nil {
		return Recipient{}, err
	}
	if key.IsPrivate() {
		return Recipient{}, ErrPrivateKey
	}
	if err := usable(key); err != nil {
		return Recipient{}, err
	}
	kr, err := crypto.NewKeyRing(key)
	if err != nil {
		return Recipient{}, ErrBadKey
	}
	return Recipient{key: kr, fpr: strings.ToUpper(key.GetFingerprint())}, nil
}

// Fingerprint is the public key's fingerprint in upper-case hex, for the UI
// to show before exporting; empty for a passphrase.
func (r Recipient) Fingerprint() string { return r.fpr }

// IsPassphrase reports whether r encrypts with a passphrase.
func (r Recipient) IsPassphrase() bool { return r.passphrase != nil }

func parseKey(text string) (*crypto.Key, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, ErrBadKey
	}
	var key *crypto.Key
	var err error
	if strings.HasPrefix(text, "-----BEGIN PGP") {
		key, err = crypto.NewKeyFromArmored(text)
	} else {
		key, err = crypto.NewKey([]byte(text))
	}
	if err != nil || key == nil || key.GetEntity() == nil {
		return nil, ErrBadKey
	}
	return key, nil
}

func usable(key *crypto.Key) error {
	e := key.GetEntity()
	if e.PrimaryIdentity() == nil {
		return ErrBadKey
	}
	if key.IsRevoked() {
		return ErrKeyRevoked
	}
	if key.IsExpired() {
		return ErrKeyExpired
	}
	if !key.CanEncrypt() {
		// Every encryption subkey may have expired on its own.
		if hasExpiredEncryptionSubkey(e, crypto.GetTime()) {
			return ErrKeyExpired
		}
		return ErrKeyNoEncryption
	}
	return nil
}

func hasExpiredEncryptionSubkey(e *openpgp.Entity, now time.Time) bool {
	for _, s := range e.Subkeys {
		if s.Sig != nil && s.Sig.FlagsValid && (s.Sig.FlagEncryptCommunications || s.Sig.FlagEncryptStorage) &&
			s.PublicKey.KeyExpired(s.Sig, now) {
			return true
		}
	}
	return false
}

// encrypt starts the OpenPGP message on w and returns the writer for its
// literal data. Closing it finishes the message. The message is a v4 SKESK
// (passphrase) or v3 PKESK packets (public key) for a fresh AES-256 session
// key, then a SEIPD v1 packet (internal/seipd, fast in the browser) holding
// one binary literal data packet named name.
func (r Recipient) encrypt(w io.Writer, name string, mod time.Time) (io.WriteCloser, error) {
	sk, err := crypto.GenerateSessionKeyAlgo(constants.AES256)
	if err != nil {
		return nil, fmt.Errorf("export: session key: %w", err)
	}
	switch {
	case r.passphrase != nil:
		err = writeSKESK(w, r.passphrase, sk.Key)
	case r.key != nil:
		var head []byte
		if head, err = r.key.EncryptSessionKey(sk); err == nil {
			_, err = w.Write(head)
		}
	default:
		return nil, ErrNoRecipient
	}
	if err != nil {
		return nil, fmt.Errorf("export: session key packet: %w", err)
	}
	enc, err := seipd.NewWriter(w, sk.Key)
	if err != nil {
		return nil, err
	}
	lit, err := seipd.NewLiteral(enc, name, mod)
	if err != nil {
		return nil, err
	}
	return &messageWriter{lit: lit, enc: enc}, nil
}

// messageWriter is the literal data of an export; Close ends the literal
// packet and then the encrypted one.
type messageWriter struct {
	lit *seipd.Literal
	enc *seipd.Writer
}

func (m *messageWriter) Write(p []byte) (int, error) { return m.lit.Write(p) }

func (m *messageWriter) Close() error {
	if err := m.lit.Close(); err != nil {
		return err
	}
	return m.enc.Close()
}

// Identity is what opens an export: the passphrase, or the private key of
// the public key it was encrypted to.
type Identity struct {
	passphrase []byte
	keys       openpgp.EntityList
}

// PassphraseIdentity opens exports encrypted with passphrase p. Read also
// tries p lower-cased with its words joined by hyphens, so a generated
// passphrase typed with spaces or capitals still opens.
func PassphraseIdentity(p string) Identity { return Identity{passphrase: []byte(p)} }

// PrivateKeyIdentity opens exports encrypted to the public half of an
// armored private key. keyPassphrase unlocks the key when it is protected.
func PrivateKeyIdentity(armored, keyPassphrase string) (Identity, error) {
	key, err := parseKey(armored)
	if err != nil {
		return Identity{}, err
	}
	if !key.IsPrivate() {
		return Identity{}, ErrPublicKeyOnly
	}
	locked, err := key.IsLocked()
	if err != nil {
		return Identity{}, ErrBadKey
	}
	if locked {
		if keyPassphrase == "" {
			return Identity{}, ErrKeyPassphrase
		}
		key, err = key.Unlock([]byte(keyPassphrase))
		if err != nil {
			return Identity{}, ErrKeyPassphrase
		}
	}
	return Identity{keys: openpgp.EntityList{key.GetEntity()}}, nil
}

// passphrases returns the passphrases Read tries, in order.
func (id Identity) passphrases() [][]byte {
	if id.passphrase == nil {
		return nil
	}
	out := [][]byte{id.passphrase}
	if n := exportdata.NormalizePassphrase(string(id.passphrase)); n != string(id.passphrase) {
		out = append(out, []byte(n))
	}
	return out
}
