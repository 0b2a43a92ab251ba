//go:build e2e

package e2e

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"backpack/internal/syncproto"
	"backpack/internal/syncstore/pgtest"
)

var (
	serverBinOnce sync.Once
	serverBin     string
	serverBinErr  error
)

// backpackBinary builds the server once per test run.
func backpackBinary(t testing.TB) string {
	serverBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "backpack-bin-")
		if err != nil {
			serverBinErr = err
			return
		}
		serverBin = filepath.Join(dir, "backpack")
		out, err := exec.Command("go", "build", "-o", serverBin, "backpack/cmd/backpack").CombinedOutput()
		if err != nil {
			serverBinErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if serverBinErr != nil {
		t.Fatal(serverBinErr)
	}
	return serverBin
}

// startSyncServers starts n `backpack serve -db postgres://…` processes
// sharing one throwaway PostgreSQL (pgtest), each serving the app from
// webDir on its own loopback port (so each is its own origin: a browser
// profile per server). It returns their base URLs; the processes stop when
// t ends.
func startSyncServers(t testing.TB, n int) []string {
	t.Helper()
	pg := pgtest.Start(t)
	db := pg.NewDatabase(t)
	var urls []string
	for range n {
		urls = append(urls, startServeProcess(t, "", "-db", db).url)
	}
	return urls
}

// serveProcess is one running `backpack serve` process.
type serveProcess struct {
	t    testing.TB
	addr string // host:port; "" picks a free one
	url  string
	args []string
	cmd  *exec.Cmd
	logs bytes.Buffer
	done chan struct{}
}

// startServeProcess starts `backpack serve -addr addr -web webDir args…`
// and waits until its sync API answers; it stops when t ends.
func startServeProcess(t testing.TB, addr string, args ...string) *serveProcess {
	t.Helper()
	if addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr().String()
		ln.Close()
	}
	p := &serveProcess{t: t, addr: addr, url: "http://" + addr, args: args}
	p.start()
	t.Cleanup(func() { p.stop(syscall.SIGTERM) })
	return p
}

