// Package portaltest is a SMART App Launch + FHIR R4 test server for
// Backpack's portal tests: an authorize endpoint that approves at once, a
// token endpoint that checks PKCE and refreshes, access tokens that
// expire, paged searches, a refused type, 429 answers, and CORS on or off.
// It serves the resources of FHIR Bundles given to it (Synthea patients),
// one patient per server, on loopback only.
package portaltest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options choose how the server behaves.
type Options struct {
	ClientID         string        // the only client id accepted; "" accepts any (a sandbox)
	TokenTTL         time.Duration // access token lifetime; 0 means an hour
	NoRefresh        bool          // issue no refresh tokens
	PageSize         int           // search page size; 0 means 50
	Refuse           []string      // types answered 403
	NeedCategory     bool          // Observation searches without category are answered 400 (as Epic does)
	TooMany          int           // answer every TooMany-th FHIR request with 429 (0: never)
	NoCORS           bool          // send no CORS headers (a server a browser cannot reach)
	NoWellKnown      bool          // no .well-known/smart-configuration: discovery from metadata
	V1               bool          // advertise SMART v1 scopes only
	Delay            time.Duration // added to each FHIR answer
	PatientID        string        // the patient signed in; "" means the first Patient of the data
	AllowedRedirects []string      // accepted redirect URIs by prefix; empty accepts any
	Open             bool          // FHIR needs no token (an open server, as upstream of another SMART server)
	TLS              bool          // serve https (with a test certificate: see Server.Client)
}

// Server is a running test server.
type Server struct {
	URL  string // base of the server, e.g. http://127.0.0.1:1234
	FHIR string // FHIR base URL: URL + "/fhir"

	opt Options
	ln  net.Listener
	srv *http.Server
	tls *httptest.Server

	mu        sync.Mutex
	res       map[string]map[string]stored // type → id → resource
	order     map[string][]string          // type → ids, in load order
	codes     map[string]grant
	access    map[string]time.Time // token → expiry
	refresh   map[string]bool
	revoked   int
	now       func() time.Time
	requests  int
	fhirReqs  int
	tooMany   int
	refreshes int
	scopes    []string        // scope of the last token request
	seen      []string        // FHIR request paths and queries, in order
	throttled map[string]bool // requests answered 429 last time (see fhir)
}

type stored struct {
	json    []byte
	updated time.Time
}

type grant struct {
	clientID, redirect, challenge, scope string
}

