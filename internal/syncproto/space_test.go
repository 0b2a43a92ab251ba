package syncproto

import (
	"crypto/ed25519"
	"testing"
)

func TestSpaceRolesAndWraps(t *testing.T) {
	if CodeForbidden.Status() != 403 {
		t.Fatalf("forbidden is %d", CodeForbidden.Status())
	}
	if !ValidRole(RoleRead) || !ValidRole(RoleCoManage) || ValidRole(RoleOwner) || ValidRole("admin") {
		t.Fatal("ValidRole")
	}
	if CanWrite(RoleRead) || !CanWrite(RoleCoManage) || !CanWrite(RoleOwner) {
		t.Fatal("CanWrite")
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	ct := []byte("wrapped")
	sig := ed25519.Sign(priv, WrapMessage("v", "d", 2, 10, ct))
	if !VerifyWrap(pub, "v", "d", 2, 10, ct, sig) {
		t.Fatal("a good wrap does not verify")
	}
	for _, bad := range []func() bool{
		func() bool { return VerifyWrap(pub, "v", "other", 2, 10, ct, sig) }, // moved to another device
		func() bool { return VerifyWrap(pub, "v", "d", 1, 10, ct, sig) },     // another epoch
		func() bool { return VerifyWrap(pub, "v", "d", 2, 11, ct, sig) },     // another start
		func() bool { return VerifyWrap(pub, "w", "d", 2, 10, ct, sig) },     // another space
	} {
		if bad() {
			t.Fatal("a changed wrap verifies")
		}
	}
}
