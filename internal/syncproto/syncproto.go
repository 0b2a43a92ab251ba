// Package syncproto is the wire protocol of Backpack's end-to-end encrypted
// sync: the types a client and the server exchange and the rules both check.
// The server stores, per vault, an append-only log of encrypted envelopes and
// encrypted file chunks; it cannot read them, and it cannot forge or roll back
// the log without the client noticing.
//
// # Keys and ids
//
// Each vault has an Ed25519 key pair (the client derives it from the vault key;
// the server sees only the public half). VaultID names the vault: a hash of its
// public key, so a client given the id out of band (the pairing QR code) checks
// the key the server returns. Each device has its own Ed25519 key; DeviceID is
// a hash of it. The server stores public keys only.
//
// # Requests
//
// Every request but CreateVault and Join carries an Authorization header
// (SignRequest) with the device id, a Unix time and the device's signature
// over RequestMessage (method, path with query, time, SHA-256 of the body).
// The server refuses times more than MaxClockSkew away (its 401 says its own
// time in Error.Now) and devices it does not hold (never registered, or
// removed): removing a device ends its access. An unknown vault looks like
// an unknown device.
//
// # The log
//
// An Envelope is one record change: an opaque id (a keyed hash the client
// computes; the server never sees the record's own id), a version the client
// keeps, a deleted flag and the ciphertext. Entry n of a vault's log has
// sequence number n (from 1) and chain hash
//
//	H(n) = ChainHash(H(n-1), n, envelope)   with H(0) = Genesis(vault)
//
// A Head is (seq, H(seq)) with the vault key's signature (SignHead). A push
// names the head it builds on (Base) and the head it leads to (Head, signed by
// the pushing client). The server appends only when Base is its current head
// (else CodeConflict: pull first), the envelopes lead from Base to Head, and the
// signature is the vault's; all in one transaction. So a replayed or reordered
// push never applies, and a crash leaves the log as it was before the push.
// A push whose answer was lost, sent again, meets CodeConflict; the pull
// that follows returns the client's own envelopes (same ids and versions).
//
// A pull asks for entries after a cursor (the last seq the client holds); the
// page ends at a head the vault signed. A client checks each page with Chain:
// entries consecutive from its cursor, chain hashes from its own last verified
// hash to the page's head, the vault's signature on that head, and a head never
// behind its own (rollback). The server cannot invent, drop, alter or reorder
// entries, fork the log or roll it back for a client that has seen it.
// What it can still do is withhold the newest pushes or serve an old (signed)
// head to a device that has never synced; those show as "not synced", never as
// wrong data.
//
// # Devices
//
// CreateVault registers the vault key and the first device, signed by the vault
// key. To add a device, a registered device opens an enrollment (Enroll) with a
// one-time public key derived from the pairing secret (EnrollKey); the new
// device derives the same key pair and sends Join signed with it, to the
// vault's DevicesPath or, knowing only the secret, to JoinPath. The server
// sees only the enrollment public key, never the secret. Enrollment keys are
// unique across the server. A device lists and removes devices (itself
// included).
//
// # Files
//
// Files travel in their encrypted chunks (ChunkPath): PUT one chunk at a time with
// the file's chunk count, GET FileStatus to learn which arrived (resume), GET a
// chunk to download. The client seals chunks with the file id and index as
// associated data, so the server cannot swap them; a file is complete when every
// chunk is stored and is then immutable. The record envelope that refers to a
// file is pushed after its chunks.
//
// # Encoding
//
// Metadata is JSON; []byte fields are standard base64. Chunk bodies are raw
// bytes (application/octet-stream). Errors are an Error object with a Code.
package syncproto

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
)

// Path is where the sync API is mounted on the server.
const Path = "/sync/v1"

