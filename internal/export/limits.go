package export

import (
	"fmt"
	"io"

	"backpack/internal/exportdata"
)

// ErrTooLarge is returned by Read for an export bigger than the limits
// below: more records, files or bytes than Backpack opens on a phone.
var ErrTooLarge = exportdata.ErrTooLarge

// Read is bounded by construction: whatever a file claims, it derives at
// most a few keys, inflates at most a known number of bytes, and keeps at
// most a known number of records, so that a hostile file of a few bytes
// cannot take the page down. The limits fit a phone with 2 GB of memory and
// are far above what a family's records need.
type limits struct {
	keyPackets int   // session-key packets before the encrypted data
	s2kWork    int64 // bytes hashed by every passphrase S2K tried, together
	members    int   // archive members
	nameLen    int   // bytes of a member's name
	headers    int64 // bytes of the members' local headers, together
	vault      int64 // inflated bytes of backpack/vault.jsonl
	line       int   // bytes of one vault.jsonl value
	records    int   // vault.jsonl lines
	files      int   // file entries
	fileSize   int64 // declared bytes of one file
	filesTotal int64 // declared bytes of all files together
	other      int64 // inflated bytes of the other members together (README, bundle, summary, IPS)
	tail       int64 // decrypted bytes after the archive's last member
}

// maxS2KCount is the most an iterated S2K can ask for (its coded count 255).
const maxS2KCount = 65011712

var limit = limits{
	keyPackets: 64,
	s2kWork:    4 * maxS2KCount,
	members:    120_000,
	nameLen:    1024,
	headers:    32 << 20,
	vault:      256 << 20,
	line:       65 << 20, // a resource as big as an import may be (64 MiB), and its line
	records:    250_000,
	files:      100_000,
	fileSize:   4 << 30,
	filesTotal: 16 << 30,
	other:      1 << 30,
	tail:       64 << 20,
}

// tooLarge reports a limit passed.
func tooLarge(what string) error { return fmt.Errorf("%w: %s", ErrTooLarge, what) }

// capReader reads at most n bytes of r and fails with err after them.
type capReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		// One more byte tells a reader at its limit from one past it.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, c.err
		}
		return 0, err
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}
