//go:build !wasm

package syncserver

import (
	"crypto/ed25519"
	"net/http"
	"strconv"
	"time"

	"backpack/internal/syncproto"
	"backpack/internal/syncstore"
)

func (a *API) infoOf(v syncstore.Vault, device string) syncproto.Info {
	return syncproto.Info{
		Vault: v.ID, VaultKey: v.Key, Device: device, Head: v.Head,
		UsedBytes: v.Used, QuotaBytes: a.cfg.QuotaBytes, Devices: v.Devices, MaxDevices: a.cfg.MaxDevices,
		MaxEnvelope: a.cfg.MaxEnvelope, MaxPush: a.cfg.MaxPush, MaxChunk: a.cfg.MaxChunk,
	}
}

func (a *API) info(w http.ResponseWriter, r *request) error {
	v, err := a.cfg.Store.Vault(r.Context(), r.vault)
	if err != nil {
		return err
	}
	i := a.infoOf(v, r.device)
	i.Role = r.role
	return writeJSON(w, http.StatusOK, i)
}

func (a *API) create(w http.ResponseWriter, r *request) error {
	var c syncproto.CreateVault
	if err := decode(r.body, &c); err != nil {
		return err
	}
	id, err := syncproto.CheckCreate(c)
	if err != nil {
		return err
	}
	dev := syncproto.Device{ID: syncproto.DeviceID(c.DeviceKey), Key: c.DeviceKey, Added: a.cfg.Now().Unix()}
	if err := a.cfg.Store.CreateVault(r.Context(), syncstore.NewVault{ID: id, Key: c.VaultKey, Device: dev}, a.cfg.MaxVaults); err != nil {
		return err
	}
	return a.answerInfo(w, r, id, dev.ID, http.StatusCreated)
}

func (a *API) answerInfo(w http.ResponseWriter, r *request, vault, device string, status int) error {
	return a.answerJoined(w, r, syncstore.Joined{Vault: vault}, device, status)
}

func (a *API) answerJoined(w http.ResponseWriter, r *request, j syncstore.Joined, device string, status int) error {
	v, err := a.cfg.Store.Vault(r.Context(), j.Vault)
	if err != nil {
		return err
	}
	i := a.infoOf(v, device)
	i.Role, i.Blob = j.Role, j.Blob
	return writeJSON(w, status, i)
}

func (a *API) join(w http.ResponseWriter, r *request) error {
	var j syncproto.Join
	if err := decode(r.body, &j); err != nil {
		return err
	}
	if err := syncproto.CheckJoin(r.vault, j); err != nil {
		return err
	}
	if (j.BoxKey != nil && len(j.BoxKey) != 32) || len(j.Label) > syncproto.MaxBlob {
		return &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	now := a.cfg.Now()
	dev := syncproto.Device{ID: syncproto.DeviceID(j.DeviceKey), Key: j.DeviceKey, Added: now.Unix(), BoxKey: j.BoxKey, Label: j.Label}
	joined, err := a.cfg.Store.Join(r.Context(), r.vault, j.EnrollKey, dev, now, a.cfg.MaxDevices)
	if err != nil {
		return err
	}
	return a.answerJoined(w, r, joined, dev.ID, http.StatusCreated)
}

// peek answers a member's invitation without using it up (see
// syncproto.PeekPath).
func (a *API) peek(w http.ResponseWriter, r *request) error {
	var p syncproto.Peek
	if err := decode(r.body, &p); err != nil {
		return err
	}
	if err := syncproto.CheckPeek(p); err != nil {
		return err
	}
	inv, err := a.cfg.Store.Peek(r.Context(), p.EnrollKey, a.cfg.Now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, inv)
}

func (a *API) deleteVault(w http.ResponseWriter, r *request) error {
	if err := a.cfg.Store.DeleteVault(r.Context(), r.vault); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) push(w http.ResponseWriter, r *request) error {
	var p syncproto.Push
	if err := decode(r.body, &p); err != nil {
		return err
	}
	if len(p.Envelopes) > a.cfg.MaxPush {
		return &syncproto.Error{Code: syncproto.CodeTooLarge}
	}
	for _, e := range p.Envelopes {
		if int64(len(e.Ciphertext)) > a.cfg.MaxEnvelope {
			return &syncproto.Error{Code: syncproto.CodeTooLarge}
		}
	}
	v, err := a.cfg.Store.Vault(r.Context(), r.vault)
	if err != nil {
		return err
	}
	if _, err := syncproto.CheckPush(ed25519.PublicKey(v.Key), r.vault, p); err != nil {
		return err
	}
	var size int64
	for _, e := range p.Envelopes {
		size += e.Size()
	}
	if err := a.roomFor(r, size); err != nil {
		return err
	}
	if err := a.cfg.Store.Append(r.Context(), r.vault, p, a.cfg.QuotaBytes); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, syncproto.PushResult{Head: p.Head})
}

// maxPullLimit bounds the entries a client may ask for in one page.
const maxPullLimit = 10000

