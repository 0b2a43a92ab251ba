//go:build !wasm

package syncstore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"backpack/internal/syncproto"
	"backpack/internal/syncstore/pgtest"
)

// backend is one Store implementation under the shared suite: fresh makes a
// new empty location (a folder, a database), open opens a Store on it (twice
// for the same location: two server processes).
type backend struct {
	name  string
	fresh func(t *testing.T) string
	open  func(ctx context.Context, loc string) (Store, error)
}

func sqliteBackend() backend {
	return backend{"sqlite", func(t *testing.T) string { return t.TempDir() }, OpenSQLite}
}

func postgresBackend(t *testing.T) backend {
	srv := pgtest.Start(t)
	return backend{"postgres", func(t *testing.T) string { return srv.NewDatabase(t) }, OpenPostgres}
}

func TestSQLite(t *testing.T)   { runSuite(t, sqliteBackend()) }
func TestPostgres(t *testing.T) { runSuite(t, postgresBackend(t)) }

func (b backend) store(t *testing.T, loc string) Store {
	t.Helper()
	s, err := b.open(context.Background(), loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func runSuite(t *testing.T, b backend) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, backend)
	}{
		{"Vaults", testVaults},
		{"AppendPull", testAppendPull},
		{"ConflictReplayReorder", testConflict},
		{"Quota", testQuota},
		{"FailedPushLeavesNothing", testFailedPush},
		{"Crash", testCrash},
		{"Devices", testDevices},
		{"Members", testMembers},
		{"Files", testFiles},
		{"DeleteVault", testDeleteVault},
		{"ConcurrentProcesses", testConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, b) })
	}
}

var ctx = context.Background()

// vault is a test client: the vault key, a device and its verified chain.
type vault struct {
	priv  ed25519.PrivateKey
	id    string
	chain *syncproto.Chain
}

