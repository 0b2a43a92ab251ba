package syncproto

import (
	"crypto/ed25519"
	"encoding/binary"
)

// # Shared profiles (spaces)
//
// A space is a vault log like any other, holding one person's records that
// their owner shares with other Backpack users (a child's record with the
// other parent, a parent's with a sibling). Its keys are not the owner's
// vault keys: the owner's app makes a random signing key (the space's
// "vault key": VaultID names it, heads are signed with it) and a random
// profile key per epoch that seals the envelopes and chunks.
//
// Devices of a space have a Role. The devices CreateVault and the vault's
// own pairing add are owners (RoleOwner, stored as ""). An enrollment opened
// with a Role adds a member: RoleRead may pull, list its own keys and leave;
// RoleCoManage may also push and upload chunks. Only owners open
// enrollments, list or remove other devices, upload wrapped keys or delete the
// space; anything else is CodeForbidden.
//
// A member's enrollment carries Blob: the space's keys and the owner's name,
// sealed by the owner under a key from the invitation secret (which travels
// in the link's #fragment and never reaches the server). The server hands it
// to the device that joins and then forgets it. The joining device sends an
// X25519 public key (BoxKey: the owner wraps later keys to it) and Label,
// the name its person gives, sealed to the owner's BoxKey (in Blob). The
// server stores both per device and cannot open either.
//
// Revoking a member: the owner removes its device (DevicePath), makes the
// next epoch's profile key and uploads it wrapped for each remaining member
// device (KeysPath, PUT); each member GETs its own wraps. Every wrap is
// signed by the owner's admin key (in Blob), so a server cannot hand a
// member a key of its own making.

// Roles of a space's devices.
const (
	RoleOwner    = ""          // the owner's devices (and every device of a person's own vault)
	RoleRead     = "read"      // a member who may read
	RoleCoManage = "co-manage" // a member who may read and change
)

// ValidRole reports whether r names a member role an enrollment may carry.
func ValidRole(r string) bool { return r == RoleRead || r == RoleCoManage }

// CanWrite reports whether a device of role r may push and upload chunks.
func CanWrite(r string) bool { return r == RoleOwner || r == RoleCoManage }

// CodeForbidden (403): the device's role does not allow the request (a
// read-only member pushing, a member managing the space).
const CodeForbidden Code = "forbidden"

// KeysPath holds the wrapped profile keys of a space: GET returns the
// asking device's, PUT (owners) adds some.
func KeysPath(vault string) string { return VaultPath(vault) + "/keys" }

// MaxBlob bounds an enrollment's Blob and a device's Label.
const MaxBlob = 8 << 10

// MaxWraps bounds the wraps of one PUT to KeysPath.
const MaxWraps = 256

// KeyWrap is one epoch's profile key, wrapped (HPKE) for one member device
// and signed by the owner's admin key. The server stores it as it comes.
type KeyWrap struct {
	Device  string `json:"device"`
	Epoch   uint32 `json:"epoch"`
	Wrapped []byte `json:"wrapped"`
}

// KeyWraps is the body of PUT KeysPath and the answer to GET KeysPath.
type KeyWraps struct {
	Keys []KeyWrap `json:"keys"`
}

const labelWrap = "backpack-space-wrap-v1"

// WrapMessage is what the owner's admin key signs for a wrap: the space,
// the device it is for, the epoch, the first log seq it seals, and the
// HPKE ciphertext.
func WrapMessage(vault, device string, epoch uint32, from uint64, ct []byte) []byte {
	return message(labelWrap, []byte(vault), []byte(device), binary.BigEndian.AppendUint32(nil, epoch), u64(from), ct)
}

// VerifyWrap checks an admin signature made over WrapMessage.
func VerifyWrap(admin ed25519.PublicKey, vault, device string, epoch uint32, from uint64, ct, sig []byte) bool {
	return len(admin) == ed25519.PublicKeySize && ed25519.Verify(admin, WrapMessage(vault, device, epoch, from, ct), sig)
}

// PeekPath reads an open enrollment's Role and Blob without using it up
// (POST Peek): a member's app shows whose invitation it is ("Ana shares
// Sam's record with you — you can view") before the person decides and
// gives the name the owner will see, which then travels in the Join. The
// enrollment key's signature proves the asker holds the invitation secret;
// the blob is sealed under a key from that secret besides.
func PeekPath() string { return Path + "/peek" }

const labelPeek = "backpack-sync-peek-v1"

// Peek asks for an open enrollment's Role and Blob. Sig is the enrollment
// key's signature over PeekMessage.
type Peek struct {
	EnrollKey []byte `json:"enroll_key"`
	Sig       []byte `json:"sig"`
}

// Invitation answers a Peek: the space, the role the enrollment gives and
// its Blob. CodeNotFound when there is no such open enrollment (used,
// expired, mistyped) or it is not a member's (Role "").
type Invitation struct {
	Vault string `json:"vault"`
	Role  string `json:"role"`
	Blob  []byte `json:"blob"`
}

// PeekMessage is what the enrollment key signs to read its enrollment.
func PeekMessage(enrollKey []byte) []byte { return message(labelPeek, enrollKey) }

// NewPeek signs a Peek with the enrollment key ek.
func NewPeek(ek ed25519.PrivateKey) Peek {
	pub := ek.Public().(ed25519.PublicKey)
	return Peek{EnrollKey: pub, Sig: ed25519.Sign(ek, PeekMessage(pub))}
}

// CheckPeek checks a Peek's signature.
func CheckPeek(p Peek) error {
	if len(p.EnrollKey) != ed25519.PublicKeySize {
		return &Error{Code: CodeBadRequest}
	}
	if !ed25519.Verify(p.EnrollKey, PeekMessage(p.EnrollKey), p.Sig) {
		return &Error{Code: CodeBadSignature}
	}
	return nil
}
