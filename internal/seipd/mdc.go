package seipd

import (
	"crypto/sha1"
	_ "embed"
	"hash"
)

// WorkerPath is where Backpack's server and static site serve WorkerJS.
const WorkerPath = "/web/mdc-worker.js"

// WorkerJS is the MDC worker's source: the SHA-1 of the modification
// detection code computed off the page's main thread. The server serves it
// at the path the app sets in WorkerURL.
//
//go:embed mdcworker.js
var WorkerJS string

// mdcHash is the running SHA-1 of a packet's plaintext.
type mdcHash interface {
	Write(p []byte) (int, error)
	// sum returns the digest; the hash is not used afterwards.
	sum() ([]byte, error)
	// done releases what the hash holds (a worker).
	done()
}

type goSHA1 struct{ hash.Hash }

func (g goSHA1) sum() ([]byte, error) { return g.Sum(nil), nil }
func (g goSHA1) done()                {}

func newGoSHA1() mdcHash { return goSHA1{sha1.New()} }