func newVault(t *testing.T, s Store) *vault {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(nil)
	dpub, _, _ := ed25519.GenerateKey(nil)
	v := &vault{priv: priv, id: syncproto.VaultID(pub), chain: syncproto.NewChain(pub)}
	err := s.CreateVault(ctx, NewVault{ID: v.id, Key: pub, Device: syncproto.Device{ID: syncproto.DeviceID(dpub), Key: dpub, Added: 1}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func envs(n int, tag string) []syncproto.Envelope {
	out := make([]syncproto.Envelope, n)
	for i := range out {
		out[i] = syncproto.Envelope{ID: []byte(fmt.Sprintf("id-%s-%d", tag, i)), Version: uint64(i + 1), Ciphertext: []byte("ct " + tag + fmt.Sprint(i)), Deleted: i%5 == 4}
	}
	return out
}

// push appends envelopes on the chain's head and moves the chain.
func (v *vault) push(t *testing.T, s Store, e []syncproto.Envelope) syncproto.Push {
	t.Helper()
	p := v.chain.Push(v.priv, e)
	if _, err := syncproto.CheckPush(v.chain.Key, v.id, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, v.id, p, 0); err != nil {
		t.Fatal(err)
	}
	if err := v.chain.Accept(p, syncproto.PushResult{Head: p.Head}); err != nil {
		t.Fatal(err)
	}
	return p
}

// pullAll pulls everything after since page by page, verifying each page.
func pullAll(t *testing.T, s Store, v *vault, c *syncproto.Chain, limit int, maxBytes int64) []syncproto.Entry {
	t.Helper()
	var all []syncproto.Entry
	for range 10000 {
		p, err := s.Pull(ctx, v.id, c.Seq, limit, maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Verify(p); err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Entries...)
		if !p.More {
			return all
		}
	}
	t.Fatal("pull never ends")
	return nil
}

func code(err error) syncproto.Code {
	var e *syncproto.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func testVaults(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	got, err := s.Vault(ctx, v.id)
	if err != nil || got.Head.Seq != 0 || !bytes.Equal(got.Head.Hash, syncproto.Genesis(v.id)) || got.Devices != 1 || !bytes.Equal(got.Key, v.chain.Key) {
		t.Fatal(got, err)
	}
	err = s.CreateVault(ctx, NewVault{ID: v.id, Key: v.chain.Key, Device: syncproto.Device{ID: "x", Key: []byte("k")}}, 0)
	if code(err) != syncproto.CodeExists {
		t.Fatal(err)
	}
	if _, err := s.Vault(ctx, "nope"); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	err = s.CreateVault(ctx, NewVault{ID: syncproto.VaultID(pub), Key: pub, Device: syncproto.Device{ID: "d", Key: pub}}, 1)
	if code(err) != syncproto.CodeQuota {
		t.Fatal("max vaults:", err)
	}
	// The same vault created at once through several connections: one
	// wins, the others hear that it exists.
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.CreateVault(ctx, NewVault{ID: syncproto.VaultID(pub), Key: pub, Device: syncproto.Device{ID: "d", Key: pub}}, 0)
		}()
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case code(err) != syncproto.CodeExists:
			t.Fatal("concurrent create:", err)
		}
	}
	if won != 1 {
		t.Fatal(won, "creates won")
	}
}

func testAppendPull(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	var want []syncproto.Envelope
	for i, n := range []int{3, 1, 70, 2, 5} { // 70 spans two insert batches
		e := envs(n, fmt.Sprint(i))
		v.push(t, s, e)
		want = append(want, e...)
	}
	head, _ := s.Vault(ctx, v.id)
	if head.Head.Seq != 81 || !bytes.Equal(head.Head.Hash, v.chain.Hash) || len(head.Head.Sig) == 0 {
		t.Fatal("head", head.Head.Seq)
	}
	check := func(got []syncproto.Entry, from int) {
		t.Helper()
		if len(got) != len(want)-from {
			t.Fatalf("got %d entries, want %d", len(got), len(want)-from)
		}
		for i, e := range got {
			w := want[from+i]
			if e.Seq != uint64(from+i+1) || !bytes.Equal(e.ID, w.ID) || e.Version != w.Version || e.Deleted != w.Deleted || !bytes.Equal(e.Ciphertext, w.Ciphertext) {
				t.Fatalf("entry %d: %+v, want %+v", i, e, w)
			}
		}
	}
	// Pages of any size end at signed heads and verify from a fresh device.
	for _, limit := range []int{0, 1, 4, 10, 1000} {
		c := syncproto.NewChain(v.chain.Key)
		check(pullAll(t, s, v, c, limit, 0), 0)
	}
	c := syncproto.NewChain(v.chain.Key)
	check(pullAll(t, s, v, c, 0, 20), 0) // byte-capped pages
	// From a cursor in the middle.
	c = syncproto.NewChain(v.chain.Key)
	p, _ := s.Pull(ctx, v.id, 0, 4, 0)
	if len(p.Entries) != 4 || !p.More || p.Head.Seq != 4 {
		t.Fatalf("first page: %d entries, head %d", len(p.Entries), p.Head.Seq)
	}
	c.Verify(p)
	check(pullAll(t, s, v, c, 0, 0), 4)
	// Nothing new.
	p, err := s.Pull(ctx, v.id, 81, 0, 0)
	if err != nil || len(p.Entries) != 0 || p.More || p.Head.Seq != 81 || c.Verify(p) != nil {
		t.Fatal("empty pull", err)
	}
	// A cursor ahead of the server: the answer shows the client a rollback.
	ahead := *c
	ahead.Seq = 90
	p, _ = s.Pull(ctx, v.id, 90, 0, 0)
	if err := ahead.Verify(p); !errors.Is(err, syncproto.ErrRollback) {
		t.Fatal(err)
	}
	if _, err := s.Pull(ctx, "nope", 0, 0, 0); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
}

func testConflict(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	first := v.push(t, s, envs(2, "a"))
	// Replay of the same push: its base is no longer the head.
	err := s.Append(ctx, v.id, first, 0)
	var e *syncproto.Error
	if !errors.As(err, &e) || e.Code != syncproto.CodeConflict || e.Head == nil || e.Head.Seq != 2 || !bytes.Equal(e.Head.Hash, v.chain.Hash) {
		t.Fatal("replay:", err)
	}
	// Reorder: two pushes built in sequence, the second sent first.
	p1 := v.chain.Push(v.priv, envs(1, "b"))
	next := *v.chain
	next.Accept(p1, syncproto.PushResult{Head: p1.Head})
	p2 := next.Push(v.priv, envs(1, "c"))
	if err := s.Append(ctx, v.id, p2, 0); code(err) != syncproto.CodeConflict {
		t.Fatal("reorder:", err)
	}
	if err := s.Append(ctx, v.id, p1, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, v.id, p2, 0); err != nil {
		t.Fatal(err)
	}
	// A device that did not pull builds on a stale head: conflict, nothing written.
	stale := syncproto.NewChain(v.chain.Key)
	if err := s.Append(ctx, v.id, stale.Push(v.priv, envs(1, "d")), 0); code(err) != syncproto.CodeConflict {
		t.Fatal("stale:", err)
	}
	got := pullAll(t, s, v, syncproto.NewChain(v.chain.Key), 0, 0)
	if len(got) != 4 {
		t.Fatal(len(got))
	}
}

func testQuota(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	e := envs(3, "q")
	var size int64
	for _, x := range e {
		size += x.Size()
	}
	p := v.chain.Push(v.priv, e)
	if err := s.Append(ctx, v.id, p, size-1); code(err) != syncproto.CodeQuota {
		t.Fatal(err)
	}
	if err := s.Append(ctx, v.id, p, size); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Vault(ctx, v.id)
	if got.Used != size {
		t.Fatal(got.Used, size)
	}
	w := newVault(t, s)
	w.push(t, s, envs(1, "w"))
	if all, err := s.Used(ctx); err != nil || all != size+envs(1, "w")[0].Size() {
		t.Fatal("all vaults:", all, err)
	}
}

// A push that fails after some of its envelopes were inserted leaves no
// trace: the head, the log and the next push are as if it never ran.
func testFailedPush(t *testing.T, b backend) {
	loc := b.fresh(t)
	s := b.store(t, loc)
	v := newVault(t, s)
	v.push(t, s, envs(2, "ok"))
	ss := s.(*sqlStore)
	calls := 0
	ss.afterInsert = func() error {
		calls++
		if calls == 2 {
			return errors.New("disk full")
		}
		return nil
	}
	p := v.chain.Push(v.priv, envs(150, "half"))
	if err := s.Append(ctx, v.id, p, 0); err == nil || calls != 2 {
		t.Fatal("push did not fail midway", err, calls)
	}
	ss.afterInsert = nil
	checkUntouched(t, b.store(t, loc), v)
}

// checkUntouched: the vault holds the 2 entries of its first push and takes
// the next push on that head.
func checkUntouched(t *testing.T, s Store, v *vault) {
	t.Helper()
	got, err := s.Vault(ctx, v.id)
	if err != nil || got.Head.Seq != 2 || !bytes.Equal(got.Head.Hash, v.chain.Hash) {
		t.Fatal("head moved", got.Head.Seq, err)
	}
	if all := pullAll(t, s, v, syncproto.NewChain(v.chain.Key), 0, 0); len(all) != 2 {
		t.Fatalf("%d entries visible", len(all))
	}
	var n int
	ss := s.(*sqlStore)
	if err := ss.row(ctx, ss.db, "SELECT count(*) FROM sync_entries WHERE vault = ?", v.id).Scan(&n); err != nil || n != 2 {
		t.Fatal("rows left behind:", n, err)
	}
	v.push(t, s, envs(3, "after"))
}

const crashEnv = "BACKPACK_SYNCSTORE_CRASH"

// The server process dies (SIGKILL) in the middle of a push, after some
// envelopes are inserted: once the store is opened again, nothing of that
// push is visible.
func testCrash(t *testing.T, b backend) {
	loc := b.fresh(t)
	s := b.store(t, loc)
	v := newVault(t, s)
	v.push(t, s, envs(2, "ok"))
	p := v.chain.Push(v.priv, envs(150, "crash"))
	f, err := os.CreateTemp(t.TempDir(), "push")
	if err != nil {
		t.Fatal(err)
	}
	if err := writePush(f, p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashEnv+"="+b.name+"|"+loc+"|"+v.id+"|"+f.Name())
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	cmd.Process.Kill()
	cmd.Wait()
	if strings.TrimSpace(line) != "inserted" {
		t.Fatalf("child said %q", line)
	}
	checkUntouched(t, s, v)
}

// TestCrashChild is the process testCrash kills: it pushes and stops
// forever after the first batch of envelopes is inserted.
func TestCrashChild(t *testing.T) {
	arg := os.Getenv(crashEnv)
	if arg == "" {
		t.Skip("run by the Crash test")
	}
	f := strings.Split(arg, "|")
	open := OpenSQLite
	if f[0] == "postgres" {
		open = OpenPostgres
	}
	s, err := open(ctx, f[1])
	if err != nil {
		t.Fatal(err)
	}
	p, err := readPush(f[3])
	if err != nil {
		t.Fatal(err)
	}
	s.(*sqlStore).afterInsert = func() error {
		fmt.Println("inserted")
		os.Stdout.Sync()
		select {}
	}
	s.Append(ctx, f[2], p, 0)
}

func testDevices(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	devs, _ := s.Devices(ctx, v.id)
	if len(devs) != 1 {
		t.Fatal(devs)
	}
	first := devs[0]
	now := time.Now()
	ek, _, _ := ed25519.GenerateKey(nil)
	dk, _, _ := ed25519.GenerateKey(nil)
	d := syncproto.Device{ID: syncproto.DeviceID(dk), Key: dk, Added: now.Unix()}
	if _, err := s.Join(ctx, v.id, ek, d, now, 0); code(err) != syncproto.CodeNotFound {
		t.Fatal("join without enrollment:", err)
	}
	if err := s.Enroll(ctx, v.id, Enrollment{Key: ek, Expires: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join(ctx, v.id, ek, d, now.Add(2*time.Minute), 0); code(err) != syncproto.CodeNotFound {
		t.Fatal("expired enrollment:", err)
	}
	s.Enroll(ctx, v.id, Enrollment{Key: ek, Expires: now.Add(time.Minute)})
	if _, err := s.Join(ctx, v.id, ek, d, now, 2); err != nil {
		t.Fatal(err)
	}
	key, role, err := s.DeviceKey(ctx, v.id, d.ID)
	if err != nil || !bytes.Equal(key, dk) || role != syncproto.RoleOwner {
		t.Fatal(err)
	}
	d2pub, _, _ := ed25519.GenerateKey(nil)
	d2 := syncproto.Device{ID: syncproto.DeviceID(d2pub), Key: d2pub}
	if _, err := s.Join(ctx, v.id, ek, d2, now, 0); code(err) != syncproto.CodeNotFound {
		t.Fatal("enrollment used twice:", err)
	}
	s.Enroll(ctx, v.id, Enrollment{Key: ek, Expires: now.Add(time.Minute)})
	if _, err := s.Join(ctx, v.id, ek, d2, now, 2); code(err) != syncproto.CodeQuota {
		t.Fatal("max devices:", err)
	}
	for range maxEnrollments {
		k, _, _ := ed25519.GenerateKey(nil)
		s.Enroll(ctx, v.id, Enrollment{Key: k, Expires: now.Add(time.Minute)})
	}
	k, _, _ := ed25519.GenerateKey(nil)
	if err := s.Enroll(ctx, v.id, Enrollment{Key: k, Expires: now.Add(time.Minute)}); code(err) != syncproto.CodeQuota {
		t.Fatal("open enrollments unbounded:", err)
	}
	// A join that knows only the enrollment key finds its vault; a key
	// open in one vault cannot be opened in another.
	other := newVault(t, s)
	ek2, _, _ := ed25519.GenerateKey(nil)
	if err := s.Enroll(ctx, other.id, Enrollment{Key: ek2, Expires: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enroll(ctx, v.id, Enrollment{Key: ek2, Expires: now.Add(time.Minute)}); code(err) != syncproto.CodeExists {
		t.Fatal("one enrollment key in two vaults:", err)
	}
	if got, err := s.Join(ctx, "", ek2, d2, now, 0); err != nil || got.Vault != other.id || got.Role != "" || got.Blob != nil {
		t.Fatal("vault-less join:", got, err)
	}
	if _, err := s.Join(ctx, "", ek2, d, now, 0); code(err) != syncproto.CodeNotFound {
		t.Fatal("vault-less join used twice:", err)
	}
	if err := s.RemoveDevice(ctx, v.id, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.DeviceKey(ctx, v.id, first.ID); code(err) != syncproto.CodeNotFound {
		t.Fatal("removed device still has a key:", err)
	}
	if err := s.RemoveDevice(ctx, v.id, first.ID); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
	if _, _, err := s.DeviceKey(ctx, "other", d.ID); code(err) != syncproto.CodeNotFound {
		t.Fatal("device found under another vault")
	}
}

func testFiles(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	put := func(i int, data string, quota int64) error {
		return s.PutChunk(ctx, Chunk{Vault: v.id, File: "f1", Index: i, Total: 3, Data: []byte(data)}, quota)
	}
	if _, err := s.File(ctx, v.id, "f1"); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
	if err := put(2, "cc", 0); err != nil {
		t.Fatal(err)
	}
	if err := put(0, "aaaa", 0); err != nil {
		t.Fatal(err)
	}
	if err := put(0, "AAA", 0); err != nil { // a resumed upload sends a chunk again
		t.Fatal(err)
	}
	st, _ := s.File(ctx, v.id, "f1")
	if st.Total != 3 || len(st.Have) != 2 || st.Have[0] != 0 || st.Have[1] != 2 || st.Complete || st.Bytes != 5 {
		t.Fatalf("%+v", st)
	}
	if m := st.Missing(3); len(m) != 1 || m[0] != 1 {
		t.Fatal(m)
	}
	if err := s.PutChunk(ctx, Chunk{Vault: v.id, File: "f1", Index: 1, Total: 4, Data: []byte("x")}, 0); code(err) != syncproto.CodeBadRequest {
		t.Fatal("total changed:", err)
	}
	if err := put(1, "bbbbbbbbbb", 14); code(err) != syncproto.CodeQuota {
		t.Fatal("quota:", err)
	}
	if err := put(1, "bbbbbbbbb", 14); err != nil {
		t.Fatal(err)
	}
	st, _ = s.File(ctx, v.id, "f1")
	if !st.Complete || st.Bytes != 14 {
		t.Fatalf("%+v", st)
	}
	if err := put(1, "changed", 0); code(err) != syncproto.CodeExists {
		t.Fatal("complete file changed:", err)
	}
	data, err := s.Chunk(ctx, v.id, "f1", 1)
	if err != nil || string(data) != "bbbbbbbbb" {
		t.Fatal(string(data), err)
	}
	if _, err := s.Chunk(ctx, v.id, "f1", 3); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
	if got, _ := s.Vault(ctx, v.id); got.Used != 14 {
		t.Fatal(got.Used)
	}
	if err := s.DeleteFile(ctx, v.id, "f1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Vault(ctx, v.id); got.Used != 0 {
		t.Fatal("bytes not freed:", got.Used)
	}
	if _, err := s.Chunk(ctx, v.id, "f1", 1); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
	if err := s.PutChunk(ctx, Chunk{Vault: "nope", File: "f", Total: 1, Data: []byte("x")}, 0); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
}

func testDeleteVault(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	keep := newVault(t, s)
	v.push(t, s, envs(3, "x"))
	keep.push(t, s, envs(2, "y"))
	s.PutChunk(ctx, Chunk{Vault: v.id, File: "f", Total: 1, Data: []byte("x")}, 0)
	if err := s.DeleteVault(ctx, v.id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Vault(ctx, v.id); code(err) != syncproto.CodeNotFound {
		t.Fatal(err)
	}
	ss := s.(*sqlStore)
	for _, table := range vaultTables {
		var n int
		ss.row(ctx, ss.db, "SELECT count(*) FROM "+table+" WHERE vault = ?", v.id).Scan(&n)
		if n != 0 {
			t.Errorf("%s keeps %d rows", table, n)
		}
	}
	if all := pullAll(t, s, keep, syncproto.NewChain(keep.chain.Key), 0, 0); len(all) != 2 {
		t.Fatal("other vault touched")
	}
}

// Two stores on one location stand for two server processes: pushes from
// many clients through both interleave into one gapless, verified log.
func testConcurrent(t *testing.T, b backend) {
	loc := b.fresh(t)
	stores := []Store{b.store(t, loc), b.store(t, loc)}
	v := newVault(t, stores[0])
	const clients, pushes = 6, 8
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[c%2]
			chain := syncproto.NewChain(v.chain.Key)
			for i := 0; i < pushes; {
				p := chain.Push(v.priv, envs(2, fmt.Sprintf("c%d-%d", c, i)))
				err := s.Append(ctx, v.id, p, 0)
				if code(err) == syncproto.CodeConflict {
					page, err := s.Pull(ctx, v.id, chain.Seq, 0, 0)
					if err == nil {
						err = chain.Verify(page)
					}
					if err != nil {
						errs <- err
						return
					}
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				chain.Accept(p, syncproto.PushResult{Head: p.Head})
				i++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all := pullAll(t, stores[1], v, syncproto.NewChain(v.chain.Key), 0, 0)
	if len(all) != clients*pushes*2 {
		t.Fatalf("%d entries, want %d", len(all), clients*pushes*2)
	}
}

// testMembers: a shared profile's member enrollment carries a role and a
// blob; a peek reads them without using the enrollment up; the join hands
// the blob over once and keeps the member's role, box key and sealed
// name; wrapped keys go to member devices only and leave with them.
func testMembers(t *testing.T, b backend) {
	s := b.store(t, b.fresh(t))
	v := newVault(t, s)
	now := time.Now()
	ek, _, _ := ed25519.GenerateKey(nil)
	blob := []byte("sealed keys")
	if _, err := s.Peek(ctx, ek, now); code(err) != syncproto.CodeNotFound {
		t.Fatal("peek without enrollment:", err)
	}
	if err := s.Enroll(ctx, v.id, Enrollment{Key: ek, Expires: now.Add(time.Minute), Role: syncproto.RoleRead, Blob: blob}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		inv, err := s.Peek(ctx, ek, now)
		if err != nil || inv.Vault != v.id || inv.Role != syncproto.RoleRead || !bytes.Equal(inv.Blob, blob) {
			t.Fatal("peek:", inv, err)
		}
	}
	if _, err := s.Peek(ctx, ek, now.Add(2*time.Minute)); code(err) != syncproto.CodeNotFound {
		t.Fatal("peek of an expired enrollment:", err)
	}
	// A device enrollment of the vault's own is not an invitation.
	own, _, _ := ed25519.GenerateKey(nil)
	s.Enroll(ctx, v.id, Enrollment{Key: own, Expires: now.Add(time.Minute)})
	if _, err := s.Peek(ctx, own, now); code(err) != syncproto.CodeNotFound {
		t.Fatal("peek of a device enrollment:", err)
	}

	dk, _, _ := ed25519.GenerateKey(nil)
	box := bytes.Repeat([]byte{7}, 32)
	d := syncproto.Device{ID: syncproto.DeviceID(dk), Key: dk, Added: now.Unix(), BoxKey: box, Label: []byte("sealed name")}
	j, err := s.Join(ctx, "", ek, d, now, 0)
	if err != nil || j.Vault != v.id || j.Role != syncproto.RoleRead || !bytes.Equal(j.Blob, blob) {
		t.Fatal("join:", j, err)
	}
	if _, err := s.Peek(ctx, ek, now); code(err) != syncproto.CodeNotFound {
		t.Fatal("peek after the join:", err)
	}
	if _, role, err := s.DeviceKey(ctx, v.id, d.ID); err != nil || role != syncproto.RoleRead {
		t.Fatal("member's role:", role, err)
	}
	devs, err := s.Devices(ctx, v.id)
	if err != nil || len(devs) != 2 {
		t.Fatal(devs, err)
	}
	m := devs[1]
	if devs[0].Role != "" || m.ID != d.ID || m.Role != syncproto.RoleRead || !bytes.Equal(m.BoxKey, box) || string(m.Label) != "sealed name" {
		t.Fatalf("devices: %+v", devs)
	}
	// The blob was handed over once: the server holds it no more.
	if got := rawCount(t, s, "sync_enroll_extra", v.id); got != 0 {
		t.Fatal("blob kept after the join:", got)
	}

	// Wrapped keys: for member devices only, listed per device.
	owner := devs[0].ID
	if err := s.PutKeys(ctx, v.id, []syncproto.KeyWrap{{Device: owner, Epoch: 2, Wrapped: []byte("x")}}); code(err) != syncproto.CodeNotFound {
		t.Fatal("wrap for an owner device:", err)
	}
	if err := s.PutKeys(ctx, v.id, []syncproto.KeyWrap{{Device: d.ID, Epoch: 3, Wrapped: []byte("w3")}, {Device: d.ID, Epoch: 2, Wrapped: []byte("w2")}}); err != nil {
		t.Fatal(err)
	}
	s.PutKeys(ctx, v.id, []syncproto.KeyWrap{{Device: d.ID, Epoch: 2, Wrapped: []byte("w2'")}})
	ks, err := s.Keys(ctx, v.id, d.ID)
	if err != nil || len(ks) != 2 || ks[0].Epoch != 2 || string(ks[0].Wrapped) != "w2'" || ks[1].Epoch != 3 {
		t.Fatalf("keys: %+v %v", ks, err)
	}
	if ks, _ := s.Keys(ctx, v.id, owner); len(ks) != 0 {
		t.Fatal("another device's keys:", ks)
	}
	other := newVault(t, s)
	if err := s.PutKeys(ctx, other.id, []syncproto.KeyWrap{{Device: d.ID, Epoch: 2, Wrapped: []byte("x")}}); code(err) != syncproto.CodeNotFound {
		t.Fatal("wrap for another vault's member:", err)
	}
	if err := s.RemoveDevice(ctx, v.id, d.ID); err != nil {
		t.Fatal(err)
	}
	if ks, _ := s.Keys(ctx, v.id, d.ID); len(ks) != 0 {
		t.Fatal("keys kept after removal:", ks)
	}
	if got := rawCount(t, s, "sync_members", v.id); got != 0 {
		t.Fatal("member row kept after removal:", got)
	}
	// Deleting the vault leaves nothing of its members behind.
	ek3, _, _ := ed25519.GenerateKey(nil)
	s.Enroll(ctx, v.id, Enrollment{Key: ek3, Expires: now.Add(time.Minute), Role: syncproto.RoleCoManage, Blob: blob})
	if err := s.DeleteVault(ctx, v.id); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sync_enroll_extra", "sync_members", "sync_keys"} {
		if got := rawCount(t, s, table, v.id); got != 0 {
			t.Fatal(table, "kept after the vault's deletion:", got)
		}
	}
}

// rawCount counts the rows of table that belong to vault, under the API.
func rawCount(t *testing.T, s Store, table, vault string) int {
	t.Helper()
	q := s.(*sqlStore)
	var n int
	if err := q.row(ctx, q.db, "SELECT count(*) FROM "+table+" WHERE vault = ?", vault).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
