package export

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gnupg returns a function running gpg in a fresh GNUPGHOME, or skips.
func gnupg(t *testing.T) func(dir string, args ...string) (string, error) {
	t.Helper()
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg not on PATH")
	}
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GNUPGHOME="+home, "LC_ALL=C")
	t.Cleanup(func() {
		if gc, err := exec.LookPath("gpgconf"); err == nil {
			cmd := exec.Command(gc, "--kill", "all")
			cmd.Env = env
			cmd.Run()
		}
	})
	return func(dir string, args ...string) (string, error) {
		cmd := exec.Command(gpg, append([]string{"--batch", "--yes", "--no-tty", "--quiet"}, args...)...)
		cmd.Env = env
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// GnuPG 2.2+ decrypts a passphrase export into a zip that archive/zip and
// any unzip tool open, and `gpg --use-embedded-filename` names it.
func TestGnuPGPassphrase(t *testing.T) {
	gpg := gnupg(t)
	d, files := sample(t)
	pass := GeneratePassphrase()
	out := export(t, d, Selection{IncludeSummary: true, IncludeIPS: true}, files, passphrase(t, pass))
	dir := t.TempDir()
	in := filepath.Join(dir, "record.pgp")
	if err := os.WriteFile(in, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if msg, err := gpg(dir, "--pinentry-mode", "loopback", "--passphrase", pass, "--output", "x.zip", "--decrypt", in); err != nil {
		t.Fatalf("gpg --decrypt: %v\n%s", err, msg)
	}
	zr, err := zip.OpenReader(filepath.Join(dir, "x.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	checkArchive(t, &zr.Reader, d, files)

	if msg, err := gpg(dir, "--pinentry-mode", "loopback", "--passphrase", pass, "--use-embedded-filename", in); err != nil {
		t.Fatalf("gpg --use-embedded-filename: %v\n%s", err, msg)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "backpack-export-*.zip"))
	if len(names) != 1 {
		t.Errorf("embedded file name not used: %v", names)
	}

	if msg, err := gpg(dir, "--pinentry-mode", "loopback", "--passphrase", "wrong", "--output", "y.zip", "--decrypt", in); err == nil {
		t.Errorf("gpg accepted a wrong passphrase: %s", msg)
	}
}

// GnuPG decrypts a public-key export with the matching private key.
func TestGnuPGPublicKey(t *testing.T) {
	gpg := gnupg(t)
	d, files := sample(t)
	for _, keyType := range []string{"x25519", "rsa"} {
		t.Run(keyType, func(t *testing.T) {
			pub, priv := genKey(t, keyType, "")
			out := export(t, d, Selection{IncludeSummary: true, IncludeIPS: true}, files, mustKey(t, pub))
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "key.asc"), []byte(priv), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "record.pgp"), out, 0o600); err != nil {
				t.Fatal(err)
			}
			if msg, err := gpg(dir, "--import", "key.asc"); err != nil {
				t.Fatalf("gpg --import: %v\n%s", err, msg)
			}
			if msg, err := gpg(dir, "--pinentry-mode", "loopback", "--output", "x.zip", "--decrypt", "record.pgp"); err != nil {
				t.Fatalf("gpg --decrypt: %v\n%s", err, msg)
			}
			zr, err := zip.OpenReader(filepath.Join(dir, "x.zip"))
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			checkArchive(t, &zr.Reader, d, files)
		})
	}
}

// `gpg --list-packets` shows the classic format: SKESK v4, SEIPD v1 with
// MDC, AES-256; no AEAD.
func TestGnuPGPacketFormat(t *testing.T) {
	gpg := gnupg(t)
	d, files := sample(t)
	out := export(t, d, Selection{Profiles: []string{"p2"}}, files, passphrase(t, "pw"))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.pgp"), out, 0o600); err != nil {
		t.Fatal(err)
	}
	msg, err := gpg(dir, "--pinentry-mode", "loopback", "--passphrase", "pw", "--list-packets", "r.pgp")
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	for _, want := range []string{"symkey enc packet: version 4, cipher 9", "encrypted data packet:", "mdc_method: 2", "literal data packet:", "name=\"backpack-export-"} {
		if !strings.Contains(msg, want) {
			t.Errorf("packets lack %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(msg, "aead 0,") || strings.Contains(msg, "aead encrypted packet") {
		t.Errorf("AEAD packet found:\n%s", msg)
	}
}