// Start serves the resources of bundles (FHIR JSON Bundles or single
// resources) on a loopback port. Stop it with Close.
func Start(opt Options, bundles ...[]byte) (*Server, error) {
	s := &Server{opt: opt, res: map[string]map[string]stored{}, order: map[string][]string{}, codes: map[string]grant{},
		access: map[string]time.Time{}, refresh: map[string]bool{}, now: time.Now}
	for _, b := range bundles {
		if err := s.Load(b); err != nil {
			return nil, err
		}
	}
	if s.opt.PatientID == "" && len(s.order["Patient"]) > 0 {
		s.opt.PatientID = s.order["Patient"][0]
	}
	if opt.TLS {
		s.tls = httptest.NewUnstartedServer(s)
		s.tls.StartTLS()
		s.URL = s.tls.URL
		s.FHIR = s.URL + "/fhir"
		return s, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.FHIR = s.URL + "/fhir"
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	if s.tls != nil {
		s.tls.Close()
		return nil
	}
	return s.srv.Close()
}

// Client is an HTTP client that trusts the server (its test certificate
// when TLS is on).
func (s *Server) Client() *http.Client {
	if s.tls != nil {
		return s.tls.Client()
	}
	return http.DefaultClient
}

// Patient is the id of the patient who signs in.
func (s *Server) Patient() string { return s.opt.PatientID }

// Load adds the resources of a Bundle (or one resource) to the server,
// last updated now. Synthea's urn:uuid references become Type/id ones.
func (s *Server) Load(b []byte) error {
	var head struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	var rs []json.RawMessage
	if head.ResourceType == "Bundle" {
		for _, e := range head.Entry {
			rs = append(rs, e.Resource)
		}
	} else {
		rs = append(rs, b)
	}
	types := map[string]string{}
	for _, r := range rs {
		t, id := typeID(r)
		types[id] = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, r := range rs {
		t, id := typeID(r)
		if t == "" || id == "" {
			continue
		}
		r = urnRef.ReplaceAllFunc(r, func(m []byte) []byte {
			uid := string(m[len(`"urn:uuid:`) : len(m)-1])
			if ut, ok := types[uid]; ok {
				return []byte(`"` + ut + `/` + uid + `"`)
			}
			return m
		})
		if s.res[t] == nil {
			s.res[t] = map[string]stored{}
		}
		if _, ok := s.res[t][id]; !ok {
			s.order[t] = append(s.order[t], id)
		}
		s.res[t][id] = stored{json: r, updated: now}
	}
	return nil
}

var urnRef = regexp.MustCompile(`"urn:uuid:[^"]+"`)

func typeID(b []byte) (string, string) {
	var h struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	_ = json.Unmarshal(b, &h)
	return h.ResourceType, h.ID
}

// Stats are what the server saw, for tests.
type Stats struct {
	Requests  int // every request
	FHIR      int // FHIR requests (with a token)
	TooMany   int // 429 answers
	Refreshes int // refresh_token grants honoured
	Revoked   int
	Scope     string // scope of the last authorization
}

// Stats returns what the server saw so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Requests: s.requests, FHIR: s.fhirReqs, TooMany: s.tooMany, Refreshes: s.refreshes, Revoked: s.revoked, Scope: strings.Join(s.scopes, " ")}
}

// Seen returns the FHIR request paths (with queries) seen so far.
func (s *Server) Seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

// ExpireTokens makes every access token issued so far expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.access {
		s.access[t] = time.Time{}
	}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	if !s.opt.NoCORS {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Expose-Headers", "Retry-After")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	switch p := r.URL.Path; {
	case p == "/fhir/.well-known/smart-configuration" && !s.opt.NoWellKnown:
		s.wellKnown(w)
	case p == "/fhir/metadata":
		s.metadata(w)
	case p == "/auth/authorize":
		s.authorize(w, r)
	case p == "/auth/token" && r.Method == http.MethodPost:
		s.token(w, r)
	case p == "/auth/revoke" && r.Method == http.MethodPost:
		s.revoke(w, r)
	case strings.HasPrefix(p, "/fhir/"):
		s.fhir(w, r, strings.TrimPrefix(p, "/fhir/"))
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, ct string, v any) {
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if b, ok := v.([]byte); ok {
		w.Write(b)
		return
	}
	json.NewEncoder(w).Encode(v)
}

func (s *Server) scopesSupported() []string {
	perm := ".rs"
	if s.opt.V1 {
		perm = ".read"
	}
	out := []string{"openid", "fhirUser", "launch/patient", "offline_access"}
	for _, t := range []string{"Patient", "Observation", "Condition", "*"} {
		out = append(out, "patient/"+t+perm)
	}
	return out
}

