package export

import (
	"bytes"
	"encoding/json"
	"regexp"

	"backpack/internal/record"
)

// Imported resources point at their documents with record.FileURL (a
// named-information URI of the file's SHA-256) instead of holding the
// bytes. In an export, where the file sits beside the resources at
// files/<name>, such a URL becomes that relative path, so the FHIR bundle
// and the IPS lead a reader straight to the file; a URL whose file is not
// in the export is left as it is (it still names the bytes).

// fileLinks maps the SHA-256 of every exported file to its archive path.
func fileLinks(files []record.FileInfo, paths map[string]string) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		if p := paths[f.ID]; p != "" && f.SHA256 != "" {
			if _, dup := out[f.SHA256]; !dup {
				out[f.SHA256] = p
			}
		}
	}
	return out
}

var fileURLRe = regexp.MustCompile(`"ni:///sha-256;[A-Za-z0-9_-]{43}"`)

// linkFiles returns raw with every quoted FileURL of an exported file
// replaced by the file's path. raw is returned as is when it holds none.
func linkFiles(raw []byte, links map[string]string) []byte {
	if len(links) == 0 || !bytes.Contains(raw, []byte(`"ni:///sha-256;`)) {
		return raw
	}
	return fileURLRe.ReplaceAllFunc(raw, func(q []byte) []byte {
		p, ok := links[record.FileSHA256(string(q[1:len(q)-1]))]
		if !ok {
			return q
		}
		b, _ := json.Marshal(p)
		return b
	})
}

// linkFile is linkFiles for one decoded url value.
func linkFile(url string, links map[string]string) string {
	if p, ok := links[record.FileSHA256(url)]; ok {
		return p
	}
	return url
}
