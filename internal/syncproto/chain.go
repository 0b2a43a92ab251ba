package syncproto

import "crypto/ed25519"

// Chain is a client's view of a vault's log: the last head it verified. Keep
// Seq and Hash with the vault; they are the pull cursor too.
type Chain struct {
	Vault string
	Key   ed25519.PublicKey // the vault's public key
	Seq   uint64
	Hash  []byte
}

// NewChain starts at the genesis of the vault whose public key is vaultKey.
func NewChain(vaultKey ed25519.PublicKey) *Chain {
	v := VaultID(vaultKey)
	return &Chain{Vault: v, Key: vaultKey, Hash: Genesis(v)}
}

// Head is the last verified head (without signature).
func (c *Chain) Head() Head { return Head{Seq: c.Seq, Hash: c.Hash} }

// Verify checks a page of a pull asked for after c.Seq and, when it holds,
// moves c to its head. A page that fails leaves c as it was: ErrRollback for a
// head behind c, ErrTampered for entries out of order or a chain that does not
// continue c's, ErrBadSignature for a head the vault did not sign.
func (c *Chain) Verify(p Pull) error {
	if p.Head.Seq < c.Seq {
		return ErrRollback
	}
	hash, seq := c.Hash, c.Seq
	for _, e := range p.Entries {
		if e.Seq != seq+1 {
			return ErrTampered
		}
		seq++
		hash = ChainHash(hash, seq, e.Envelope)
	}
	if seq != p.Head.Seq || !equal(hash, p.Head.Hash) {
		return ErrTampered
	}
	if seq > c.Seq {
		if err := VerifyHead(c.Key, c.Vault, p.Head); err != nil {
			return err
		}
	}
	c.Seq, c.Hash = seq, hash
	return nil
}

// Push builds a push of envs on c's head, the new head signed with the vault's
// private key. c does not move until Accept.
func (c *Chain) Push(vaultPriv ed25519.PrivateKey, envs []Envelope) Push {
	hash, seq := c.Hash, c.Seq
	for _, e := range envs {
		seq++
		hash = ChainHash(hash, seq, e)
	}
	return Push{Base: c.Head(), Envelopes: envs, Head: SignHead(vaultPriv, c.Vault, seq, hash)}
}

// Accept moves c to the head of push p once the server accepted it with r.
func (c *Chain) Accept(p Push, r PushResult) error {
	if p.Base.Seq != c.Seq || !equal(p.Base.Hash, c.Hash) || r.Head.Seq != p.Head.Seq || !equal(r.Head.Hash, p.Head.Hash) {
		return ErrTampered
	}
	c.Seq, c.Hash = p.Head.Seq, p.Head.Hash
	return nil
}

// CheckPush is the server's check of a push to vault (public key vaultKey):
// envelopes within the protocol's limits, leading from Base to Head, Head
// signed by the vault. It returns each entry's chain hash. Whether Base is the
// current head is for the store to check, in the transaction that appends.
func CheckPush(vaultKey ed25519.PublicKey, vault string, p Push) ([][]byte, error) {
	if len(p.Envelopes) == 0 || len(p.Base.Hash) != 32 {
		return nil, &Error{Code: CodeBadRequest}
	}
	for _, e := range p.Envelopes {
		if len(e.ID) == 0 || len(e.ID) > MaxIDBytes {
			return nil, &Error{Code: CodeBadRequest}
		}
	}
	hashes := make([][]byte, len(p.Envelopes))
	hash, seq := p.Base.Hash, p.Base.Seq
	for i, e := range p.Envelopes {
		seq++
		hash = ChainHash(hash, seq, e)
		hashes[i] = hash
	}
	if seq != p.Head.Seq || !equal(hash, p.Head.Hash) {
		return nil, &Error{Code: CodeBadChain}
	}
	if VerifyHead(vaultKey, vault, p.Head) != nil {
		return nil, &Error{Code: CodeBadSignature}
	}
	return hashes, nil
}

// CheckCreate checks a CreateVault request and returns the vault's id.
func CheckCreate(c CreateVault) (string, error) {
	if len(c.VaultKey) != ed25519.PublicKeySize || len(c.DeviceKey) != ed25519.PublicKeySize {
		return "", &Error{Code: CodeBadRequest}
	}
	v := VaultID(c.VaultKey)
	if !ed25519.Verify(c.VaultKey, CreateMessage(v, c.DeviceKey), c.Sig) {
		return "", &Error{Code: CodeBadSignature}
	}
	return v, nil
}

// NewCreate is the CreateVault request of a client with the vault's and the
// first device's private keys.
func NewCreate(vaultPriv, devicePriv ed25519.PrivateKey) CreateVault {
	vk := vaultPriv.Public().(ed25519.PublicKey)
	dk := devicePriv.Public().(ed25519.PublicKey)
	return CreateVault{VaultKey: vk, DeviceKey: dk, Sig: ed25519.Sign(vaultPriv, CreateMessage(VaultID(vk), dk))}
}

// NewJoin is the Join request of a new device (devicePriv) to vault under the
// enrollment derived from the pairing secret; vault "" for JoinPath.
func NewJoin(vault string, secret []byte, devicePriv ed25519.PrivateKey) Join {
	ek := EnrollKey(secret)
	epub := ek.Public().(ed25519.PublicKey)
	dk := devicePriv.Public().(ed25519.PublicKey)
	return Join{EnrollKey: epub, DeviceKey: dk, Sig: ed25519.Sign(ek, JoinMessage(vault, epub, dk))}
}

// CheckJoin checks the signature of a Join to vault ("" for JoinPath).
func CheckJoin(vault string, j Join) error {
	if len(j.EnrollKey) != ed25519.PublicKeySize || len(j.DeviceKey) != ed25519.PublicKeySize {
		return &Error{Code: CodeBadRequest}
	}
	if !ed25519.Verify(j.EnrollKey, JoinMessage(vault, j.EnrollKey, j.DeviceKey), j.Sig) {
		return &Error{Code: CodeBadSignature}
	}
	return nil
}
