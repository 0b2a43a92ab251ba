package portal

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"backpack/internal/fetch"
	"backpack/internal/importer"
)

// Source is the health system a pull reads from.
type Source struct {
	Name     string // the health system, as shown: "from <Name>"
	FHIR     string // FHIR base URL (Config.FHIR)
	TokenURL string // for refreshing the access token
	ClientID string
	Patient  string // the patient's id (Token.Patient)
}

// Options tune a pull.
type Options struct {
	Since    time.Time     // when set, only what changed after it (_lastUpdated), where the server allows
	Parallel int           // requests at a time; 0 means 5
	Backoff  time.Duration // first wait after a 429 or 503; 0 means 1 s (doubles, Retry-After wins)
	Tries    int           // attempts per request; 0 means 5
	Margin   time.Duration // refresh the access token this long before it expires; 0 means 60 s
	MaxBytes int64         // largest response accepted; 0 means importer.DefaultMaxBytes
	Now      func() time.Time
	// Progress, when set, is called (from any goroutine) as requests end.
	Progress func(Progress)
}

// Progress is how far a pull is: requests done, resources read so far.
type Progress struct {
	Requests  int
	Resources int
}

// Refusal is a resource type the server did not give: HTTP status, or 0
// when it answered with something that is not a FHIR search result.
type Refusal struct {
	Type   string
	Status int
}

// Report is what a pull did besides the resources: for the person (what was
// refused) and for the caller (the token, maybe refreshed: store it).
type Report struct {
	Token     Token
	Refused   []Refusal
	Requests  int
	Retries   int
	Refreshes int
	Started   time.Time
}

// ProblemRefused is the importer.Problem code of a type the server refused.
const ProblemRefused = "portal-refused"

