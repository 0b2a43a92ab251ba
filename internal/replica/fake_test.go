//go:build !wasm

package replica

import (
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"backpack/internal/syncproto"
)

// fakeServer is a small in-memory implementation of the sync API, with the
// protocol's checks (syncproto's), for the engine's tests. tamper, when
// set, may change a pull page before it is sent.
type fakeServer struct {
	t  testing.TB
	mu sync.Mutex

	vaults map[string]*fakeVault
	tamper func(p *syncproto.Pull)
	pulls  int
	// failChunk, when set, makes a chunk request fail (a dropped connection).
	failChunk  func(method string, i int) bool
	puts, gets int
}

type fakeVault struct {
	key     ed25519.PublicKey
	devices map[string]ed25519.PublicKey
	enrolls map[string]time.Time // enrollment public keys (hex)
	log     []syncproto.Entry
	hashes  [][]byte
	heads   []syncproto.Head // the signed head after each push
	chunks  map[string]map[int][]byte
	totals  map[string]int
}

func newFake(t testing.TB) (*fakeServer, *httptest.Server) {
	f := &fakeServer{t: t, vaults: map[string]*fakeVault{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeServer) fail(w http.ResponseWriter, c syncproto.Code, head *syncproto.Head) {
	w.WriteHeader(c.Status())
	json.NewEncoder(w).Encode(&syncproto.Error{Code: c, Head: head})
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	path := r.URL.Path
	if path == syncproto.JoinPath() && r.Method == "POST" {
		var j syncproto.Join
		json.Unmarshal(body, &j)
		for vid, fv := range f.vaults {
			if _, open := fv.enrolls[string(j.EnrollKey)]; open && syncproto.CheckJoin("", j) == nil {
				delete(fv.enrolls, string(j.EnrollKey))
				dk := ed25519.PublicKey(j.DeviceKey)
				fv.devices[syncproto.DeviceID(dk)] = dk
				json.NewEncoder(w).Encode(f.info(vid, syncproto.DeviceID(dk)))
				return
			}
		}
		f.fail(w, syncproto.CodeNotFound, nil)
		return
	}
	rest, ok := strings.CutPrefix(path, syncproto.VaultsPath())
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest == "" && r.Method == "POST" {
		var c syncproto.CreateVault
		json.Unmarshal(body, &c)
		vid, err := syncproto.CheckCreate(c)
		if err != nil {
			f.fail(w, syncproto.CodeBadSignature, nil)
			return
		}
		if f.vaults[vid] != nil {
			f.fail(w, syncproto.CodeExists, nil)
			return
		}
		dk := ed25519.PublicKey(c.DeviceKey)
		f.vaults[vid] = &fakeVault{key: c.VaultKey, devices: map[string]ed25519.PublicKey{syncproto.DeviceID(dk): dk},
			enrolls: map[string]time.Time{}, chunks: map[string]map[int][]byte{}, totals: map[string]int{}}
		json.NewEncoder(w).Encode(f.info(vid, syncproto.DeviceID(dk)))
		return
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	vid := parts[0]
	fv := f.vaults[vid]
	if fv == nil {
		f.fail(w, syncproto.CodeNotFound, nil)
		return
	}
	if len(parts) == 2 && parts[1] == "devices" && r.Method == "POST" {
		var j syncproto.Join
		json.Unmarshal(body, &j)
		ek := string(j.EnrollKey)
		if _, open := fv.enrolls[ek]; !open || syncproto.CheckJoin(vid, j) != nil {
			f.fail(w, syncproto.CodeUnauthorized, nil)
			return
		}
		delete(fv.enrolls, ek)
		dk := ed25519.PublicKey(j.DeviceKey)
		fv.devices[syncproto.DeviceID(dk)] = dk
		json.NewEncoder(w).Encode(f.info(vid, syncproto.DeviceID(dk)))
		return
	}
	a, err := syncproto.ParseAuth(r.Header.Get("Authorization"))
	dk := fv.devices[a.Device]
	if err != nil || dk == nil || !a.Verify(dk, r.Method, r.URL.RequestURI(), body, time.Now().Unix()) {
		f.fail(w, syncproto.CodeUnauthorized, nil)
		return
	}
	switch {
	case len(parts) == 1 && r.Method == "GET":
		json.NewEncoder(w).Encode(f.info(vid, a.Device))
	case len(parts) == 2 && parts[1] == "log" && r.Method == "GET":
		f.pulls++
		since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
		limit := 50
		p := syncproto.Pull{Entries: []syncproto.Entry{}}
		end := since
		for _, h := range fv.heads {
			if h.Seq > since && (h.Seq <= since+uint64(limit) || end == since) {
				end = h.Seq
			}
		}
		if since <= end && end <= uint64(len(fv.log)) {
			p.Entries = append(p.Entries, fv.log[since:end]...)
		}
		p.More = end < uint64(len(fv.log))
		p.Head = f.headAt(vid, fv, end)
		if f.tamper != nil {
			f.tamper(&p)
		}
		json.NewEncoder(w).Encode(p)
	case len(parts) == 2 && parts[1] == "log" && r.Method == "POST":
		var p syncproto.Push
		json.Unmarshal(body, &p)
		cur := f.headAt(vid, fv, uint64(len(fv.log)))
		if p.Base.Seq != cur.Seq || string(p.Base.Hash) != string(cur.Hash) {
			f.fail(w, syncproto.CodeConflict, &cur)
			return
		}
		hashes, err := syncproto.CheckPush(fv.key, vid, p)
		if err != nil {
			f.fail(w, err.(*syncproto.Error).Code, nil)
			return
		}
		for i, e := range p.Envelopes {
			fv.log = append(fv.log, syncproto.Entry{Seq: uint64(len(fv.log) + 1), Envelope: e})
			fv.hashes = append(fv.hashes, hashes[i])
		}
		fv.heads = append(fv.heads, p.Head)
		json.NewEncoder(w).Encode(syncproto.PushResult{Head: p.Head})
	case len(parts) == 2 && parts[1] == "enroll" && r.Method == "POST":
		var e syncproto.Enroll
		json.Unmarshal(body, &e)
		fv.enrolls[string(e.EnrollKey)] = time.Now()
		w.WriteHeader(http.StatusNoContent)
	case len(parts) == 2 && parts[1] == "devices" && r.Method == "GET":
		var d syncproto.Devices
		for id, k := range fv.devices {
			d.Devices = append(d.Devices, syncproto.Device{ID: id, Key: k})
		}
		sort.Slice(d.Devices, func(i, j int) bool { return d.Devices[i].ID < d.Devices[j].ID })
		json.NewEncoder(w).Encode(d)
	case len(parts) == 3 && parts[1] == "devices" && r.Method == "DELETE":
		delete(fv.devices, parts[2])
		w.WriteHeader(http.StatusNoContent)
	case len(parts) == 3 && parts[1] == "files" && r.Method == "GET":
		fs := syncproto.FileStatus{Total: fv.totals[parts[2]]}
		for i := range fv.chunks[parts[2]] {
			fs.Have = append(fs.Have, i)
		}
		sort.Ints(fs.Have)
		fs.Complete = fs.Total > 0 && len(fs.Have) == fs.Total
		if fs.Total == 0 {
			f.fail(w, syncproto.CodeNotFound, nil)
			return
		}
		json.NewEncoder(w).Encode(fs)
	case len(parts) == 4 && parts[1] == "files":
		i, _ := strconv.Atoi(parts[3])
		file := parts[2]
		if f.failChunk != nil && f.failChunk(r.Method, i) {
			f.fail(w, syncproto.CodeUnavailable, nil)
			return
		}
		if r.Method == "PUT" {
			f.puts++
			total, _ := strconv.Atoi(r.URL.Query().Get("total"))
			if fv.chunks[file] == nil {
				fv.chunks[file] = map[int][]byte{}
			}
			fv.totals[file] = total
			fv.chunks[file][i] = body
			w.WriteHeader(http.StatusNoContent)
			return
		}
		f.gets++
		c, ok := fv.chunks[file][i]
		if !ok {
			f.fail(w, syncproto.CodeNotFound, nil)
			return
		}
		w.Write(c)
	default:
		f.fail(w, syncproto.CodeNotFound, nil)
	}
}

// headAt is the signed head of the log at seq (a push boundary) or the
// newest signed head at or before it.
func (f *fakeServer) headAt(vid string, fv *fakeVault, seq uint64) syncproto.Head {
	if seq == 0 {
		return syncproto.Head{Hash: syncproto.Genesis(vid)}
	}
	for i := len(fv.heads) - 1; i >= 0; i-- {
		if fv.heads[i].Seq <= seq {
			return fv.heads[i]
		}
	}
	return syncproto.Head{Hash: syncproto.Genesis(vid)}
}

func (f *fakeServer) info(vid, dev string) syncproto.Info {
	fv := f.vaults[vid]
	return syncproto.Info{Vault: vid, VaultKey: fv.key, Device: dev, Head: f.headAt(vid, fv, uint64(len(fv.log))),
		Devices: len(fv.devices), MaxPush: 100, MaxEnvelope: 8 << 20, MaxChunk: 2 << 20}
}
