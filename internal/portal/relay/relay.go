// Package relay is the opt-in pass-through a person's own Backpack server
// can offer (serve -relay HOST,...) for health systems a browser cannot
// reach directly (no CORS on their token or FHIR endpoint). It forwards
// only to the listed hosts, only FHIR reads (GET) and OAuth form posts
// (token, revocation), never cookies, and logs nothing: no bodies, headers
// or query strings. Whoever runs it can see what it carries; the app says
// so before anyone uses it.
package relay

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"backpack/internal/fetch"
)

// Path is where the relay is mounted: Path + "https/" + host + path.
const Path = "/relay/"

// Handler relays to the listed hosts (host or host:port, https only).
type Handler struct {
	hosts  []string
	client *http.Client
}

// New returns a relay for hosts; client nil means one with a 60 s timeout
// that follows no redirects (a redirect goes back to the browser).
func New(hosts []string, client *http.Client) *Handler {
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	var hs []string
	for _, h := range hosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			hs = append(hs, h)
		}
	}
	return &Handler{hosts: hs, client: client}
}

// Hosts are the hosts relayed to.
func (h *Handler) Hosts() []string { return slices.Clone(h.hosts) }

// headers kept from the browser's request, and from the answer.
var (
	requestHeaders  = []string{"Accept", "Authorization", "Content-Type"}
	responseHeaders = []string{"Content-Type", "Retry-After", "WWW-Authenticate", "Cache-Control"}
)

// maxForm bounds a relayed form post (token requests are small).
const maxForm = 64 << 10

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), Path+"https/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	host, p, _ := strings.Cut(rest, "/")
	if !slices.Contains(h.hosts, strings.ToLower(host)) {
		http.Error(w, "host not relayed", http.StatusForbidden)
		return
	}
	var body io.Reader
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
			http.Error(w, "only OAuth form posts are relayed", http.StatusUnsupportedMediaType)
			return
		}
		body = http.MaxBytesReader(w, r.Body, maxForm)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not relayed", http.StatusMethodNotAllowed)
		return
	}
	target := &url.URL{Scheme: "https", Host: host, RawQuery: r.URL.RawQuery}
	if err := setPath(target, "/"+p); err != nil {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	for _, k := range requestHeaders {
		if v := r.Header.Get(k); v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		http.Error(w, "health system not reached", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for _, k := range responseHeaders {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func setPath(u *url.URL, escaped string) error {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return err
	}
	u.Path, u.RawPath = p, escaped
	return nil
}

// Client sends requests for the relayed hosts through a relay at Base
// (the Backpack server's origin + Path) and every other request as it is:
// the page's way to a health system without CORS.
type Client struct {
	Base  string     // e.g. "https://backpack.example" + Path
	Hosts []string   // hosts to relay
	Next  fetch.Doer // nil: fetch.Default
}

func (c *Client) Do(ctx context.Context, r fetch.Request) (fetch.Response, error) {
	next := c.Next
	if next == nil {
		next = fetch.Default
	}
	u, err := url.Parse(r.URL)
	if err != nil || u.Scheme != "https" || !slices.Contains(c.Hosts, strings.ToLower(u.Host)) {
		return next.Do(ctx, r)
	}
	ru, err := url.Parse(strings.TrimSuffix(c.Base, "/") + "/https/" + u.Host + u.EscapedPath())
	if err != nil {
		return fetch.Response{}, err
	}
	ru.RawQuery = u.RawQuery
	r.URL = ru.String()
	return next.Do(ctx, r)
}