func (a *API) pull(w http.ResponseWriter, r *request) error {
	q := r.URL.Query()
	since, err := strconv.ParseUint(q.Get("since"), 10, 63)
	if err != nil {
		return &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	limit := syncproto.DefaultPullLimit
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit <= 0 {
			return &syncproto.Error{Code: syncproto.CodeBadRequest}
		}
	}
	p, err := a.cfg.Store.Pull(r.Context(), r.vault, since, min(limit, maxPullLimit), a.cfg.MaxPullBytes)
	if err != nil {
		return err
	}
	if p.Entries == nil {
		p.Entries = []syncproto.Entry{}
	}
	return writeJSON(w, http.StatusOK, p)
}

func (a *API) enroll(w http.ResponseWriter, r *request) error {
	var e syncproto.Enroll
	if err := decode(r.body, &e); err != nil {
		return err
	}
	if len(e.EnrollKey) != ed25519.PublicKeySize || e.Seconds < 0 || e.Seconds > syncproto.MaxEnrollSeconds {
		return &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	if (e.Role != "" && !syncproto.ValidRole(e.Role)) || (e.Role == "" && e.Blob != nil) || len(e.Blob) > syncproto.MaxBlob {
		return &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	if e.Seconds == 0 {
		e.Seconds = 600
	}
	en := syncstore.Enrollment{Key: e.EnrollKey, Expires: a.cfg.Now().Add(time.Duration(e.Seconds) * time.Second), Role: e.Role, Blob: e.Blob}
	if err := a.cfg.Store.Enroll(r.Context(), r.vault, en); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) devices(w http.ResponseWriter, r *request) error {
	d, err := a.cfg.Store.Devices(r.Context(), r.vault)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, syncproto.Devices{Devices: d})
}

// removeDevice: an owner removes any device, a member only itself (it
// leaves the shared profile).
func (a *API) removeDevice(w http.ResponseWriter, r *request) error {
	dev := r.PathValue("device")
	if r.role != syncproto.RoleOwner && dev != r.device {
		return forbidden
	}
	if err := a.cfg.Store.RemoveDevice(r.Context(), r.vault, dev); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// keys answers the asking device's own wrapped profile keys.
func (a *API) keys(w http.ResponseWriter, r *request) error {
	ks, err := a.cfg.Store.Keys(r.Context(), r.vault, r.device)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, syncproto.KeyWraps{Keys: ks})
}

func (a *API) putKeys(w http.ResponseWriter, r *request) error {
	var k syncproto.KeyWraps
	if err := decode(r.body, &k); err != nil {
		return err
	}
	if len(k.Keys) == 0 || len(k.Keys) > syncproto.MaxWraps {
		return &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	for _, kw := range k.Keys {
		if !idPattern.MatchString(kw.Device) || kw.Epoch == 0 || len(kw.Wrapped) == 0 || len(kw.Wrapped) > 1<<10 {
			return &syncproto.Error{Code: syncproto.CodeBadRequest}
		}
	}
	if err := a.cfg.Store.PutKeys(r.Context(), r.vault, k.Keys); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// fileID is the {file} of the path, or an error for a malformed one.
func fileID(r *request) (string, error) {
	f := r.PathValue("file")
	if !idPattern.MatchString(f) {
		return "", &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	return f, nil
}

func (a *API) fileStatus(w http.ResponseWriter, r *request) error {
	f, err := fileID(r)
	if err != nil {
		return err
	}
	st, err := a.cfg.Store.File(r.Context(), r.vault, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (a *API) deleteFile(w http.ResponseWriter, r *request) error {
	f, err := fileID(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Store.DeleteFile(r.Context(), r.vault, f); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chunkOf reads {file} and {index} (and with total, the total query
// parameter).
func chunkOf(r *request, withTotal bool) (file string, index, total int, err error) {
	bad := &syncproto.Error{Code: syncproto.CodeBadRequest}
	if file, err = fileID(r); err != nil {
		return "", 0, 0, err
	}
	index, err = strconv.Atoi(r.PathValue("index"))
	if err != nil || index < 0 || index >= syncproto.MaxChunks {
		return "", 0, 0, bad
	}
	if withTotal {
		total, err = strconv.Atoi(r.URL.Query().Get("total"))
		if err != nil || total <= index || total > syncproto.MaxChunks {
			return "", 0, 0, bad
		}
	}
	return file, index, total, nil
}

func (a *API) putChunk(w http.ResponseWriter, r *request) error {
	f, index, total, err := chunkOf(r, true)
	if err != nil {
		return err
	}
	if len(r.body) == 0 {
		return &syncproto.Error{Code: syncproto.CodeBadRequest}
	}
	if err := a.roomFor(r, int64(len(r.body))); err != nil {
		return err
	}
	if err := a.cfg.Store.PutChunk(r.Context(), syncstore.Chunk{Vault: r.vault, File: f, Index: index, Total: total, Data: r.body}, a.cfg.QuotaBytes); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// roomFor checks MaxTotalBytes before n more bytes are stored.
func (a *API) roomFor(r *request, n int64) error {
	if a.cfg.MaxTotalBytes <= 0 {
		return nil
	}
	used, err := a.cfg.Store.Used(r.Context())
	if err != nil {
		return err
	}
	if used+n > a.cfg.MaxTotalBytes {
		return &syncproto.Error{Code: syncproto.CodeQuota}
	}
	return nil
}

func (a *API) getChunk(w http.ResponseWriter, r *request) error {
	f, index, _, err := chunkOf(r, false)
	if err != nil {
		return err
	}
	data, err := a.cfg.Store.Chunk(r.Context(), r.vault, f, index)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
	return nil
}
