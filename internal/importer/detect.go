package importer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"path"
	"strings"

	"backpack/internal/importer/fhirxml"
)

// Detect guesses a file's format from its name and its first bytes (a few
// KiB are enough; gzip data is peeked into). It never reads the whole file;
// Import settles the exact format (Result.Format), e.g. an IPS document that
// Detect could only see as a bundle.
func Detect(name string, head []byte) Format {
	lname := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if isGzip(head) {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return FormatUnknown
		}
		inner := make([]byte, 8192)
		n, _ := io.ReadFull(zr, inner)
		return Detect(strings.TrimSuffix(lname, ".gz"), inner[:n])
	}
	h := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	ndjsonName := strings.HasSuffix(lname, ".ndjson") || strings.HasSuffix(lname, ".jsonl") || strings.HasSuffix(lname, ".ndjson.txt")
	switch {
	case len(h) == 0:
		return FormatUnknown
	case ndjsonName:
		return FormatNDJSON
	case bytes.HasPrefix(h, []byte("shc:/")):
		return FormatSHC
	case h[0] == '<':
		if rt := fhirxml.RootResource(h); rt != "" {
			switch {
			case rt == "Bundle" && bytes.Contains(h, []byte(`<type value="document"`)) &&
				(bytes.Contains(h, []byte("/ips/")) || bytes.Contains(h, []byte(`"60591-5"`))):
				return FormatIPS
			case rt == "Bundle":
				return FormatBundle
			}
			return FormatResource
		}
		if bytes.Contains(h, []byte("ClinicalDocument")) || bytes.Contains(h, []byte("urn:hl7-org:v3")) ||
			strings.HasSuffix(lname, ".cda") {
			return FormatCCDA
		}
		return FormatUnknown
	case isJWS(h):
		return FormatSHC
	case h[0] == '[':
		return FormatResource
	case h[0] != '{':
		return FormatUnknown
	}
	if strings.HasSuffix(lname, ".smart-health-card") {
		return FormatSHC
	}
	// Look at the top-level members the head holds.
	var rt, typ string
	var ips, vc bool
	topMembers(h, func(k string, v []byte) {
		switch k {
		case "resourceType":
			rt = str(v)
		case "type":
			typ = str(v)
		case "verifiableCredential":
			vc = true
		case "meta":
			ips = ips || bytes.Contains(v, []byte("/ips/"))
		}
	})
	if vc {
		return FormatSHC
	}
	if oneLineValues(h) {
		return FormatNDJSON
	}
	switch {
	case rt == "Bundle" && typ == "document" && (ips || bytes.Contains(h, []byte(`"60591-5"`))):
		return FormatIPS
	case rt == "Bundle":
		return FormatBundle
	case rt != "":
		return FormatResource
	}
	// resourceType may come after a long member the head cut off.
	if bytes.Contains(h, []byte(`"resourceType"`)) {
		if bytes.Contains(h, []byte(`"Bundle"`)) && bytes.Contains(h, []byte(`"entry"`)) {
			return FormatBundle
		}
		return FormatResource
	}
	return FormatUnknown
}

// topMembers walks the top-level members of a possibly truncated object,
// stopping at the first member that does not end inside h.
func topMembers(h []byte, fn func(key string, val []byte)) {
	i := skipWS(h, 0)
	if i >= len(h) || h[i] != '{' {
		return
	}
	i++
	for {
		i = skipWS(h, i)
		if i >= len(h) || h[i] != '"' {
			return
		}
		end := skipString(h, i)
		if end >= len(h) || h[end-1] != '"' {
			return
		}
		key := str(h[i:end])
		i = skipWS(h, end)
		if i >= len(h) || h[i] != ':' {
			return
		}
		i = skipWS(h, i+1)
		vend := skipValue(h, i)
		if vend >= len(h) || vend <= i {
			return
		}
		fn(key, h[i:vend])
		i = skipWS(h, vend)
		if i >= len(h) || h[i] != ',' {
			return
		}
		i++
	}
}

// oneLineValues reports whether h starts with a complete one-line JSON
// object followed by a newline and another object: NDJSON.
func oneLineValues(h []byte) bool {
	nl := bytes.IndexByte(h, '\n')
	if nl < 0 {
		return false
	}
	first := bytes.TrimSpace(h[:nl])
	if len(first) < 2 || first[0] != '{' || !json.Valid(first) {
		return false
	}
	rest := bytes.TrimLeft(h[nl:], " \t\r\n")
	return len(rest) > 0 && rest[0] == '{'
}

// isJWS reports whether h looks like a compact JWS (three base64url parts).
func isJWS(h []byte) bool {
	line := h
	if i := bytes.IndexAny(h, "\r\n"); i >= 0 {
		line = h[:i]
	}
	if !bytes.HasPrefix(line, []byte("eyJ")) {
		return false
	}
	dots := 0
	for _, c := range line {
		switch {
		case c == '.':
			dots++
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return dots == 2
}