// Pull fetches the person's record from src: the Patient, then every type
// of Types for that patient (following "next" links; Observation by
// category where the server requires it), then the Medication,
// Practitioner, Organization… that entries reference, then DocumentReference
// attachments. It returns them as one importer.Result (read as an imported
// FHIR Bundle, with Format FormatPortal and Source and File set to
// src.Name, so entries say where they came from), with a
// Problem for each refused type. tok is refreshed as needed; the returned
// Report.Token is the one to keep. The error is non-nil only when nothing
// more can be fetched (signed out, server unreachable, cancelled); the
// Result then holds nothing.
func Pull(ctx context.Context, c fetch.Doer, src Source, tok Token, opt Options) (importer.Result, Report, error) {
	if opt.Parallel <= 0 {
		opt.Parallel = 5
	}
	if opt.Backoff <= 0 {
		opt.Backoff = time.Second
	}
	if opt.Tries <= 0 {
		opt.Tries = 5
	}
	if opt.Margin <= 0 {
		opt.Margin = time.Minute
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = importer.DefaultMaxBytes
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	base, err := Base(src.FHIR)
	if err != nil {
		return importer.Result{}, Report{}, err
	}
	if src.Patient == "" {
		src.Patient = tok.Patient
	}
	if src.Patient == "" {
		return importer.Result{}, Report{}, ErrToken
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	p := &puller{c: c, src: src, base: base, opt: opt, tok: tok, cancel: cancel,
		held: map[string]bool{}, sem: make(chan struct{}, opt.Parallel), rep: Report{Started: opt.Now()}}
	p.run(ctx)
	if err := context.Cause(ctx); err != nil {
		return importer.Result{}, Report{Token: p.tok}, err
	}
	res, err := p.result()
	p.rep.Token = p.tok
	return res, p.rep, err
}

type puller struct {
	c      fetch.Doer
	src    Source
	base   string
	opt    Options
	cancel context.CancelCauseFunc
	sem    chan struct{}

	tokMu sync.Mutex // held while refreshing
	tok   Token

	mu       sync.Mutex
	patient  json.RawMessage
	byType   map[string][]json.RawMessage
	held     map[string]bool // "Type/id" read
	rep      Report
	progress Progress
}

func (p *puller) run(ctx context.Context) {
	p.byType = map[string][]json.RawMessage{}
	// The Patient first: without it nothing else makes sense.
	b, status, err := p.get(ctx, p.base+"/Patient/"+url.PathEscape(p.src.Patient), "application/fhir+json")
	if err != nil {
		return
	}
	if status != http.StatusOK || !isType(b, "Patient") {
		p.refuse("Patient", status)
	} else {
		p.add("Patient", b)
	}
	var wg sync.WaitGroup
	for _, t := range Types {
		wg.Go(func() { p.search(ctx, t) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	p.references(ctx)
	if ctx.Err() != nil {
		return
	}
	p.nameMedications()
	p.attachments(ctx)
}

// nameMedications gives a medicationReference to a Medication the pull
// holds the medication's name as its display, where it has none: the
// entry is then titled with the medication, not "Medication". Nothing
// else of the resource changes.
func (p *puller) nameMedications() {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := map[string]string{}
	for _, b := range p.byType["Medication"] {
		var m struct {
			ID   string `json:"id"`
			Code struct {
				Text   string `json:"text"`
				Coding []struct {
					Display string `json:"display"`
				} `json:"coding"`
			} `json:"code"`
		}
		if json.Unmarshal(b, &m) != nil || m.ID == "" {
			continue
		}
		name := m.Code.Text
		for _, c := range m.Code.Coding {
			if name == "" {
				name = c.Display
			}
		}
		if name != "" {
			names[m.ID] = name
		}
	}
	if len(names) == 0 {
		return
	}
	for _, t := range []string{"MedicationRequest", "MedicationStatement"} {
		for i, b := range p.byType[t] {
			if !bytes.Contains(b, []byte(`"medicationReference"`)) {
				continue
			}
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			var m map[string]any
			if d.Decode(&m) != nil {
				continue
			}
			ref, _ := m["medicationReference"].(map[string]any)
			r, _ := ref["reference"].(string)
			if ref == nil || ref["display"] != nil {
				continue
			}
			rt, id, ok := p.local(r)
			if !ok || rt != "Medication" || names[id] == "" {
				continue
			}
			ref["display"] = names[id]
			if out, err := json.Marshal(m); err == nil {
				p.byType[t][i] = out
			}
		}
	}
}

// categories are the Observation categories asked one by one when the
// server refuses Observation without one (as Epic does).
var categories = []string{"laboratory", "vital-signs", "social-history", "survey", "exam", "imaging", "procedure", "activity", "therapy"}

// search reads every page of t for the patient; it records a refusal.
func (p *puller) search(ctx context.Context, t string) {
	q := url.Values{"patient": {p.src.Patient}}
	if !p.opt.Since.IsZero() {
		q.Set("_lastUpdated", "gt"+p.opt.Since.UTC().Format(time.RFC3339))
	}
	status := p.pages(ctx, t, p.base+"/"+t+"?"+q.Encode())
	if status == 0 || ctx.Err() != nil {
		return
	}
	if t == "Observation" && (status == http.StatusBadRequest || status == http.StatusForbidden) {
		ok := false
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, c := range categories {
			wg.Go(func() {
				q := url.Values{"patient": {p.src.Patient}, "category": {c}}
				if !p.opt.Since.IsZero() {
					q.Set("_lastUpdated", "gt"+p.opt.Since.UTC().Format(time.RFC3339))
				}
				if p.pages(ctx, t, p.base+"/"+t+"?"+q.Encode()) == 0 {
					mu.Lock()
					ok = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok {
			return
		}
	}
	p.refuse(t, status)
}

// maxPages bounds the "next" links followed for one search.
const maxPages = 2000

// pages reads a search and its next pages; 0 when it was read (even partly:
// a later page refused keeps the earlier ones), else the refusing status
// (-1 for an answer that is not a search Bundle).
func (p *puller) pages(ctx context.Context, t, u string) int {
	for n := 0; u != "" && n < maxPages; n++ {
		b, status, err := p.get(ctx, u, "application/fhir+json")
		if err != nil {
			return 0
		}
		var bundle struct {
			ResourceType string `json:"resourceType"`
			Link         []struct {
				Relation string `json:"relation"`
				URL      string `json:"url"`
			} `json:"link"`
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
				Search   struct {
					Mode string `json:"mode"`
				} `json:"search"`
			} `json:"entry"`
		}
		if status != http.StatusOK || json.Unmarshal(b, &bundle) != nil || bundle.ResourceType != "Bundle" {
			if n > 0 {
				return 0
			}
			if status == http.StatusOK {
				return -1
			}
			return status
		}
		for _, e := range bundle.Entry {
			if len(e.Resource) == 0 || e.Search.Mode == "outcome" {
				continue
			}
			if rt := typeOf(e.Resource); rt != "" && rt != "OperationOutcome" {
				p.add(rt, e.Resource)
			}
		}
		u = ""
		for _, l := range bundle.Link {
			if l.Relation == "next" && p.sameServer(l.URL) {
				u = l.URL
			}
		}
	}
	return 0
}

// sameServer reports whether u is on the FHIR server (the token is only
// ever sent there).
func (p *puller) sameServer(u string) bool {
	return u == p.base || strings.HasPrefix(u, p.base+"/") || strings.HasPrefix(u, p.base+"?")
}

// refuse records that the server did not give type t.
func (p *puller) refuse(t string, status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.rep.Refused {
		if r.Type == t {
			return
		}
	}
	if status < 0 {
		status = 0
	}
	p.rep.Refused = append(p.rep.Refused, Refusal{Type: t, Status: status})
}

// add keeps one resource, once per type and id.
func (p *puller) add(t string, b json.RawMessage) {
	id := idOf(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	if id != "" {
		if p.held[t+"/"+id] {
			return
		}
		p.held[t+"/"+id] = true
	}
	if t == "Patient" && p.patient == nil && id == p.src.Patient {
		p.patient = b
	} else {
		p.byType[t] = append(p.byType[t], b)
	}
	p.progress.Resources++
}

// maxReferences bounds the referenced resources fetched one by one.
const maxReferences = 2000

// references fetches the Medication, Practitioner, Organization… that
// entries reference and that the pull does not hold yet.
func (p *puller) references(ctx context.Context) {
	want := map[string]bool{}
	var order []string
	p.mu.Lock()
	for _, rs := range p.byType {
		for _, b := range rs {
			refs(b, func(ref string) {
				t, id, ok := p.local(ref)
				if !ok || !slices.Contains(referenced, t) || p.held[t+"/"+id] || want[t+"/"+id] || len(order) >= maxReferences {
					return
				}
				want[t+"/"+id] = true
				order = append(order, t+"/"+id)
			})
		}
	}
	p.mu.Unlock()
	slices.Sort(order)
	var wg sync.WaitGroup
	for _, ref := range order {
		wg.Go(func() {
			t := ref[:strings.IndexByte(ref, '/')]
			b, status, err := p.get(ctx, p.base+"/"+t+"/"+url.PathEscape(ref[len(t)+1:]), "application/fhir+json")
			if err != nil {
				return
			}
			if status == http.StatusOK && isType(b, t) {
				p.add(t, b)
				return
			}
			p.refuse(t, status)
		})
	}
	wg.Wait()
}

// local reads a reference to this server: "Type/id" or base+"/Type/id".
func (p *puller) local(ref string) (t, id string, ok bool) {
	if strings.HasPrefix(ref, p.base+"/") {
		ref = ref[len(p.base)+1:]
	} else if strings.Contains(ref, ":") || strings.HasPrefix(ref, "#") {
		return "", "", false
	}
	parts := strings.Split(ref, "/")
	if len(parts) != 2 && !(len(parts) == 4 && parts[2] == "_history") {
		return "", "", false
	}
	if parts[0] == "" || parts[1] == "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// maxAttachment bounds one fetched attachment.
const maxAttachment = 20 << 20

// attachments fetches the documents DocumentReferences point to on this
// server (content.attachment.url without data) and puts them in the
// attachment's data, so the importer keeps them as files.
func (p *puller) attachments(ctx context.Context) {
	p.mu.Lock()
	docs := p.byType["DocumentReference"]
	p.mu.Unlock()
	var wg sync.WaitGroup
	for i := range docs {
		wg.Go(func() {
			if b, ok := p.fillAttachments(ctx, docs[i]); ok {
				p.mu.Lock()
				docs[i] = b
				p.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func (p *puller) fillAttachments(ctx context.Context, doc json.RawMessage) (json.RawMessage, bool) {
	if !bytes.Contains(doc, []byte(`"url"`)) {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil, false
	}
	content, _ := m["content"].([]any)
	changed := false
	for _, c := range content {
		cm, _ := c.(map[string]any)
		a, _ := cm["attachment"].(map[string]any)
		if a == nil || a["data"] != nil {
			continue
		}
		u, _ := a["url"].(string)
		if u == "" {
			continue
		}
		if !strings.Contains(u, ":") {
			u = p.base + "/" + strings.TrimPrefix(u, "/")
		}
		if !p.sameServer(u) {
			continue
		}
		ct, _ := a["contentType"].(string)
		accept := ct
		if accept == "" {
			accept = "*/*"
		}
		b, status, err := p.getLimit(ctx, u, accept+", application/fhir+json;q=0.5", maxAttachment)
		if err != nil || status != http.StatusOK {
			continue
		}
		if isType(b, "Binary") { // a FHIR Binary resource: its data is already base64
			var bin struct {
				ContentType string `json:"contentType"`
				Data        string `json:"data"`
			}
			if json.Unmarshal(b, &bin) != nil || bin.Data == "" {
				continue
			}
			a["data"] = bin.Data
			if ct == "" && bin.ContentType != "" {
				a["contentType"] = bin.ContentType
			}
		} else {
			a["data"] = base64.StdEncoding.EncodeToString(b)
		}
		changed = true
	}
	if !changed {
		return nil, false
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	return out, true
}

// result assembles what was read as a FHIR collection Bundle and reads it
// with the importer: the pull is then exactly an imported file.
func (p *puller) result() (importer.Result, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	first := true
	put := func(b json.RawMessage) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.WriteString(`{"resource":`)
		buf.Write(b)
		buf.WriteByte('}')
	}
	if p.patient != nil {
		put(p.patient)
	}
	var rest []string
	for t := range p.byType {
		if !slices.Contains(Types, t) {
			rest = append(rest, t)
		}
	}
	slices.Sort(rest)
	for _, t := range append(slices.Clone(Types), rest...) {
		for _, b := range p.byType[t] {
			put(b)
		}
	}
	buf.WriteString(`]}`)
	name := p.src.Name
	if name == "" {
		name = p.base
	}
	res, err := importer.ImportJSON(name+".json", buf.Bytes(), importer.Options{MaxBytes: max(p.opt.MaxBytes, int64(buf.Len()))})
	if err != nil && first {
		// Nothing came: not an import error, an empty pull.
		res, err = importer.Result{File: name, Format: importer.FormatBundle, Counts: map[string]int{}}, nil
	}
	res.File, res.Source, res.Format = name, name, importer.FormatPortal
	for _, r := range p.rep.Refused {
		detail := "not given"
		if r.Status > 0 {
			detail = "HTTP " + strconv.Itoa(r.Status)
		}
		res.Problems = append(res.Problems, importer.Problem{Severity: importer.SevWarning, Code: ProblemRefused, Where: r.Type, Detail: detail})
	}
	return res, err
}

// get GETs u with the access token, refreshing it before it expires and
// once on a 401, retrying 429 and 503 with backoff. err is non-nil only
// when the pull must stop (it then cancels the pull).
func (p *puller) get(ctx context.Context, u, accept string) ([]byte, int, error) {
	return p.getLimit(ctx, u, accept, p.opt.MaxBytes)
}

func (p *puller) getLimit(ctx context.Context, u, accept string, limit int64) ([]byte, int, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	defer func() { <-p.sem }()
	refreshed := false
	wait := p.opt.Backoff
	for try := 1; ; try++ {
		access, err := p.access(ctx, false)
		if err != nil {
			p.cancel(err)
			return nil, 0, err
		}
		if !parses(u) {
			return nil, 0, ErrBadAddress
		}
		resp, rerr := p.c.Do(ctx, fetch.Request{URL: u, Limit: limit,
			Header: map[string]string{"Accept": accept, "Authorization": "Bearer " + access}})
		p.count(func(r *Report) { r.Requests++ })
		if rerr != nil && resp.Status == 0 { // no answer (an unreadable body is dealt with below)
			if ctx.Err() != nil {
				return nil, 0, ctx.Err()
			}
			if try < p.opt.Tries {
				if !sleep(ctx, wait) {
					return nil, 0, ctx.Err()
				}
				wait *= 2
				p.count(func(r *Report) { r.Retries++ })
				continue
			}
			p.cancel(ErrUnreached)
			return nil, 0, ErrUnreached
		}
		b := resp.Body
		switch {
		case resp.Status == http.StatusUnauthorized && !refreshed:
			refreshed = true
			if _, err := p.access(ctx, true); err != nil {
				p.cancel(err)
				return nil, 0, err
			}
			continue
		case (resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable) && try < p.opt.Tries:
			d := wait
			if s, err := strconv.Atoi(resp.Get("Retry-After")); err == nil && s >= 0 {
				d = min(time.Duration(s)*time.Second, 30*time.Second)
			}
			if !sleep(ctx, d) {
				return nil, 0, ctx.Err()
			}
			wait *= 2
			p.count(func(r *Report) { r.Retries++ })
			continue
		}
		if rerr != nil { // too large, or cut off
			return nil, -1, nil
		}
		p.mu.Lock()
		p.progress.Requests++
		pr := p.progress
		p.mu.Unlock()
		if p.opt.Progress != nil {
			p.opt.Progress(pr)
		}
		return b, resp.Status, nil
	}
}

func (p *puller) count(f func(*Report)) {
	p.mu.Lock()
	f(&p.rep)
	p.mu.Unlock()
}

// access returns an access token valid for a while, refreshing it first
// when it expires within Margin (or always, with force).
func (p *puller) access(ctx context.Context, force bool) (string, error) {
	p.tokMu.Lock()
	defer p.tokMu.Unlock()
	now := p.opt.Now()
	stale := !p.tok.Expires.IsZero() && now.Add(p.opt.Margin).After(p.tok.Expires)
	if !force && !stale {
		return p.tok.Access, nil
	}
	if p.tok.Refresh == "" {
		if stale && now.After(p.tok.Expires) || force {
			return "", ErrExpired
		}
		return p.tok.Access, nil // expiring soon, nothing to refresh with: use it while it lasts
	}
	t, err := Refresh(ctx, p.c, p.src.TokenURL, p.src.ClientID, p.tok, now)
	if err != nil {
		return "", err
	}
	p.tok = t
	p.count(func(r *Report) { r.Refreshes++ })
	return t.Access, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// typeOf is a resource's resourceType ("" when b is not one).
func typeOf(b []byte) string {
	var h struct {
		ResourceType string `json:"resourceType"`
	}
	if json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.ResourceType
}

func isType(b []byte, t string) bool { return typeOf(b) == t }

func idOf(b []byte) string {
	var h struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &h)
	return h.ID
}

// refs calls f with every "reference" string in a resource.
func refs(b []byte, f func(string)) {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "reference" {
					f(s)
				} else {
					walk(e)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}
