package replica

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"backpack/internal/syncproto"
	"backpack/internal/vault"
)

// Adding a device. The device that has the vault makes a pairing code: an
// 80-bit secret, 16 characters. It opens a one-time enrollment at the
// server with the public half of a key derived from the secret (stretched
// with Argon2id), and pushes a hand-off envelope: the vault's keyslots
// sealed under another key from the stretched secret. The new device,
// given the code (typed, or from the QR code's #fragment, which never
// reaches the server), joins with the enrollment key (the server finds the
// vault by it), pulls the hand-off, opens it and, with the vault's
// passphrase, unwraps the data key. The server sees the enrollment public
// key and ciphertext; to use either it would need the secret, and then
// still the passphrase.

// InviteTTL is how long a pairing code works.
const InviteTTL = 15 * time.Minute

// secretBytes is the pairing secret's size: 80 bits, 16 characters.
const secretBytes = 10

// Invite is a pairing code for a new device.
type Invite struct {
	Code    string    // what the person types on the new device: four groups of four characters
	Expires time.Time // the code stops working then
}

// codeAlphabet is Crockford's base32: no I, L, O or U, so the code reads
// aloud and types without mix-ups.
var codeEnc = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// Invite opens an enrollment for a new device and pushes the hand-off.
func (e *Engine) Invite(ctx context.Context) (Invite, error) {
	v := e.local.Vault()
	st, err := loadState(ctx, v)
	if err != nil {
		return Invite{}, err
	}
	secret := make([]byte, secretBytes)
	rand.Read(secret)
	stretched := stretch(secret)
	ek := syncproto.EnrollKey(stretched)
	enroll := syncproto.Enroll{EnrollKey: ek.Public().(ed25519.PublicKey), Seconds: int(InviteTTL / time.Second)}
	if err := e.c.json(ctx, "POST", syncproto.EnrollPath(st.Vault), enroll, nil); err != nil {
		return Invite{}, err
	}
	slots, err := v.Keyslots(ctx)
	if err != nil {
		return Invite{}, err
	}
	hid, hkey := handoffKeys(stretched)
	ct, err := sealHandoff(hkey, st.Vault, hid, slots)
	if err != nil {
		return Invite{}, err
	}
	if err := e.pushExtra(ctx, syncproto.Envelope{ID: hid, Version: 1, Ciphertext: ct}); err != nil {
		return Invite{}, err
	}
	return Invite{Code: formatCode(secret), Expires: e.c.now().Add(InviteTTL)}, nil
}

// pushExtra syncs, then pushes env on the head (again after a Sync when
// another device pushed first).
func (e *Engine) pushExtra(ctx context.Context, env syncproto.Envelope) error {
	for range maxAttempts {
		if _, err := e.Sync(ctx); err != nil {
			return err
		}
		e.mu.Lock()
		err := e.pushRaw(ctx, env)
		e.mu.Unlock()
		if code(err) != syncproto.CodeConflict {
			return err
		}
	}
	return ErrOffline
}

func (e *Engine) pushRaw(ctx context.Context, env syncproto.Envelope) error {
	v := e.local.Vault()
	st, err := loadState(ctx, v)
	if err != nil {
		return err
	}
	chain := &syncproto.Chain{Vault: st.Vault, Key: e.keys.Sign.Public().(ed25519.PublicKey), Seq: st.Seq, Hash: st.Hash}
	p := chain.Push(e.keys.Sign, []syncproto.Envelope{env})
	var r syncproto.PushResult
	if err := e.c.json(ctx, "POST", syncproto.LogPath(st.Vault), p, &r); err != nil {
		return err
	}
	if err := chain.Accept(p, r); err != nil {
		return err
	}
	st.Seq, st.Hash = chain.Seq, chain.Hash
	return st.save(ctx, v)
}

// stretch turns the pairing secret into key material with Argon2id, so a
// server that saw the enrollment key cannot try codes at any useful speed
// (80 random bits would take forever anyway; no salt is needed for them).
// codeErr is err, or ErrBadCode when the server's answer means the code
// is wrong, used or expired.
func codeErr(err error) error {
	switch code(err) {
	case syncproto.CodeUnauthorized, syncproto.CodeNotFound, syncproto.CodeBadSignature:
		return ErrBadCode
	}
	return err
}

func stretch(secret []byte) []byte {
	return argon2.IDKey(secret, []byte("backpack pairing v1"), 1, 19*1024, 1, 32)
}

// handoffKeys returns the hand-off envelope's id (17 bytes, never a
// record's 16) and its sealing key.
func handoffKeys(stretched []byte) (id, key []byte) {
	h, _ := hkdf.Key(sha256.New, stretched, nil, "backpack pairing v1 hand-off id", 16)
	key, _ = hkdf.Key(sha256.New, stretched, nil, "backpack pairing v1 hand-off key", 32)
	return append([]byte{'p'}, h...), key
}

