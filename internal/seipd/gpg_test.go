//go:build !(js && wasm)

package seipd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGnuPG checks that GnuPG (2.2+) decrypts Writer's messages and finds
// no integrity problem, for sizes around the buffer boundaries.
func TestGnuPG(t *testing.T) {
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg not on PATH")
	}
	home := t.TempDir()
	os.Chmod(home, 0o700)
	env := append(os.Environ(), "GNUPGHOME="+home, "LC_ALL=C")
	t.Cleanup(func() {
		cmd := exec.Command("gpgconf", "--kill", "all")
		cmd.Env = env
		cmd.Run()
	})
	for _, n := range []int{0, 17, literalChunk + 1, 3*chunk + 5} {
		data := payload(n)
		dir := t.TempDir()
		in, out := filepath.Join(dir, "m.pgp"), filepath.Join(dir, "m.zip")
		if err := os.WriteFile(in, message(t, data, 5000), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(gpg, "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback",
			"--passphrase", string(testPass), "--output", out, "--decrypt", in)
		cmd.Env = env
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("size %d: gpg: %v\n%s", n, err, msg)
		} else if bytes.Contains(msg, []byte("WARNING")) {
			t.Fatalf("size %d: gpg warns:\n%s", n, msg)
		}
		got, err := os.ReadFile(out)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: gpg's output differs (%v)", n, err)
		}
	}
}
