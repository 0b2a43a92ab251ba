// Package portal connects to a health system's patient portal with SMART
// App Launch 2.x (standalone patient launch, public client, PKCE S256) and
// pulls the person's FHIR R4 record into an importer.Result, so a pull lands
// through the same preview, atomic write and de-duplication as a file.
//
// It is pure Go over internal/fetch: on the host it is tested against
// portaltest through net/http, in the browser it is the page's fetch. Nothing here logs, and no
// error it returns holds a token, a code or a health value.
package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"backpack/internal/fetch"
)

// Config is what a server says about its SMART authorization: from
// .well-known/smart-configuration, or from its CapabilityStatement.
type Config struct {
	FHIR         string   // the FHIR base URL, ending without "/"
	Issuer       string   `json:"issuer,omitempty"`
	Authorize    string   `json:"authorization_endpoint"`
	Token        string   `json:"token_endpoint"`
	Revoke       string   `json:"revocation_endpoint,omitempty"`
	Scopes       []string `json:"scopes_supported,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
	Challenges   []string `json:"code_challenge_methods_supported,omitempty"`
}

// Errors of discovery and sign-in. Each is also the i18n key
// "portal.error.<code>" through Code.
var (
	ErrNotFHIR    = errors.New("portal: not a FHIR server")           // no SMART configuration, no CapabilityStatement
	ErrNoSMART    = errors.New("portal: server does not offer SMART") // FHIR, but no authorize/token endpoints
	ErrUnreached  = errors.New("portal: server not reached")          // network or CORS failure
	ErrState      = errors.New("portal: sign-in answer does not match")
	ErrDenied     = errors.New("portal: sign-in refused")
	ErrToken      = errors.New("portal: token refused")
	ErrExpired    = errors.New("portal: sign-in expired") // no refresh token, or refresh refused
	ErrBadAddress = errors.New("portal: not a web address")
)

// codes are the errors' stable codes.
var codes = map[string]error{"notfhir": ErrNotFHIR, "nosmart": ErrNoSMART, "unreached": ErrUnreached,
	"state": ErrState, "denied": ErrDenied, "token": ErrToken, "expired": ErrExpired, "address": ErrBadAddress}

// Code is the stable code of one of this package's errors ("" for others).
func Code(err error) string {
	for code, e := range codes {
		if errors.Is(err, e) {
			return code
		}
	}
	return ""
}

// CodeError is Code's inverse: the error with that code (nil for none),
// for an error that crossed into another module by its code (a pull run
// in the worker module).
func CodeError(code string) error { return codes[code] }

// Base cleans a FHIR base URL as a person may paste it: https only (http
// only on loopback), no query or fragment, no trailing slash, a trailing
// "/metadata" or "/.well-known/smart-configuration" removed.
func Base(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || u.User != nil {
		return "", ErrBadAddress
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return "", ErrBadAddress
		}
	default:
		return "", ErrBadAddress
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/.well-known/smart-configuration")
	p = strings.TrimSuffix(p, "/metadata")
	u.Path, u.RawPath = strings.TrimRight(p, "/"), ""
	return u.String(), nil
}

func loopback(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1" || strings.HasSuffix(h, ".localhost")
}

// maxMeta bounds discovery documents (a CapabilityStatement can be large).
const maxMeta = 8 << 20

// Discover reads the SMART configuration of the FHIR server at base: its
// .well-known/smart-configuration, else the OAuth URIs extension of its
// CapabilityStatement's security.
func Discover(ctx context.Context, c fetch.Doer, base string) (Config, error) {
	base, err := Base(base)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{FHIR: base}
	b, status, err := getJSON(ctx, c, base+"/.well-known/smart-configuration")
	if err != nil {
		return Config{}, err
	}
	if status == http.StatusOK && json.Unmarshal(b, &cfg) == nil && cfg.Authorize != "" && cfg.Token != "" {
		cfg.FHIR = base
		return cfg, nil
	}
	cfg = Config{FHIR: base}
	b, status, err = getJSON(ctx, c, base+"/metadata")
	if err != nil {
		return Config{}, err
	}
	var cs struct {
		ResourceType string `json:"resourceType"`
		Rest         []struct {
			Security struct {
				Extension []struct {
					URL       string `json:"url"`
					Extension []struct {
						URL      string `json:"url"`
						ValueURI string `json:"valueUri"`
					} `json:"extension"`
				} `json:"extension"`
			} `json:"security"`
		} `json:"rest"`
	}
	if status != http.StatusOK || json.Unmarshal(b, &cs) != nil || cs.ResourceType != "CapabilityStatement" {
		return Config{}, ErrNotFHIR
	}
	for _, r := range cs.Rest {
		for _, e := range r.Security.Extension {
			if e.URL != "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris" {
				continue
			}
			for _, x := range e.Extension {
				switch x.URL {
				case "authorize":
					cfg.Authorize = x.ValueURI
				case "token":
					cfg.Token = x.ValueURI
				case "revoke":
					cfg.Revoke = x.ValueURI
				}
			}
		}
	}
	if cfg.Authorize == "" || cfg.Token == "" {
		return Config{}, ErrNoSMART
	}
	return cfg, nil
}

// getJSON GETs u asking for JSON; a network failure is ErrUnreached.
func getJSON(ctx context.Context, c fetch.Doer, u string) ([]byte, int, error) {
	if !parses(u) {
		return nil, 0, ErrBadAddress
	}
	resp, err := c.Do(ctx, fetch.Request{URL: u, Limit: maxMeta,
		Header: map[string]string{"Accept": "application/json, application/fhir+json"}})
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, ErrUnreached
	}
	return resp.Body, resp.Status, nil
}

// parses reports whether u is a URL a request can be made to (as
// net/http's NewRequest would check), so that a bad address is told apart
// from an unreachable one.
func parses(u string) bool {
	_, err := url.Parse(u)
	return err == nil
}

// Types are the patient-facing resource types a pull asks for, in order
// (Patient first; Medication, Practitioner and Organization follow the
// references of what came back).
var Types = []string{
	"AllergyIntolerance", "Condition", "MedicationRequest", "MedicationStatement", "Immunization",
	"Observation", "Procedure", "Encounter", "DiagnosticReport", "DocumentReference",
	"CarePlan", "CareTeam", "Goal",
}

// referenced are the types fetched by reference, not searched by patient.
var referenced = []string{"Medication", "Practitioner", "Organization", "Location", "PractitionerRole"}

// Scope is the scope string to ask for: openid fhirUser launch/patient
// offline_access and read access to every type a pull reads, in SMART v2
// form (patient/X.rs) when the server advertises v2 scopes or the
// permission-v2 capability, else in v1 form (patient/X.read).
func (c Config) Scope() string {
	v2 := slices.Contains(c.Capabilities, "permission-v2")
	for _, s := range c.Scopes {
		if strings.HasPrefix(s, "patient/") {
			if i := strings.LastIndexByte(s, '.'); i >= 0 {
				switch perm := s[i+1:]; {
				case perm == "read" || perm == "write" || perm == "*":
				default:
					v2 = true
				}
			}
		}
	}
	suffix := ".read"
	if v2 {
		suffix = ".rs"
	}
	parts := []string{"openid", "fhirUser", "launch/patient", "offline_access", "patient/Patient" + suffix}
	for _, t := range append(slices.Clone(Types), referenced...) {
		parts = append(parts, "patient/"+t+suffix)
	}
	return strings.Join(parts, " ")
}

// Origins are the web origins a connection to c talks to (FHIR server,
// authorize and token endpoints), for the page's connect-src.
func (c Config) Origins() []string {
	var out []string
	for _, s := range []string{c.FHIR, c.Token, c.Revoke} {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			o := u.Scheme + "://" + u.Host
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

func (c Config) String() string { return fmt.Sprintf("SMART server %s", c.FHIR) }
