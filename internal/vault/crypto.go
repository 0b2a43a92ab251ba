package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// SchemaVersion is the storage format this package writes. Version 1 had the
// same layout but did not bind the schema version into the AAD; Unlock
// migrates a version 1 vault in place. Version 3 added record packs
// (pack.go) and changed no ciphertext, so its AADs still say 2
// (sealVersion) and a version 2 vault needs only its schema record bumped;
// the bump keeps older versions of Backpack, which cannot read packs, out.
const SchemaVersion = 3

// sealVersion is the format version bound into every AAD (see aad).
const sealVersion = 2

const (
	keySize   = 32 // AES-256, data key, HMAC key
	nonceSize = 12 // AES-GCM standard nonce
	tagSize   = 16
	overhead  = nonceSize + tagSize
)

// keys is the unlocked key material derived from the data key.
type keys struct {
	data []byte      // the random data key the keyslots wrap
	idk  []byte      // HMAC-SHA-256 key for opaque storage keys
	aead cipher.AEAD // AES-256-GCM under the encryption subkey
	web  webKey      // the same key in WebCrypto (js/wasm only), for file chunks
}

func deriveKeys(data []byte) (*keys, error) {
	enc, err := hkdf.Key(sha256.New, data, nil, "backpack vault v1 encryption", keySize)
	if err != nil {
		return nil, err
	}
	defer wipe(enc)
	idk, err := hkdf.Key(sha256.New, data, nil, "backpack vault v1 storage ids", keySize)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(enc)
	if err != nil {
		return nil, err
	}
	return &keys{data: data, idk: idk, aead: aead, web: importWebKey(enc)}, nil
}

// wipe zeroes the key bytes. The AES key schedule inside the cipher.AEAD
// cannot be reached; dropping the reference leaves it to the garbage collector.
func (k *keys) wipe() {
	wipe(k.data)
	wipe(k.idk)
	k.aead = nil
	k.web = webKey{}
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func wipe(b []byte) {
	clear(b)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics if the OS source breaks)
	return b
}

// storageKey maps a caller's id to the opaque key stored in a bucket, so ids
// chosen by callers (which might carry meaning) never reach storage. kind
// separates the namespaces of records, bodies and files.
func (k *keys) storageKey(kind byte, id string) string {
	m := hmac.New(sha256.New, k.idk)
	m.Write([]byte{kind})
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

const (
	kindRecord = 'r'
	kindBody   = 'b'
	kindFile   = 'f'
)

// aad binds a ciphertext to where it is stored: the schema version (from
// version 2 on), the bucket, the storage key and extra context (chunk index
// and final flag). Fields are length-prefixed so no two inputs collide.
func aad(schema int, bucket, key string, extra []byte) []byte {
	b := make([]byte, 0, 16+len(bucket)+len(key)+len(extra))
	if schema >= 2 {
		b = append(b, "backpack vault"...)
		b = binary.AppendUvarint(b, uint64(schema))
	}
	b = binary.AppendUvarint(b, uint64(len(bucket)))
	b = append(b, bucket...)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	return append(b, extra...)
}

// seal encrypts plaintext as nonce || ciphertext || tag.
func seal(a cipher.AEAD, ad, plaintext []byte) []byte {
	out := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	rand.Read(out)
	return a.Seal(out, out[:nonceSize], plaintext, ad)
}

// open decrypts a sealed value into dst (which may be nil). Any failure is
// ErrCorrupt: the value was altered, moved or belongs to another key.
func open(a cipher.AEAD, dst, ad, sealed []byte) ([]byte, error) {
	if len(sealed) < overhead {
		return nil, fmt.Errorf("%w: value too short", ErrCorrupt)
	}
	pt, err := a.Open(dst, sealed[:nonceSize], sealed[nonceSize:], ad)
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}
