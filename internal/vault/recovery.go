package vault

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
)

// A recovery key is 128 random bits and a 32-bit checksum, written as 8
// groups of 4 base32 letters and digits: ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567.
// The checksum tells a typo ("mistyped") from a wrong key.
const (
	recoverySecretSize = 16
	recoveryCheckSize  = 4
)

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func recoveryChecksum(secret []byte) []byte {
	h := sha256.Sum256(append([]byte("backpack recovery key\x00"), secret...))
	return h[:recoveryCheckSize]
}

func formatRecoveryKey(secret []byte) string {
	raw := append(append([]byte{}, secret...), recoveryChecksum(secret)...)
	s := recoveryEncoding.EncodeToString(raw) // 20 bytes -> 32 characters
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i : i+4])
	}
	return b.String()
}

// parseRecoveryKey accepts any case, spaces and dashes, and the look-alikes
// 0, 1 and 8 for O, I and B. It returns ErrRecoveryKeyTypo for a malformed
// key or a bad checksum.
func parseRecoveryKey(key string) ([]byte, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(key) {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\n' || r == '\r':
		case r == '0':
			b.WriteByte('O')
		case r == '1':
			b.WriteByte('I')
		case r == '8':
			b.WriteByte('B')
		case r < 128:
			b.WriteRune(r)
		default:
			return nil, ErrRecoveryKeyTypo
		}
	}
	if b.Len() != 32 {
		return nil, ErrRecoveryKeyTypo
	}
	raw, err := recoveryEncoding.DecodeString(b.String())
	if err != nil || len(raw) != recoverySecretSize+recoveryCheckSize {
		return nil, ErrRecoveryKeyTypo
	}
	secret, sum := raw[:recoverySecretSize], raw[recoverySecretSize:]
	if subtle.ConstantTimeCompare(sum, recoveryChecksum(secret)) != 1 {
		return nil, ErrRecoveryKeyTypo
	}
	return secret, nil
}

// ValidRecoveryKey reports whether key is well formed (checksum included),
// so a form can flag a typo before trying to unlock.
func ValidRecoveryKey(key string) bool {
	_, err := parseRecoveryKey(key)
	return err == nil
}
