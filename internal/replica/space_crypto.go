package replica

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"

	"backpack/internal/record"
	"backpack/internal/syncproto"
)

// The sealing of shared profiles: envelope and file ids keyed with NK,
// envelopes and chunks under the epoch's PK (each ciphertext starts with
// its epoch's number, big endian), the invitation's blob under a key from
// the stretched secret, names and wrapped keys with HPKE.

var errSpaceSeal = errors.New("replica: a shared profile's envelope does not open")

// spaceEnvID is the envelope id of record id in a space: 16 bytes, like a
// vault's, so nothing tells the two apart.
func spaceEnvID(nk []byte, id string) []byte {
	m := hmac.New(sha256.New, nk)
	m.Write([]byte("record\x00" + id))
	return m.Sum(nil)[:16]
}

// spaceFileID is file id's name at the server.
func spaceFileID(nk []byte, id string) string {
	m := hmac.New(sha256.New, nk)
	m.Write([]byte("file\x00" + id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// sealEpoch seals pt under epoch e: epoch number, nonce, ciphertext. The
// epoch number is in the associated data too.
func sealEpoch(e epochKey, ad, pt []byte) ([]byte, error) {
	a, err := gcm(e.Key)
	if err != nil {
		return nil, err
	}
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+12+len(pt)+16), e.N)
	nonce := randomBytes(12)
	out = append(out, nonce...)
	return a.Seal(out, nonce, pt, append(ad, out[:4]...)), nil
}

// epochOf reads the epoch number a ciphertext names.
func epochOf(ct []byte) (uint32, bool) {
	if len(ct) < 4+12+16 {
		return 0, false
	}
	return binary.BigEndian.Uint32(ct), true
}

func openEpoch(e epochKey, ad, ct []byte) ([]byte, error) {
	if n, ok := epochOf(ct); !ok || n != e.N {
		return nil, errSpaceSeal
	}
	a, err := gcm(e.Key)
	if err != nil {
		return nil, err
	}
	pt, err := a.Open(nil, ct[4:16], ct[16:], append(ad, ct[:4]...))
	if err != nil {
		return nil, errSpaceSeal
	}
	return pt, nil
}

func spaceEnvAD(space string, id []byte, deleted bool) []byte {
	b := []byte("backpack space envelope v1\x00")
	b = binary.AppendUvarint(b, uint64(len(space)))
	b = append(b, space...)
	b = binary.AppendUvarint(b, uint64(len(id)))
	b = append(b, id...)
	if deleted {
		return append(b, 1)
	}
	return append(b, 0)
}

func spaceChunkAD(space, file string, i, total int) []byte {
	b := []byte("backpack space chunk v1\x00")
	b = binary.AppendUvarint(b, uint64(len(space)))
	b = append(b, space...)
	b = binary.AppendUvarint(b, uint64(len(file)))
	b = append(b, file...)
	b = binary.BigEndian.AppendUint32(b, uint32(i))
	return binary.BigEndian.AppendUint32(b, uint32(total))
}

// personOf names the person a record belongs to ("" for none: a share
// link, a draft, a sign-in, which never travel in a space).
func personOf(h []byte) string {
	if isLocalHeader(h) {
		return ""
	}
	d, err := record.DecodeHeader(h)
	if err != nil {
		return ""
	}
	switch {
	case d.Profile != nil:
		return d.Profile.ID
	case d.Entry != nil:
		return d.Entry.Profile
	case d.File != nil:
		return d.File.Profile
	case d.Question != nil:
		return d.Question.Profile
	}
	return ""
}

// spaceBlob is what an invitation carries to the member, sealed under a key
// from the invitation's secret.
type spaceBlob struct {
	Space     string     `json:"space"`
	Profile   string     `json:"profile"`
	OwnerName string     `json:"owner_name"`
	Key       []byte     `json:"key"`            // WK's public half
	Sign      []byte     `json:"sign,omitempty"` // WK's seed: co-managers only
	Names     []byte     `json:"names"`
	Admin     []byte     `json:"admin"` // public
	OwnerBox  []byte     `json:"owner_box"`
	Epochs    []epochKey `json:"epochs"`
}

func blobKey(stretched []byte) []byte {
	k, _ := hkdf.Key(sha256.New, stretched, nil, "backpack space v1 invitation blob", 32)
	return k
}

func sealBlob(stretched []byte, b spaceBlob) ([]byte, error) {
	pt, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	a, err := gcm(blobKey(stretched))
	if err != nil {
		return nil, err
	}
	nonce := randomBytes(12)
	return a.Seal(nonce, nonce, pt, []byte("backpack space blob v1\x00"+b.Space)), nil
}

// openBlob opens an invitation's blob for space, and checks it names it.
func openBlob(stretched []byte, space string, ct []byte) (*spaceBlob, error) {
	a, err := gcm(blobKey(stretched))
	if err != nil || len(ct) < 12+16 {
		return nil, ErrBadCode
	}
	pt, err := a.Open(nil, ct[:12], ct[12:], []byte("backpack space blob v1\x00"+space))
	if err != nil {
		return nil, ErrBadCode
	}
	var b spaceBlob
	if json.Unmarshal(pt, &b) != nil || b.Space != space || len(b.Key) != ed25519.PublicKeySize ||
		syncproto.VaultID(b.Key) != space || len(b.Epochs) == 0 || len(b.Admin) != ed25519.PublicKeySize ||
		(b.Sign != nil && len(b.Sign) != ed25519.SeedSize) {
		return nil, ErrBadCode
	}
	if b.Sign != nil && !ed25519.NewKeyFromSeed(b.Sign).Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(b.Key)) {
		return nil, ErrBadCode
	}
	return &b, nil
}

