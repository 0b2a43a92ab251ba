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
	"hash"
	"sync"
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
	macs *sync.Pool  // HMAC states keyed with idk, reused by storageKey
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
	k := &keys{data: data, idk: idk, aead: aead, web: importWebKey(enc)}
	k.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, idk) }}
	return k, nil
}

// wipe zeroes the key bytes. The AES key schedule inside the cipher.AEAD
// cannot be reached; dropping the reference leaves it to the garbage collector.
func (k *keys) wipe() {
	wipe(k.data)
	wipe(k.idk)
	k.aead = nil
	k.web = webKey{}
	k.macs = nil
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
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	var buf [sha256.Size]byte
	buf[0] = kind
	m.Write(buf[:1])
	m.Write([]byte(id))
	sum := m.Sum(buf[:0])
	k.macs.Put(m)
	return hex.EncodeToString(sum[:16])
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
	return appendAAD(make([]byte, 0, 16+len(bucket)+len(key)+len(extra)), schema, bucket, key, extra)
}

// appendAAD appends aad(schema, bucket, key, extra) to b.
func appendAAD(b []byte, schema int, bucket, key string, extra []byte) []byte {
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
	readNonce(out)
	return a.Seal(out, out[:nonceSize], plaintext, ad)
}

// Nonces come from crypto/rand 4 KiB at a time: in wasm every rand.Read is
// a call into JavaScript, which cost more than sealing a small record.
var nonces struct {
	sync.Mutex
	buf [4096]byte
	off int
}

func init() { nonces.off = len(nonces.buf) }

// readNonce fills n (at most 4 KiB) with random bytes never handed out
// before.
func readNonce(n []byte) {
	nonces.Lock()
	defer nonces.Unlock()
	if len(nonces.buf)-nonces.off < len(n) {
		rand.Read(nonces.buf[:])
		nonces.off = 0
	}
	copy(n, nonces.buf[nonces.off:])
	clear(nonces.buf[nonces.off : nonces.off+len(n)])
	nonces.off += len(n)
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