func (s *Server) wellKnown(w http.ResponseWriter) {
	caps := []string{"launch-standalone", "client-public", "context-standalone-patient", "permission-offline", "permission-patient", "sso-openid-connect"}
	if s.opt.V1 {
		caps = append(caps, "permission-v1")
	} else {
		caps = append(caps, "permission-v2", "permission-v1")
	}
	writeJSON(w, 200, "application/json", map[string]any{
		"issuer":                                s.URL,
		"authorization_endpoint":                s.URL + "/auth/authorize",
		"token_endpoint":                        s.URL + "/auth/token",
		"revocation_endpoint":                   s.URL + "/auth/revoke",
		"token_endpoint_auth_methods_supported": []string{"none"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"scopes_supported":                      s.scopesSupported(),
		"response_types_supported":              []string{"code"},
		"capabilities":                          caps,
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (s *Server) metadata(w http.ResponseWriter) {
	writeJSON(w, 200, "application/fhir+json", map[string]any{
		"resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
		"format": []string{"json"},
		"rest": []any{map[string]any{"mode": "server", "security": map[string]any{
			"service": []any{map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}}}},
			"extension": []any{map[string]any{
				"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
				"extension": []any{
					map[string]any{"url": "authorize", "valueUri": s.URL + "/auth/authorize"},
					map[string]any{"url": "token", "valueUri": s.URL + "/auth/token"},
					map[string]any{"url": "revoke", "valueUri": s.URL + "/auth/revoke"},
				}}},
		}}},
	})
}

func random() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize approves at once: it redirects back with a code (or an error).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if err != nil || redirect == "" || ru.Host == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	if len(s.opt.AllowedRedirects) > 0 && !slices.ContainsFunc(s.opt.AllowedRedirects, func(p string) bool { return strings.HasPrefix(redirect, p) }) {
		http.Error(w, "redirect_uri not registered", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		v.Set("state", q.Get("state"))
		ru.RawQuery = v.Encode()
		http.Redirect(w, r, ru.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
	case s.opt.ClientID != "" && q.Get("client_id") != s.opt.ClientID, q.Get("client_id") == "":
		back(url.Values{"error": {"unauthorized_client"}})
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		back(url.Values{"error": {"invalid_request"}})
	case q.Get("aud") != s.FHIR:
		back(url.Values{"error": {"invalid_request"}})
	default:
		code := random()
		s.mu.Lock()
		s.codes[code] = grant{clientID: q.Get("client_id"), redirect: redirect, challenge: q.Get("code_challenge"), scope: q.Get("scope")}
		s.scopes = strings.Fields(q.Get("scope"))
		s.mu.Unlock()
		back(url.Values{"code": {code}})
	}
}

func tokenError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, "application/json", map[string]string{"error": code})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request")
		return
	}
	f := r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	var scope string
	switch f.Get("grant_type") {
	case "authorization_code":
		g, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code")) // a code works once
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok:
			tokenError(w, "invalid_grant")
			return
		case g.clientID != f.Get("client_id") || g.redirect != f.Get("redirect_uri"):
			tokenError(w, "invalid_grant")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			tokenError(w, "invalid_grant") // PKCE check
			return
		}
		scope = g.scope
	case "refresh_token":
		if !s.refresh[f.Get("refresh_token")] {
			tokenError(w, "invalid_grant")
			return
		}
		delete(s.refresh, f.Get("refresh_token")) // rotate
		s.refreshes++
		scope = strings.Join(s.scopes, " ")
	default:
		tokenError(w, "unsupported_grant_type")
		return
	}
	ttl := s.opt.TokenTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	access := random()
	s.access[access] = s.now().Add(ttl)
	ans := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(ttl.Seconds() + 0.5),
		"scope": scope, "patient": s.opt.PatientID}
	if !s.opt.NoRefresh && strings.Contains(" "+scope+" ", " offline_access ") {
		rt := random()
		s.refresh[rt] = true
		ans["refresh_token"] = rt
	}
	writeJSON(w, 200, "application/json", ans)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	t := r.PostForm.Get("token")
	s.mu.Lock()
	if s.refresh[t] {
		delete(s.refresh, t)
		s.revoked++
	} else if _, ok := s.access[t]; ok {
		delete(s.access, t)
		s.revoked++
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func outcome(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, "application/fhir+json", map[string]any{"resourceType": "OperationOutcome",
		"issue": []any{map[string]any{"severity": "error", "code": code}}})
}

// patientTypes are the types that belong to the signed-in patient (every
// resource of them on this server does: one patient per server).
var patientTypes = []string{"AllergyIntolerance", "Condition", "MedicationRequest", "MedicationStatement", "Immunization",
	"Observation", "Procedure", "Encounter", "DiagnosticReport", "DocumentReference", "CarePlan", "CareTeam", "Goal",
	"Claim", "ExplanationOfBenefit", "Device", "ImagingStudy", "Provenance", "SupplyDelivery", "MedicationAdministration"}