// HPKE suite of names and wraps: X25519, HKDF-SHA256, AES-256-GCM.
func boxSeal(pub []byte, info, pt []byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	pk, err := hpke.NewDHKEMPublicKey(k)
	if err != nil {
		return nil, err
	}
	return hpke.Seal(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), info, pt)
}

func boxOpen(priv []byte, info, ct []byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	sk, err := hpke.NewDHKEMPrivateKey(k)
	if err != nil {
		return nil, err
	}
	return hpke.Open(sk, hpke.HKDFSHA256(), hpke.AES256GCM(), info, ct)
}

func boxPublic(priv []byte) []byte {
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		return nil
	}
	return k.PublicKey().Bytes()
}

func labelInfo(space string) []byte { return []byte("backpack space member name v1\x00" + space) }

func wrapInfo(space, device string, epoch uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte("backpack space key wrap v1\x00"+space+"\x00"+device+"\x00"), epoch)
}

// wrapKey wraps epoch e for member device (box key pub), signed by the
// admin key: Wrapped is from (8 bytes), the HPKE ciphertext's length
// (uvarint), the ciphertext, and the signature over syncproto.WrapMessage.
func wrapKey(admin ed25519.PrivateKey, space, device string, pub []byte, e epochKey) (syncproto.KeyWrap, error) {
	ct, err := boxSeal(pub, wrapInfo(space, device, e.N), e.Key)
	if err != nil {
		return syncproto.KeyWrap{}, err
	}
	b := binary.BigEndian.AppendUint64(nil, e.From)
	b = binary.AppendUvarint(b, uint64(len(ct)))
	b = append(b, ct...)
	b = append(b, ed25519.Sign(admin, syncproto.WrapMessage(space, device, e.N, e.From, ct))...)
	return syncproto.KeyWrap{Device: device, Epoch: e.N, Wrapped: b}, nil
}

// unwrapKey checks a wrap's admin signature and opens it with this
// device's box key.
func unwrapKey(admin ed25519.PublicKey, box []byte, space, device string, w syncproto.KeyWrap) (epochKey, error) {
	b := w.Wrapped
	if len(b) < 8 {
		return epochKey{}, syncproto.ErrTampered
	}
	from := binary.BigEndian.Uint64(b)
	n, k := binary.Uvarint(b[8:])
	if k <= 0 || n > uint64(len(b)-8-k) || len(b)-8-k-int(n) != ed25519.SignatureSize {
		return epochKey{}, syncproto.ErrTampered
	}
	ct := b[8+k : 8+k+int(n)]
	sig := b[8+k+int(n):]
	if w.Device != device || !syncproto.VerifyWrap(admin, space, device, w.Epoch, from, ct, sig) {
		return epochKey{}, syncproto.ErrTampered
	}
	key, err := boxOpen(box, wrapInfo(space, device, w.Epoch), ct)
	if err != nil || len(key) != 32 {
		return epochKey{}, syncproto.ErrTampered
	}
	return epochKey{N: w.Epoch, From: from, Key: key}, nil
}

func newEpochKey(n uint32, from uint64) epochKey {
	k := make([]byte, 32)
	rand.Read(k)
	return epochKey{N: n, From: from, Key: k}
}