// Paths of the API. vault and device are ids (URL-safe); file is an opaque id
// the client chooses, 1 to 64 characters of [A-Za-z0-9_-].
func VaultsPath() string                  { return Path + "/vaults" }
func VaultPath(vault string) string       { return Path + "/vaults/" + vault }
func LogPath(vault string) string         { return VaultPath(vault) + "/log" }
func EnrollPath(vault string) string      { return VaultPath(vault) + "/enroll" }
func DevicesPath(vault string) string     { return VaultPath(vault) + "/devices" }
func FilePath(vault, file string) string  { return VaultPath(vault) + "/files/" + file }
func DevicePath(vault, dev string) string { return DevicesPath(vault) + "/" + dev }

// JoinPath takes a Join for a vault the new device does not know yet (a
// typed short code carries only the pairing secret): the server finds the
// vault by the open enrollment's key. Sign it with NewJoin("", …).
func JoinPath() string { return Path + "/join" }

// HealthPath answers 200 while the server and its store work, else 503 (for
// load balancers; it needs no signature and says nothing of any vault).
func HealthPath() string { return Path + "/health" }

// PullPath is the log's URL for a pull of the entries after since, at most
// limit of them (0: the server's choice).
func PullPath(vault string, since uint64, limit int) string {
	p := LogPath(vault) + "?since=" + strconv.FormatUint(since, 10)
	if limit > 0 {
		p += "&limit=" + strconv.Itoa(limit)
	}
	return p
}

// ChunkPath is one chunk's URL; total is the file's chunk count (needed on PUT).
func ChunkPath(vault, file string, index, total int) string {
	p := FilePath(vault, file) + "/" + strconv.Itoa(index)
	if total > 0 {
		p += "?total=" + strconv.Itoa(total)
	}
	return p
}

// Limits every server keeps (a server may set smaller ones and says so in Info).
const (
	MaxIDBytes       = 64        // envelope id
	MaxFileID        = 64        // file id characters
	MaxChunks        = 1 << 20   // chunks of one file
	MaxClockSkew     = 300       // seconds between a request's time and the server's
	DefaultPullLimit = 1000      // entries of one pull page when the client names none
	MaxEnrollSeconds = 24 * 3600 // longest life of an enrollment
)

// Envelope is one record change as the server stores it.
type Envelope struct {
	ID         []byte `json:"id"`            // keyed hash of the record id, 1..MaxIDBytes
	Version    uint64 `json:"v"`             // the client's version counter; opaque to the server
	Deleted    bool   `json:"del,omitempty"` // a deletion (Ciphertext may still carry the client's tombstone)
	Ciphertext []byte `json:"ct,omitempty"`
}

// Size is what the envelope counts against the vault's quota.
func (e Envelope) Size() int64 { return int64(len(e.ID) + len(e.Ciphertext) + 16) }

// Entry is an envelope in the log, with its sequence number.
type Entry struct {
	Seq uint64 `json:"seq"`
	Envelope
}

// Head is a point of the log: the last sequence number, the chain hash there
// and the vault's signature over both (empty at seq 0).
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash []byte `json:"hash"`
	Sig  []byte `json:"sig,omitempty"`
}

// CreateVault registers a vault and its first device. Sig is the vault key's
// signature over CreateMessage.
type CreateVault struct {
	VaultKey  []byte `json:"vault_key"`  // Ed25519 public key
	DeviceKey []byte `json:"device_key"` // Ed25519 public key of the first device
	Sig       []byte `json:"sig"`
}

// Info describes a vault to one of its devices (GET VaultPath; also the answer
// to CreateVault and Join). A client checks VaultID(VaultKey) against the id it
// knows before trusting VaultKey.
type Info struct {
	Vault       string `json:"vault"`
	VaultKey    []byte `json:"vault_key"`
	Device      string `json:"device"` // the device asking
	Head        Head   `json:"head"`
	UsedBytes   int64  `json:"used_bytes"`
	QuotaBytes  int64  `json:"quota_bytes"`
	Devices     int    `json:"devices"`
	MaxDevices  int    `json:"max_devices"`
	MaxEnvelope int64  `json:"max_envelope"`   // largest envelope ciphertext
	MaxPush     int    `json:"max_push"`       // most envelopes in one push
	MaxChunk    int64  `json:"max_chunk"`      // largest chunk
	Role        string `json:"role,omitempty"` // the asking device's role (spaces)
	Blob        []byte `json:"blob,omitempty"` // the answer to a member's Join: its enrollment's Blob
}

