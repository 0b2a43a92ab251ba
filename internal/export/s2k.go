package export

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
)

// The passphrase's session-key packet (RFC 4880 §5.3): a v4 SKESK with an
// iterated and salted SHA-256 S2K, the session key encrypted under the
// derived key. It is what go-crypto and GnuPG write; it is written and read
// here so that the S2K's 16 MiB of SHA-256 run in WebCrypto in the browser
// (Go's SHA-256 in wasm takes 0.2 s for them).
const (
	tagSKESK      = 3
	s2kIterated   = 3
	hashSHA256    = 8
	cipherAES256  = 9
	s2kCountCoded = 224 // 16,777,216 bytes: go-crypto's default
)

// s2kCount decodes the S2K's one-byte count.
func s2kCount(c byte) int { return (16 + int(c&15)) << (uint32(c>>4) + 6) }

// testHookS2K, when set, is told the bytes each S2K derivation hashes.
var testHookS2K func(count int)

// s2kSHA256 is the iterated and salted S2K with SHA-256 for a key of at
// most 32 bytes: the SHA-256 of salt‖passphrase repeated to count bytes
// (at least once whole).
func s2kSHA256(pass, salt []byte, count int) []byte {
	data := append(append([]byte(nil), salt...), pass...)
	count = max(count, len(data))
	if testHookS2K != nil {
		testHookS2K(count)
	}
	if sum, ok := webIterHash(data, count); ok {
		return sum
	}
	h := sha256.New()
	for n := count; n > 0; {
		k := min(n, len(data))
		h.Write(data[:k])
		n -= k
	}
	return h.Sum(nil)
}

// writeSKESK writes a v4 SKESK packet for an AES-256 session key.
func writeSKESK(w io.Writer, pass, sessionKey []byte) error {
	return writeSKESKCount(w, pass, sessionKey, s2kCountCoded)
}

// writeSKESKCount is writeSKESK with the S2K's coded count.
func writeSKESKCount(w io.Writer, pass, sessionKey []byte, coded byte) error {
	if len(sessionKey) != 32 {
		return errors.New("export: session key must be 32 bytes")
	}
	salt := make([]byte, 8)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	kek := s2kSHA256(pass, salt, s2kCount(coded))
	b, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	esk := append([]byte{cipherAES256}, sessionKey...)
	cipher.NewCFBEncrypter(b, make([]byte, aes.BlockSize)).XORKeyStream(esk, esk)
	body := []byte{4, cipherAES256, s2kIterated, hashSHA256}
	body = append(body, salt...)
	body = append(body, coded)
	body = append(body, esk...)
	_, err = w.Write(append([]byte{0xC0 | tagSKESK, byte(len(body))}, body...))
	return err
}

// openSKESK opens a v4 SKESK packet's body with an iterated and salted
// SHA-256 S2K and an AES-256 key with pass. ok is false for any other kind
// of packet, which go-crypto then opens; key is nil for a wrong
// passphrase (the decrypted cipher byte is not AES-256).
func openSKESK(body, pass []byte) (key []byte, ok bool) {
	if len(body) != 4+8+1+1+32 || body[0] != 4 || body[1] != cipherAES256 || body[2] != s2kIterated || body[3] != hashSHA256 {
		return nil, false
	}
	kek := s2kSHA256(pass, body[4:12], s2kCount(body[12]))
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, false
	}
	esk := append([]byte(nil), body[13:]...)
	cipher.NewCFBDecrypter(b, make([]byte, aes.BlockSize)).XORKeyStream(esk, esk)
	if esk[0] != cipherAES256 {
		return nil, true
	}
	return esk[1:], true
}
