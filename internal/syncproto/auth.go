package syncproto

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// AuthScheme is the scheme of the Authorization header of signed requests.
const AuthScheme = "Backpack-Sync"

// Auth is a parsed Authorization header.
type Auth struct {
	Device string
	Unix   int64
	Sig    []byte
}

// SignRequest returns the Authorization header value for a request of device
// (key: its private key) at Unix time unix.
func SignRequest(key ed25519.PrivateKey, method, path string, unix int64, body []byte) string {
	sig := ed25519.Sign(key, RequestMessage(method, path, unix, body))
	return AuthScheme + " device=" + DeviceID(key.Public().(ed25519.PublicKey)) +
		",t=" + strconv.FormatInt(unix, 10) + ",sig=" + base64.RawURLEncoding.EncodeToString(sig)
}

var errAuth = errors.New("sync: malformed Authorization header")

// ParseAuth reads an Authorization header value made by SignRequest.
func ParseAuth(h string) (Auth, error) {
	var a Auth
	rest, ok := strings.CutPrefix(h, AuthScheme+" ")
	if !ok {
		return a, errAuth
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return a, errAuth
		}
		switch k {
		case "device":
			a.Device = v
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return a, errAuth
			}
			a.Unix = n
		case "sig":
			b, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil {
				return a, errAuth
			}
			a.Sig = b
		}
	}
	if a.Device == "" || a.Unix == 0 || len(a.Sig) != ed25519.SignatureSize {
		return a, errAuth
	}
	return a, nil
}

// Verify checks a's signature with the device's public key and that its time
// is within MaxClockSkew of now (Unix seconds).
func (a Auth) Verify(deviceKey ed25519.PublicKey, method, path string, body []byte, now int64) bool {
	if d := now - a.Unix; d > MaxClockSkew || d < -MaxClockSkew {
		return false
	}
	return len(deviceKey) == ed25519.PublicKeySize && DeviceID(deviceKey) == a.Device &&
		ed25519.Verify(deviceKey, RequestMessage(method, path, a.Unix, body), a.Sig)
}