// Push appends envelopes to the log (POST LogPath). Base is the head the client
// has verified and builds on (its hash; Sig not needed); Head is the head the
// envelopes lead to, signed by the vault key. Chain.Push builds one.
type Push struct {
	Base      Head       `json:"base"`
	Envelopes []Envelope `json:"envelopes"`
	Head      Head       `json:"head"`
}

// PushResult is the answer to an accepted push: the new head.
type PushResult struct {
	Head Head `json:"head"`
}

// Pull is a page of the log (GET PullPath): entries after the cursor, up to
// Head, which the vault signed. More says entries after Head exist.
type Pull struct {
	Entries []Entry `json:"entries"`
	Head    Head    `json:"head"`
	More    bool    `json:"more,omitempty"`
}

// Enroll opens a one-time enrollment for a new device (POST EnrollPath):
// EnrollKey is the public key of EnrollKey(secret); it expires after Seconds
// (at most MaxEnrollSeconds; 0: 10 minutes).
type Enroll struct {
	EnrollKey []byte `json:"enroll_key"`
	Seconds   int    `json:"seconds,omitempty"`
	// Role, for a space's member ("" adds a device of the vault's own):
	// RoleRead or RoleCoManage. Blob (at most MaxBlob) goes to the device
	// that joins; the server cannot open it.
	Role string `json:"role,omitempty"`
	Blob []byte `json:"blob,omitempty"`
}

// Join registers a new device (POST DevicesPath, or POST JoinPath with the
// vault "" in JoinMessage) under an open enrollment: Sig is the enrollment
// key's signature over JoinMessage. It uses the enrollment up. The answer is
// Info: the vault's id and key, to check with VaultID.
type Join struct {
	EnrollKey []byte `json:"enroll_key"`
	DeviceKey []byte `json:"device_key"`
	Sig       []byte `json:"sig"`
	// A space's member also sends its X25519 public key (BoxKey, 32 bytes)
	// and Label (at most MaxBlob), sealed to the owner. Neither is signed:
	// the owner's app checks Label opens.
	BoxKey []byte `json:"box_key,omitempty"`
	Label  []byte `json:"label,omitempty"`
}

// Device is one registered device (GET DevicesPath lists them).
type Device struct {
	ID     string `json:"id"`
	Key    []byte `json:"key"`
	Added  int64  `json:"added"`             // Unix seconds
	Role   string `json:"role,omitempty"`    // RoleOwner (""), RoleRead or RoleCoManage
	BoxKey []byte `json:"box_key,omitempty"` // a member's X25519 public key
	Label  []byte `json:"label,omitempty"`   // a member's sealed name
}

// Devices is the answer to GET DevicesPath.
type Devices struct {
	Devices []Device `json:"devices"`
}

// FileStatus says which chunks of a file the server holds (GET FilePath).
type FileStatus struct {
	Total    int   `json:"total"` // chunk count; 0: nothing stored yet
	Have     []int `json:"have"`  // indexes stored, ascending
	Complete bool  `json:"complete,omitempty"`
	Bytes    int64 `json:"bytes"`
}

// Missing lists the chunk indexes of a file of total chunks that s lacks.
func (s FileStatus) Missing(total int) []int {
	have := make(map[int]bool, len(s.Have))
	for _, i := range s.Have {
		have[i] = true
	}
	var out []int
	for i := 0; i < total; i++ {
		if !have[i] {
			out = append(out, i)
		}
	}
	return out
}

// Domain-separation labels of everything hashed or signed.
const (
	labelVault   = "backpack-sync-vault-v1"
	labelDevice  = "backpack-sync-device-v1"
	labelGenesis = "backpack-sync-genesis-v1"
	labelEntry   = "backpack-sync-entry-v1"
	labelHead    = "backpack-sync-head-v1"
	labelCreate  = "backpack-sync-create-v1"
	labelJoin    = "backpack-sync-join-v1"
	labelEnroll  = "backpack-sync-enroll-v1"
	labelRequest = "backpack-sync-request-v1"
)

