//go:build !wasm

package syncserver

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"testing"

	"backpack/internal/syncproto"
)

// invite opens a member enrollment of role in c's vault (a shared profile)
// and has d peek at it and join with a box key and a sealed name.
func (c *client) invite(t *testing.T, d *client, role string, secret []byte) syncproto.Info {
	t.Helper()
	ek := syncproto.EnrollKey(secret)
	blob := []byte("keys sealed under the invitation secret")
	if err := c.do("POST", syncproto.EnrollPath(c.id), syncproto.Enroll{EnrollKey: ek.Public().(ed25519.PublicKey), Role: role, Blob: blob}, nil, true); err != nil {
		t.Fatal("invite:", err)
	}
	var inv syncproto.Invitation
	if err := d.do("POST", syncproto.PeekPath(), syncproto.NewPeek(ek), &inv, false); err != nil || inv.Vault != c.id || inv.Role != role || !bytes.Equal(inv.Blob, blob) {
		t.Fatalf("peek: %+v %v", inv, err)
	}
	j := syncproto.NewJoin("", secret, d.dev)
	j.BoxKey, j.Label = bytes.Repeat([]byte{1}, 32), []byte("sealed name")
	var info syncproto.Info
	if err := d.do("POST", syncproto.JoinPath(), j, &info, false); err != nil {
		t.Fatal("join:", err)
	}
	if info.Vault != c.id || info.Role != role || !bytes.Equal(info.Blob, blob) {
		t.Fatalf("join answer: %+v", info)
	}
	d.id, d.vault, d.chain = c.id, c.vault, syncproto.NewChain(info.VaultKey)
	return info
}

func devID(c *client) string { return syncproto.DeviceID(c.dev.Public().(ed25519.PublicKey)) }

