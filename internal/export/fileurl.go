package export

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"time"

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

// InlineBundle writes d as Bundle does, but with the files' bytes inside
// it, for a reader that gets nothing beside the bundle (a SMART Health
// Link). A resource pointing at a file (an attachment whose url is its
// record.FileURL) gets the bytes as that attachment's data; the url stays,
// since FHIR lets data and url coexist when the url names the same
// content, which a named-information URI does by its hash. A file no
// resource points at (one the person uploaded) travels as the
// DocumentReference every export describes it with (docRefJSON), its
// attachment holding the data, its url the FileURL and its hash the SHA-1
// FHIR defines. Each file's bytes are in the bundle once; the importer
// reads them all back as the same files. Files are read from src one at a
// time, each checked against its SHA-256.
func InlineBundle(ctx context.Context, w io.Writer, d Data, src FileSource, now time.Time) error {
	if len(d.Files) > 0 && src == nil {
		return ErrNoFileSource
	}
	in := &inlined{ctx: ctx, src: src, bySHA: map[string]*record.FileInfo{}, done: map[string]bool{}}
	for i := range d.Files {
		f := &d.Files[i]
		if _, dup := in.bySHA[f.SHA256]; !dup && f.SHA256 != "" {
			in.bySHA[f.SHA256] = f
		}
	}
	return writeBundle(w, d, now, in, func(*record.Entry) error { return ctx.Err() })
}

// inlined carries files inside the bundle.
type inlined struct {
	ctx   context.Context
	src   FileSource
	bySHA map[string]*record.FileInfo // the files of the bundle by SHA-256
	done  map[string]bool             // file ids whose bytes are written
}

// inlineURLRe finds an attachment's url that is a FileURL.
var inlineURLRe = regexp.MustCompile(`"url"\s*:\s*"ni:///sha-256;[A-Za-z0-9_-]{43}"`)

func (in *inlined) resource(raw []byte) ([]byte, error) {
	if !bytes.Contains(raw, []byte(`"ni:///sha-256;`)) {
		return raw, nil
	}
	var err error
	var marked []string
	out := inlineURLRe.ReplaceAllFunc(raw, func(m []byte) []byte {
		q := m[bytes.IndexByte(m, ':')+1:]
		q = bytes.TrimLeft(q, " \t\r\n")
		f := in.bySHA[record.FileSHA256(string(q[1:len(q)-1]))]
		if f == nil || in.done[f.ID] || err != nil {
			return m // not shared, or its bytes are in the bundle already
		}
		var data []byte
		if data, err = in.read(f); err != nil {
			return m
		}
		in.done[f.ID] = true
		marked = append(marked, f.ID)
		b64 := base64.StdEncoding.EncodeToString(data)
		return append(append(append(append([]byte(nil), m...), `,"data":"`...), b64...), '"')
	})
	if err != nil {
		return nil, err
	}
	if !json.Valid(out) { // a url not where it could take a sibling: as it was
		for _, id := range marked {
			delete(in.done, id) // its DocumentReference carries it then
		}
		return raw, nil
	}
	return out, nil
}

func (in *inlined) docRef(f *record.FileInfo, related []string) ([]byte, error) {
	if in.done[f.ID] {
		return nil, nil
	}
	data, err := in.read(f)
	if err != nil {
		return nil, err
	}
	in.done[f.ID] = true
	h := sha1.Sum(data) // FHIR R4 Attachment.hash is the SHA-1 of the data
	where := map[string]any{
		"data": data, // encoding/json writes []byte as standard base64
		"hash": base64.StdEncoding.EncodeToString(h[:]),
		// FHIR asks for a contentType beside data.
		"contentType": "application/octet-stream",
	}
	if u := record.FileURL(f.SHA256); u != "" {
		where["url"] = u
	}
	return docRefJSON(f, where, related), nil
}

// errFileChanged: a stored file's bytes are not those its SHA-256 names.
var errFileChanged = errors.New("export: a file's bytes do not match its SHA-256")

// read reads one file whole, at most its stated size.
func (in *inlined) read(f *record.FileInfo) ([]byte, error) {
	if err := in.ctx.Err(); err != nil {
		return nil, err
	}
	rc, err := in.src.OpenFile(in.ctx, f.ID)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max(f.Size, 0)+1))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if int64(len(data)) != f.Size || (f.SHA256 != "" && hex.EncodeToString(sum[:]) != f.SHA256) {
		return nil, errFileChanged
	}
	return data, nil
}