func (s *Server) fhir(w http.ResponseWriter, r *http.Request, path string) {
	s.mu.Lock()
	exp, ok := s.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	s.fhirReqs++
	n := s.fhirReqs
	s.seen = append(s.seen, "/"+path+"?"+r.URL.RawQuery)
	now := s.now()
	// The same request is never throttled twice in a row, so that a client
	// retrying within its budget always gets through however its requests
	// interleave (a test of retries, not of luck).
	key := "/" + path + "?" + r.URL.RawQuery
	if ok && s.opt.TooMany > 0 && n%s.opt.TooMany == 0 && !s.throttled[key] {
		if s.throttled == nil {
			s.throttled = map[string]bool{}
		}
		s.throttled[key] = true
		s.tooMany++
		s.mu.Unlock()
		w.Header().Set("Retry-After", "0")
		outcome(w, http.StatusTooManyRequests, "throttled")
		return
	}
	delete(s.throttled, key)
	s.mu.Unlock()
	if !s.opt.Open && (!ok || !now.Before(exp)) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		outcome(w, http.StatusUnauthorized, "login")
		return
	}
	if s.opt.Delay > 0 {
		time.Sleep(s.opt.Delay)
	}
	if r.Method != http.MethodGet {
		outcome(w, http.StatusMethodNotAllowed, "not-supported")
		return
	}
	parts := strings.Split(path, "/")
	t := parts[0]
	if slices.Contains(s.opt.Refuse, t) {
		outcome(w, http.StatusForbidden, "forbidden")
		return
	}
	switch len(parts) {
	case 1:
		s.search(w, r, t)
	case 2:
		s.read(w, r, t, parts[1])
	default:
		outcome(w, http.StatusNotFound, "not-found")
	}
}

func (s *Server) read(w http.ResponseWriter, r *http.Request, t, id string) {
	s.mu.Lock()
	st, ok := s.res[t][id]
	s.mu.Unlock()
	if !ok {
		outcome(w, http.StatusNotFound, "not-found")
		return
	}
	if t == "Binary" && !strings.Contains(r.Header.Get("Accept"), "fhir+json") {
		var bin struct {
			ContentType string `json:"contentType"`
			Data        string `json:"data"`
		}
		json.Unmarshal(st.json, &bin)
		raw, _ := base64.StdEncoding.DecodeString(bin.Data)
		w.Header().Set("Content-Type", bin.ContentType)
		w.Write(raw)
		return
	}
	writeJSON(w, 200, "application/fhir+json", st.json)
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, t string) {
	q := r.URL.Query()
	if q.Get("patient") != s.opt.PatientID || !slices.Contains(patientTypes, t) {
		if !slices.Contains(patientTypes, t) {
			outcome(w, http.StatusBadRequest, "not-supported")
			return
		}
		s.bundle(w, r, t, nil)
		return
	}
	if t == "Observation" && s.opt.NeedCategory && q.Get("category") == "" {
		outcome(w, http.StatusBadRequest, "required")
		return
	}
	var since time.Time
	if lu := q.Get("_lastUpdated"); lu != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, strings.TrimPrefix(lu, "gt")); err != nil {
			outcome(w, http.StatusBadRequest, "invalid")
			return
		}
	}
	s.mu.Lock()
	var ids []string
	for _, id := range s.order[t] {
		st := s.res[t][id]
		if !since.IsZero() && !st.updated.After(since) {
			continue
		}
		if c := q.Get("category"); c != "" && !bytes.Contains(st.json, []byte(`"code":"`+c+`"`)) && !bytes.Contains(st.json, []byte(`"code": "`+c+`"`)) {
			continue
		}
		ids = append(ids, id)
	}
	s.mu.Unlock()
	s.bundle(w, r, t, ids)
}

// bundle answers one page of a search: ids from _page (0-based).
func (s *Server) bundle(w http.ResponseWriter, r *http.Request, t string, ids []string) {
	size := s.opt.PageSize
	if size <= 0 {
		size = 50
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("_page"))
	from := min(page*size, len(ids))
	to := min(from+size, len(ids))
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"resourceType":"Bundle","type":"searchset","total":%d,"link":[`, len(ids))
	q := r.URL.Query()
	self := *r.URL
	fmt.Fprintf(&b, `{"relation":"self","url":%q}`, s.URL+self.RequestURI())
	if to < len(ids) {
		q.Set("_page", strconv.Itoa(page+1))
		fmt.Fprintf(&b, `,{"relation":"next","url":%q}`, s.FHIR+"/"+t+"?"+q.Encode())
	}
	b.WriteString(`],"entry":[`)
	s.mu.Lock()
	for i, id := range ids[from:to] {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"fullUrl":%q,"resource":`, s.FHIR+"/"+t+"/"+id)
		b.Write(s.res[t][id].json)
		b.WriteString(`,"search":{"mode":"match"}}`)
	}
	s.mu.Unlock()
	b.WriteString(`]}`)
	writeJSON(w, 200, "application/fhir+json", b.Bytes())
}