// TestSpaceRoles: over real HTTP, a read-only member of a shared profile may
// pull, read its own wrapped keys and leave, but not push, upload chunks,
// invite, list or remove others, hand out keys or delete the space; a
// co-manager may also push and upload; the owner does everything, and a
// removed member is refused from then on.
func TestSpaceRoles(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{})
	owner := newDevice(srv.URL, srv.Client())
	if _, err := owner.create(); err != nil {
		t.Fatal(err)
	}
	if err := owner.push([]syncproto.Envelope{env("r1", 1, "sealed one")}); err != nil {
		t.Fatal(err)
	}
	reader, comanager := newDevice(srv.URL, srv.Client()), newDevice(srv.URL, srv.Client())
	owner.invite(t, reader, syncproto.RoleRead, []byte("reader's secret!"))
	owner.invite(t, comanager, syncproto.RoleCoManage, []byte("co-manager's one"))

	// A used invitation is gone, to a peek as to a join.
	if err := reader.do("POST", syncproto.PeekPath(), syncproto.NewPeek(syncproto.EnrollKey([]byte("reader's secret!"))), nil, false); codeOf(err) != syncproto.CodeNotFound {
		t.Fatal("peek of a used invitation:", err)
	}
	// A peek must be signed by the enrollment key.
	bad := syncproto.NewPeek(syncproto.EnrollKey([]byte("x")))
	bad.EnrollKey = syncproto.EnrollKey([]byte("y")).Public().(ed25519.PublicKey)
	if err := reader.do("POST", syncproto.PeekPath(), bad, nil, false); codeOf(err) != syncproto.CodeBadSignature {
		t.Fatal("unsigned peek:", err)
	}

	var info syncproto.Info
	if err := reader.do("GET", syncproto.VaultPath(owner.id), nil, &info, true); err != nil || info.Role != syncproto.RoleRead || info.Blob != nil {
		t.Fatalf("reader's info: %+v %v", info, err)
	}
	if got, err := reader.pull(); err != nil || len(got) != 1 {
		t.Fatal("reader's pull:", got, err)
	}
	forbidden := func(who string, c *client, method, path string, body any) {
		t.Helper()
		if err := c.do(method, path, body, nil, true); codeOf(err) != syncproto.CodeForbidden || statusOf(err) != http.StatusForbidden {
			t.Errorf("%s %s %s: %v, want 403 forbidden", who, method, path, err)
		}
	}
	p := reader.chain.Push(reader.vault, []syncproto.Envelope{env("r2", 1, "reader's change")})
	forbidden("reader", reader, "POST", syncproto.LogPath(owner.id), p)
	forbidden("reader", reader, "PUT", syncproto.ChunkPath(owner.id, "f1", 0, 1), []byte("chunk"))
	forbidden("reader", reader, "DELETE", syncproto.FilePath(owner.id, "f1"), nil)
	ek := syncproto.EnrollKey([]byte("another secret.."))
	for _, c := range []struct {
		name string
		who  *client
	}{{"reader", reader}, {"co-manager", comanager}} {
		forbidden(c.name, c.who, "POST", syncproto.EnrollPath(owner.id), syncproto.Enroll{EnrollKey: ek.Public().(ed25519.PublicKey)})
		forbidden(c.name, c.who, "GET", syncproto.DevicesPath(owner.id), nil)
		forbidden(c.name, c.who, "DELETE", syncproto.DevicePath(owner.id, devID(owner)), nil)
		forbidden(c.name, c.who, "PUT", syncproto.KeysPath(owner.id), syncproto.KeyWraps{Keys: []syncproto.KeyWrap{{Device: devID(reader), Epoch: 2, Wrapped: []byte("w")}}})
		forbidden(c.name, c.who, "DELETE", syncproto.VaultPath(owner.id), nil)
	}
	forbidden("reader", reader, "DELETE", syncproto.DevicePath(owner.id, devID(comanager)), nil)

	// The co-manager pushes and uploads.
	if err := comanager.sync([]syncproto.Envelope{env("r3", 1, "co-manager's change")}); err != nil {
		t.Fatal("co-manager's push:", err)
	}
	if err := comanager.do("PUT", syncproto.ChunkPath(owner.id, "f1", 0, 1), []byte("chunk"), nil, true); err != nil {
		t.Fatal("co-manager's chunk:", err)
	}

	// The owner lists members with their roles, box keys and sealed names,
	// and hands out wrapped keys; each member reads only its own.
	var devs syncproto.Devices
	if err := owner.do("GET", syncproto.DevicesPath(owner.id), nil, &devs, true); err != nil || len(devs.Devices) != 3 {
		t.Fatal(devs, err)
	}
	roles := map[string]string{}
	for _, d := range devs.Devices {
		roles[d.ID] = d.Role
		if d.Role != "" && (len(d.BoxKey) != 32 || string(d.Label) != "sealed name") {
			t.Fatalf("member device: %+v", d)
		}
	}
	if roles[devID(owner)] != "" || roles[devID(reader)] != syncproto.RoleRead || roles[devID(comanager)] != syncproto.RoleCoManage {
		t.Fatal("roles:", roles)
	}
	wraps := syncproto.KeyWraps{Keys: []syncproto.KeyWrap{{Device: devID(reader), Epoch: 2, Wrapped: []byte("for reader")}, {Device: devID(comanager), Epoch: 2, Wrapped: []byte("for co-manager")}}}
	if err := owner.do("PUT", syncproto.KeysPath(owner.id), wraps, nil, true); err != nil {
		t.Fatal(err)
	}
	var mine syncproto.KeyWraps
	if err := reader.do("GET", syncproto.KeysPath(owner.id), nil, &mine, true); err != nil || len(mine.Keys) != 1 || string(mine.Keys[0].Wrapped) != "for reader" {
		t.Fatal("reader's keys:", mine, err)
	}
	if err := owner.do("PUT", syncproto.KeysPath(owner.id), syncproto.KeyWraps{Keys: []syncproto.KeyWrap{{Device: devID(owner), Epoch: 2, Wrapped: []byte("x")}}}, nil, true); codeOf(err) != syncproto.CodeNotFound {
		t.Fatal("a wrap for a device that is no member:", err)
	}

	// The owner removes the co-manager: refused from then on. The reader
	// leaves by itself.
	if err := owner.do("DELETE", syncproto.DevicePath(owner.id, devID(comanager)), nil, nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := comanager.pull(); codeOf(err) != syncproto.CodeUnauthorized {
		t.Fatal("removed co-manager's pull:", err)
	}
	if err := reader.do("DELETE", syncproto.DevicePath(owner.id, devID(reader)), nil, nil, true); err != nil {
		t.Fatal("reader leaving:", err)
	}
	if err := reader.do("GET", syncproto.KeysPath(owner.id), nil, nil, true); codeOf(err) != syncproto.CodeUnauthorized {
		t.Fatal("reader after leaving:", err)
	}
	if err := owner.do("DELETE", syncproto.VaultPath(owner.id), nil, nil, true); err != nil {
		t.Fatal("owner deletes the space:", err)
	}
}

// TestSpaceEnrollChecked: a member enrollment needs a known role and a
// bounded blob; a device enrollment carries no blob.
func TestSpaceEnrollChecked(t *testing.T) {
	s, _ := sqliteStore(t)
	srv := serve(t, s, Config{})
	owner := newDevice(srv.URL, srv.Client())
	if _, err := owner.create(); err != nil {
		t.Fatal(err)
	}
	ek := syncproto.EnrollKey([]byte("a secret")).Public().(ed25519.PublicKey)
	for _, e := range []syncproto.Enroll{
		{EnrollKey: ek, Role: "admin", Blob: []byte("b")},
		{EnrollKey: ek, Blob: []byte("b")},
		{EnrollKey: ek, Role: syncproto.RoleRead, Blob: make([]byte, syncproto.MaxBlob+1)},
	} {
		if err := owner.do("POST", syncproto.EnrollPath(owner.id), e, nil, true); codeOf(err) != syncproto.CodeBadRequest {
			t.Errorf("enroll role %q blob %d: %v, want bad request", e.Role, len(e.Blob), err)
		}
	}
	if err := owner.do("POST", syncproto.EnrollPath(owner.id), syncproto.Enroll{EnrollKey: ek, Role: syncproto.RoleRead, Blob: make([]byte, syncproto.MaxBlob)}, nil, true); err != nil {
		t.Fatal("largest blob:", err)
	}
}