func keyID(label string, pub []byte) string {
	h := sha256.New()
	h.Write([]byte(label))
	h.Write(pub)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// VaultID is the vault's id: 22 URL-safe characters naming its public key.
func VaultID(pub ed25519.PublicKey) string { return keyID(labelVault, pub) }

// DeviceID is a device's id: 22 URL-safe characters naming its public key.
func DeviceID(pub ed25519.PublicKey) string { return keyID(labelDevice, pub) }

// Genesis is the chain hash at seq 0 of a vault's log.
func Genesis(vault string) []byte {
	h := sha256.New()
	h.Write([]byte(labelGenesis))
	writeBytes(h, []byte(vault))
	return h.Sum(nil)
}

type writer interface{ Write([]byte) (int, error) }

func writeUint(w writer, n uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	w.Write(b[:])
}

func writeBytes(w writer, b []byte) {
	writeUint(w, uint64(len(b)))
	w.Write(b)
}

// ChainHash is the chain hash of the entry at seq holding e, after prev.
func ChainHash(prev []byte, seq uint64, e Envelope) []byte {
	h := sha256.New()
	h.Write([]byte(labelEntry))
	writeBytes(h, prev)
	writeUint(h, seq)
	writeBytes(h, e.ID)
	writeUint(h, e.Version)
	if e.Deleted {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
	writeBytes(h, e.Ciphertext)
	return h.Sum(nil)
}

// HeadMessage is what the vault key signs for a head.
func HeadMessage(vault string, seq uint64, hash []byte) []byte {
	return message(labelHead, []byte(vault), u64(seq), hash)
}

// CreateMessage is what the vault key signs to create a vault.
func CreateMessage(vault string, deviceKey []byte) []byte {
	return message(labelCreate, []byte(vault), deviceKey)
}

// JoinMessage is what the enrollment key signs for a new device.
func JoinMessage(vault string, enrollKey, deviceKey []byte) []byte {
	return message(labelJoin, []byte(vault), enrollKey, deviceKey)
}

// RequestMessage is what a device signs for a request: method, path with
// query (as sent, e.g. "/sync/v1/vaults/X/log?since=4"), Unix time, body.
func RequestMessage(method, path string, unix int64, body []byte) []byte {
	sum := sha256.Sum256(body)
	return message(labelRequest, []byte(method), []byte(path), u64(uint64(unix)), sum[:])
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func message(label string, parts ...[]byte) []byte {
	b := []byte(label)
	for _, p := range parts {
		b = binary.BigEndian.AppendUint64(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// SignHead signs (seq, hash) of vault with the vault's private key.
func SignHead(vaultPriv ed25519.PrivateKey, vault string, seq uint64, hash []byte) Head {
	return Head{Seq: seq, Hash: hash, Sig: ed25519.Sign(vaultPriv, HeadMessage(vault, seq, hash))}
}

// VerifyHead checks h's signature (a head at seq 0 must be the genesis).
func VerifyHead(vaultKey ed25519.PublicKey, vault string, h Head) error {
	if h.Seq == 0 {
		if !equal(h.Hash, Genesis(vault)) {
			return ErrTampered
		}
		return nil
	}
	if len(vaultKey) != ed25519.PublicKeySize || !ed25519.Verify(vaultKey, HeadMessage(vault, h.Seq, h.Hash), h.Sig) {
		return ErrBadSignature
	}
	return nil
}

// EnrollKey derives the one-time enrollment key pair from a pairing secret.
// Only its public half goes to the server. The secret must not be low-entropy
// (a short code typed by hand is first stretched by the client, e.g. Argon2id
// with the vault id as salt); keys for anything else come from other labels.
func EnrollKey(secret []byte) ed25519.PrivateKey {
	seed := sha256.Sum256(message(labelEnroll, secret))
	return ed25519.NewKeyFromSeed(seed[:])
}

func equal(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}
