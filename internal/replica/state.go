package replica

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"backpack/internal/vault"
)

// state is what this device keeps of its sync, sealed in the vault's meta
// bucket: its key, the vault's name at the server, the last head it
// verified, when it last synced, and per record the version and body it
// last exchanged with the server (the base a conflict is judged against).
type state struct {
	Device []byte    `json:"device"` // Ed25519 seed of this device's key
	Vault  string    `json:"vault"`
	Seq    uint64    `json:"seq"`
	Hash   []byte    `json:"hash"`
	Synced time.Time `json:"synced,omitzero"`
	Gen    string    `json:"gen,omitempty"` // changes with every write of recs

	recs      map[string]recState // by envelope id (the record's storage key, hex); stored apart (recsName)
	recsDirty [recShards]bool     // shards of recs changed since read
	cache     *recsCache          // where the recs are kept in memory, or nil
}

// setRec notes what this device last exchanged of a record.
func (s *state) setRec(rkey string, r recState) {
	s.recs[rkey] = r
	s.recsDirty[shardOf(rkey)] = true
}

// recShards is how many values hold recs, by the first hex digit of the
// storage key: a sync that changed a few records rewrites a sixteenth.
const recShards = 16

func shardOf(rkey string) int {
	if rkey == "" {
		return 0
	}
	c := rkey[0]
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return 0
}

type recState struct {
	Version uint64
	Base    [8]byte // truncated SHA-256 of the body last exchanged
}

const (
	stateName = "replica"       // the state but recs, JSON
	recsName  = "replica.recs." // + shard (hex digit): uvarint length, key, version, base; one after the other
)

var errNoState = errors.New("replica: sync is off on this device")

func bodyHash(b []byte) [8]byte {
	s := sha256.Sum256(b)
	return [8]byte(s[:8])
}

// loadState reads the state; recs too when withRecs is set (a Sync needs
// them, the status line not). cache, when it holds the recs of the same
// generation, spares reading them.
func loadState(ctx context.Context, v *vault.Vault, withRecs ...bool) (*state, error) {
	return loadStateCached(ctx, v, nil, withRecs...)
}

// recsCache is the recs an engine last read or wrote.
type recsCache struct {
	gen  string
	recs map[string]recState
}

func loadStateCached(ctx context.Context, v *vault.Vault, cache *recsCache, withRecs ...bool) (*state, error) {
	raw, err := v.GetMeta(ctx, stateName)
	if errors.Is(err, vault.ErrNotFound) {
		return nil, errNoState
	} else if err != nil {
		return nil, err
	}
	var s state
	if err := json.Unmarshal(raw, &s); err != nil || len(s.Device) != ed25519.SeedSize {
		return nil, errUnreadable
	}
	s.recs = map[string]recState{}
	if len(withRecs) == 0 || !withRecs[0] {
		return &s, nil
	}
	s.cache = cache
	if cache != nil && cache.recs != nil && cache.gen == s.Gen && s.Gen != "" {
		s.recs = cache.recs
		return &s, nil
	}
	for sh := range recShards {
		b, err := v.GetMeta(ctx, recsName+strconv.FormatInt(int64(sh), 16))
		if err != nil && !errors.Is(err, vault.ErrNotFound) {
			return nil, err
		}
		for len(b) > 0 {
			n, w := binary.Uvarint(b)
			if w <= 0 || n > uint64(len(b)-w) || len(b)-w-int(n) < 16 {
				return nil, errUnreadable
			}
			id := string(b[w : w+int(n)])
			b = b[w+int(n):]
			var r recState
			r.Version = binary.BigEndian.Uint64(b)
			copy(r.Base[:], b[8:16])
			s.recs[id] = r
			b = b[16:]
		}
	}
	if cache != nil {
		cache.gen, cache.recs = s.Gen, s.recs
	}
	return &s, nil
}

var errUnreadable = errors.New("replica: sync state unreadable")

// save stores the state; recs too when withRecs is set and they changed.
func (s *state) save(ctx context.Context, v *vault.Vault, withRecs ...bool) error {
	if len(withRecs) > 0 && withRecs[0] && slices.Contains(s.recsDirty[:], true) {
		s.Gen = hex.EncodeToString(randomBytes(8))
		var shards [recShards][]byte
		for id, r := range s.recs {
			sh := shardOf(id)
			if !s.recsDirty[sh] {
				continue
			}
			b := binary.AppendUvarint(shards[sh], uint64(len(id)))
			b = append(b, id...)
			b = binary.BigEndian.AppendUint64(b, r.Version)
			shards[sh] = append(b, r.Base[:]...)
		}
		for sh, b := range shards {
			if !s.recsDirty[sh] {
				continue
			}
			if b == nil {
				b = []byte{}
			}
			if err := v.PutMeta(ctx, recsName+strconv.FormatInt(int64(sh), 16), b); err != nil {
				return err
			}
		}
		s.recsDirty = [recShards]bool{}
		if s.cache != nil {
			s.cache.gen, s.cache.recs = s.Gen, s.recs
		}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return v.PutMeta(ctx, stateName, raw)
}

func (s *state) deviceKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(s.Device) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
