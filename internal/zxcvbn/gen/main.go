// Command gen writes web/zxcvbn.dat, zxcvbn's word lists as the page loads
// them at run time (internal/zxcvbn), from github.com/trustelem/zxcvbn's
// own lists: `go run ./internal/zxcvbn/gen -o web/zxcvbn.dat` (make build
// runs it).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"

	"github.com/trustelem/zxcvbn/frequency"

	"backpack/internal/zxcvbn"
)

func main() {
	out := flag.String("o", "web/"+zxcvbn.File, "output file")
	flag.Parse()
	b := zxcvbn.Encode(frequency.FrequencyLists)
	if s := sha256.Sum256(b); hex.EncodeToString(s[:]) != zxcvbn.Sum {
		fmt.Fprintf(os.Stderr, "gen: the lists' SHA-256 is %x, internal/zxcvbn.Sum says %s: update Sum (go test ./internal/zxcvbn)\n", s, zxcvbn.Sum)
		os.Exit(1)
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.Rename(tmp, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