func handoffAEAD(key []byte) cipher.AEAD {
	b, _ := aes.NewCipher(key)
	a, _ := cipher.NewGCM(b)
	return a
}

func sealHandoff(key []byte, vaultID string, id, slots []byte) ([]byte, error) {
	a := handoffAEAD(key)
	out := make([]byte, 12, 12+len(slots)+16)
	rand.Read(out)
	return a.Seal(out, out[:12], slots, append([]byte(vaultID+"\x00"), id...)), nil
}

// formatCode writes the secret as the code a person types: four groups of
// four characters.
func formatCode(secret []byte) string {
	s := codeEnc.EncodeToString(secret)
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// ErrBadCode is returned for a pairing code that is mistyped, used up or
// expired.
var ErrBadCode = errors.New("replica: the pairing code is not valid")

// parseCode reads a code as formatCode writes it, or the QR code's link,
// forgiving case, spaces and Crockford's look-alikes.
func parseCode(code string) ([]byte, error) {
	if i := strings.LastIndex(code, "#"); i >= 0 { // a whole link
		code = code[i+1:]
	}
	r := strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1").Replace(strings.ToUpper(strings.TrimSpace(code)))
	secret, err := codeEnc.DecodeString(r)
	if err != nil || len(secret) != secretBytes {
		return nil, ErrBadCode
	}
	return secret, nil
}

// Joining is a new device between the pairing code and the passphrase: it
// is registered and holds the vault's keyslots.
type Joining struct {
	opt    Options
	vault  string
	device []byte // seed
	slots  []byte
}

// StartJoin registers this device with a pairing code and fetches the
// hand-off. ErrBadCode: the code is wrong, used or expired.
func StartJoin(ctx context.Context, pairing string, opt Options) (*Joining, error) {
	secret, err := parseCode(pairing)
	if err != nil {
		return nil, err
	}
	stretched := stretch(secret)
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	dev := ed25519.NewKeyFromSeed(seed)
	var info syncproto.Info
	err = opt.client(nil).json(ctx, "POST", syncproto.JoinPath(), syncproto.NewJoin("", stretched, dev), &info)
	if err != nil {
		return nil, codeErr(err)
	}
	// The server named the vault; the hand-off's seal (which binds its id)
	// and later the vault's signatures show whether it told the truth.
	vid := info.Vault
	if len(info.VaultKey) != ed25519.PublicKeySize || syncproto.VaultID(info.VaultKey) != vid {
		return nil, syncproto.ErrTampered
	}
	hid, hkey := handoffKeys(stretched)
	c := opt.client(dev)
	// The hand-off is near the log's end (it was pushed just now): look at
	// the last entries first, the whole log only if it is not there. Its
	// seal authenticates it; the first Sync verifies the chain from genesis.
	var slots []byte
	for _, back := range []uint64{1, 64, info.Head.Seq} {
		since := info.Head.Seq - min(back, info.Head.Seq)
		for slots == nil {
			var page syncproto.Pull
			if err := c.json(ctx, "GET", syncproto.PullPath(vid, since, 0), nil, &page); err != nil {
				return nil, err
			}
			for _, en := range page.Entries {
				if bytes.Equal(en.ID, hid) && len(en.Ciphertext) > 28 {
					pt, err := handoffAEAD(hkey).Open(nil, en.Ciphertext[:12], en.Ciphertext[12:], append([]byte(vid+"\x00"), hid...))
					if err == nil {
						slots = pt
					}
				}
			}
			if !page.More || len(page.Entries) == 0 {
				break
			}
			since = page.Entries[len(page.Entries)-1].Seq
		}
		if slots != nil || since == 0 {
			break
		}
	}
	if slots == nil {
		return nil, ErrBadCode
	}
	return &Joining{opt: opt, vault: vid, device: seed, slots: slots}, nil
}

// Unlock makes store (empty) this device's copy of the vault, opened with
// the vault's passphrase (vault.ErrWrongPassphrase: try again), and
// returns it with sync on; the caller then Opens the engine and Syncs to
// bring every record and file.
func (j *Joining) Unlock(ctx context.Context, store vault.Store, passphrase string) (*vault.Vault, error) {
	v, err := vault.Join(ctx, store, j.slots, passphrase)
	if err != nil {
		return nil, err
	}
	keys, err := v.SyncKeys()
	if err != nil {
		return nil, err
	}
	defer keys.Wipe()
	if syncproto.VaultID(keys.Sign.Public().(ed25519.PublicKey)) != j.vault {
		v.Lock()
		return nil, syncproto.ErrTampered
	}
	st := &state{Device: j.device, Vault: j.vault, Hash: syncproto.Genesis(j.vault), recs: map[string]recState{}}
	if err := st.save(ctx, v); err != nil {
		v.Lock()
		return nil, err
	}
	return v, nil
}