func (p *serveProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command(backpackBinary(p.t), append([]string{"serve", "-addr", p.addr, "-web", webDir}, p.args...)...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.logs.Reset()
	p.cmd.Stdout, p.cmd.Stderr = &p.logs, &p.logs
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(p.cmd, p.done)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.url + syncproto.HealthPath())
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			p.t.Fatalf("backpack serve exited: %s", p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("backpack serve did not start: %v\n%s", err, p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends sig (SIGKILL: a crash) and waits for the process to end.
func (p *serveProcess) stop(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}

// syncCall sends one sync request (signed by dev unless nil) and decodes
// the answer into out.
func syncCall(base string, dev ed25519.PrivateKey, method, path string, in, out any) (int, error) {
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
	if dev != nil {
		req.Header.Set("Authorization", syncproto.SignRequest(dev, method, path, time.Now().Unix(), body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(b, out)
	}
	return resp.StatusCode, nil
}

// Two `backpack serve` processes share one PostgreSQL: a device paired and
// syncing through one and a device through the other see one verified log,
// and removing a device through one ends its access through both.
func TestSyncTwoServerProcesses(t *testing.T) {
	urls := startSyncServers(t, 2)
	_, vault, _ := ed25519.GenerateKey(nil)
	_, devA, _ := ed25519.GenerateKey(nil)
	_, devB, _ := ed25519.GenerateKey(nil)
	vpub := vault.Public().(ed25519.PublicKey)
	id := syncproto.VaultID(vpub)
	must := func(_ int, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(syncCall(urls[0], nil, "POST", syncproto.VaultsPath(), syncproto.NewCreate(vault, devA), nil))
	secret := []byte("a pairing secret shown as a QR code")
	must(syncCall(urls[0], devA, "POST", syncproto.EnrollPath(id), syncproto.Enroll{EnrollKey: syncproto.EnrollKey(secret).Public().(ed25519.PublicKey)}, nil))
	var info syncproto.Info
	must(syncCall(urls[1], nil, "POST", syncproto.DevicesPath(id), syncproto.NewJoin(id, secret, devB), &info))
	if syncproto.VaultID(info.VaultKey) != id {
		t.Fatal("vault key")
	}
	chainA, chainB := syncproto.NewChain(vpub), syncproto.NewChain(vpub)
	push := func(base string, dev ed25519.PrivateKey, c *syncproto.Chain, envs []syncproto.Envelope) {
		t.Helper()
		p := c.Push(vault, envs)
		var r syncproto.PushResult
		must(syncCall(base, dev, "POST", syncproto.LogPath(id), p, &r))
		if err := c.Accept(p, r); err != nil {
			t.Fatal(err)
		}
	}
	pull := func(base string, dev ed25519.PrivateKey, c *syncproto.Chain) int {
		t.Helper()
		n := 0
		for {
			var p syncproto.Pull
			must(syncCall(base, dev, "GET", syncproto.PullPath(id, c.Seq, 0), nil, &p))
			if err := c.Verify(p); err != nil {
				t.Fatal(err)
			}
			n += len(p.Entries)
			if !p.More {
				return n
			}
		}
	}
	push(urls[0], devA, chainA, []syncproto.Envelope{{ID: []byte("r1"), Version: 1, Ciphertext: []byte("sealed")}})
	if n := pull(urls[1], devB, chainB); n != 1 {
		t.Fatal(n)
	}
	push(urls[1], devB, chainB, []syncproto.Envelope{{ID: []byte("r1"), Version: 2, Deleted: true}})
	if n := pull(urls[0], devA, chainA); n != 1 || !bytes.Equal(chainA.Hash, chainB.Hash) {
		t.Fatal(n)
	}
	must(syncCall(urls[1], devB, "DELETE", syncproto.DevicePath(id, syncproto.DeviceID(devA.Public().(ed25519.PublicKey))), nil, nil))
	for _, u := range urls {
		if code, _ := syncCall(u, devA, "GET", syncproto.PullPath(id, 0, 0), nil, nil); code != 401 {
			t.Fatalf("removed device through %s: %d", u, code)
		}
	}
}

// The server process is killed (SIGKILL) at random moments while a big push
// is being stored, then started again on the same -data folder: every time
// the log holds the whole push or none of it, verifies, and takes the next
// push on its head.
func TestSyncServerKilledMidPush(t *testing.T) {
	p := startServeProcess(t, "", "-data", t.TempDir())
	_, vault, _ := ed25519.GenerateKey(nil)
	_, dev, _ := ed25519.GenerateKey(nil)
	vpub := vault.Public().(ed25519.PublicKey)
	id := syncproto.VaultID(vpub)
	if _, err := syncCall(p.url, nil, "POST", syncproto.VaultsPath(), syncproto.NewCreate(vault, dev), nil); err != nil {
		t.Fatal(err)
	}
	chain := syncproto.NewChain(vpub)
	big := make([]syncproto.Envelope, 2000)
	for i := range big {
		big[i] = syncproto.Envelope{ID: []byte(fmt.Sprintf("%032d", i)), Version: 1, Ciphertext: bytes.Repeat([]byte{byte(i)}, 1024)}
	}
	// How long one whole push takes here: the kills land across it.
	start := time.Now()
	first := chain.Push(vault, big)
	var r0 syncproto.PushResult
	if _, err := syncCall(p.url, dev, "POST", syncproto.LogPath(id), first, &r0); err != nil {
		t.Fatal(err)
	}
	chain.Accept(first, r0)
	took := time.Since(start)
	whole, none := 0, 0
	const rounds = 8
	for round := range rounds {
		push := chain.Push(vault, big)
		sent := make(chan error, 1)
		go func() {
			var r syncproto.PushResult
			_, err := syncCall(p.url, dev, "POST", syncproto.LogPath(id), push, &r)
			sent <- err
		}()
		time.Sleep(took * time.Duration(round) / (rounds - 2))
		p.stop(syscall.SIGKILL)
		<-sent
		p.start()
		before := chain.Seq
		for {
			var page syncproto.Pull
			if _, err := syncCall(p.url, dev, "GET", syncproto.PullPath(id, chain.Seq, 0), nil, &page); err != nil {
				t.Fatal(err)
			}
			if err := chain.Verify(page); err != nil {
				t.Fatalf("round %d: the log after the crash does not verify: %v", round, err)
			}
			if !page.More {
				break
			}
		}
		switch chain.Seq - before {
		case 0:
			none++
		case uint64(len(big)):
			whole++
		default:
			t.Fatalf("round %d: %d of %d envelopes visible after the crash", round, chain.Seq-before, len(big))
		}
		// The next push builds on whatever head survived.
		next := chain.Push(vault, big[:1])
		var r syncproto.PushResult
		if _, err := syncCall(p.url, dev, "POST", syncproto.LogPath(id), next, &r); err != nil {
			t.Fatalf("round %d: push after the crash: %v", round, err)
		}
		chain.Accept(next, r)
	}
	t.Logf("crashes during a %v push: %d kept whole, %d left no trace", took.Round(time.Millisecond), whole, none)
}
