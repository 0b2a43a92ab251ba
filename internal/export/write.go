package export

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/record"
)

// Paths inside the archive.
const (
	PathReadme  = "README.txt"
	PathVault   = "backpack/vault.jsonl"
	PathSummary = exportdata.PathSummary
	PathIPS     = "ips.json"
	PathBundle  = "fhir/bundle.json"
	DirFiles    = "files/"
)

// FormatVersion is the version of backpack/vault.jsonl that Write produces.
const FormatVersion = 1

// ErrNoFileSource is returned when files are selected but no FileSource given.
var ErrNoFileSource = exportdata.ErrNoFileSource

// FileName is the literal-data file name of an export written at t
// (exportdata.FileName).
func FileName(t time.Time) string { return exportdata.FileName(t) }

// Write writes an export of the part of data that sel chooses to w,
// encrypted to to. files gives the files' bytes (it may be nil when no file
// is selected). progress, when not nil, is called from Write's goroutine with
// the work done and the total (bytes of records and files), ending with
// done == total. Write streams: it holds no copy of the files or of the
// archive in memory.
func Write(ctx context.Context, w io.Writer, data Data, sel Selection, files FileSource, to Recipient, progress func(done, total int64)) error {
	if to.passphrase == nil && to.key == nil {
		return ErrNoRecipient
	}
	d := data.Select(sel)
	if len(d.Files) > 0 && files == nil {
		return ErrNoFileSource
	}
	now := time.Now().UTC().Truncate(time.Second)

	x := &writer{ctx: ctx, now: now, src: files, paths: filePaths(d.Files)}
	x.m.fn = progress
	for i := range d.Entries {
		x.m.total += 2 * int64(len(d.Entries[i].Resource.JSON)) // bundle + vault.jsonl
	}
	for _, f := range d.Files {
		x.m.total += f.Size
	}
	x.m.report(true)

	pt, err := to.encrypt(w, FileName(now), now)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(pt, 64<<10)
	x.zw = zip.NewWriter(bw)
	x.zw.RegisterCompressor(zip.Deflate, x.compressor)
	x.buf = newBuf()

	steps := []func(Data, Selection) error{x.readme, x.vault}
	if sel.IncludeSummary {
		steps = append(steps, x.summary)
	}
	if sel.IncludeIPS {
		steps = append(steps, x.ips)
	}
	steps = append(steps, x.bundle, x.files)
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := step(d, sel); err != nil {
			return err
		}
	}
	if err := x.zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := pt.Close(); err != nil {
		return err
	}
	x.m.done = x.m.total
	x.m.report(true)
	return nil
}

type writer struct {
	ctx   context.Context
	now   time.Time
	src   FileSource
	paths map[string]string // file id → path in the archive
	zw    *zip.Writer
	buf   *bufio.Writer

	level       int // flate level of the entry being created
	fast, store *flate.Writer
	sniff       *flate.Writer // compressible's own: fast may be in use
	head        []byte        // a file's first sniffSize bytes
	m           meter
}

// compressor hands zip a reused flate writer at the level create chose:
// flate.NoCompression (stored blocks) for already compressed files.
func (x *writer) compressor(out io.Writer) (io.WriteCloser, error) {
	fw := &x.fast
	if x.level == flate.NoCompression {
		fw = &x.store
	}
	if *fw == nil {
		w, err := flate.NewWriter(out, x.level)
		if err != nil {
			return nil, err
		}
		*fw = w
	} else {
		(*fw).Reset(out)
	}
	return *fw, nil
}

// create starts an archive entry; its writer is valid until the next create.
func (x *writer) create(name string, level int) (io.Writer, error) {
	x.level = level
	return x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: x.now})
}

// text writes a small entry whole.
func (x *writer) text(name string, fn func(w *bufio.Writer) error) error {
	zf, err := x.create(name, flate.BestSpeed)
	if err != nil {
		return err
	}
	x.buf.Reset(zf)
	if err := fn(x.buf); err != nil {
		return err
	}
	return x.buf.Flush()
}

func (x *writer) readme(d Data, sel Selection) error {
	return x.text(PathReadme, func(w *bufio.Writer) error {
		return writeReadme(w, d, sel, x.now)
	})
}

func (x *writer) summary(d Data, sel Selection) error {
	return x.text(PathSummary, func(w *bufio.Writer) error {
		return renderSummary(w, d, i18n.Current(), x.now)
	})
}

func (x *writer) ips(d Data, sel Selection) error {
	for i, p := range d.Profiles {
		name := PathIPS
		if len(d.Profiles) > 1 {
			name = fmt.Sprintf("ips-%d-%s.json", i+1, slug(p.Name, p.ID))
		}
		r, err := ipsBundle(d, p.ID, x.now)
		if err != nil {
			return err
		}
		if err := x.text(name, func(w *bufio.Writer) error {
			_, err := w.Write(r)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func (x *writer) bundle(d Data, sel Selection) error {
	return x.text(PathBundle, func(w *bufio.Writer) error {
		return writeBundle(w, d, x.now, newArchived(d.Files, x.paths), func(e *record.Entry) error {
			x.m.add(int64(len(e.Resource.JSON)))
			return x.ctx.Err()
		})
	})
}

func (x *writer) vault(d Data, sel Selection) error {
	return x.text(PathVault, func(w *bufio.Writer) error { return x.vaultTo(w, d, sel) })
}

// vaultTo writes backpack/vault.jsonl.
func (x *writer) vaultTo(w *bufio.Writer, d Data, sel Selection) error {
	{
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		created := x.now
		head := vaultLine{
			Backpack: "export", Version: FormatVersion, Created: &created,
			Partial: sel.Entries != nil || len(sel.Profiles) > 0 || sel.Files != nil,
			Summary: sel.IncludeSummary, IPS: sel.IncludeIPS,
			Counts: &counts{len(d.Profiles), len(d.Entries), len(d.Files), len(d.Questions)},
		}
		if err := enc.Encode(&head); err != nil {
			return err
		}
		for i := range d.Profiles {
			if err := enc.Encode(&vaultLine{Profile: &d.Profiles[i]}); err != nil {
				return err
			}
		}
		for i := range d.Files {
			f := &d.Files[i]
			if err := enc.Encode(&vaultLine{File: f, Path: x.paths[f.ID]}); err != nil {
				return err
			}
		}
		for i := range d.Questions {
			if err := enc.Encode(&vaultLine{Question: &d.Questions[i]}); err != nil {
				return err
			}
		}
		var scratch bytes.Buffer
		senc := json.NewEncoder(&scratch)
		senc.SetEscapeHTML(false)
		for i := range d.Entries {
			e := &d.Entries[i]
			if err := encodeEntry(w, &scratch, senc, e); err != nil {
				return fmt.Errorf("export: entry %s: %w", e.ID, err)
			}
			x.m.add(int64(len(e.Resource.JSON)))
			if i%256 == 0 {
				if err := x.ctx.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

func (x *writer) files(d Data, sel Selection) error {
	for _, f := range d.Files {
		if err := x.file(f); err != nil {
			return err
		}
	}
	return nil
}

func (x *writer) file(f record.FileInfo) error {
	rc, err := x.src.OpenFile(x.ctx, f.ID)
	if err != nil {
		return fmt.Errorf("export: file %s: %w", f.ID, err)
	}
	defer rc.Close()
	src := &progressReader{r: rc, x: x}
	level := flate.BestSpeed
	var head []byte
	if alreadyCompressed(f.Type, f.Name) {
		level = flate.NoCompression
	} else {
		// Sniff the start: random or already compressed bytes of a type we
		// do not know go in stored blocks, as deflate only slows them down.
		if x.head == nil {
			x.head = make([]byte, sniffSize)
		}
		n, err := io.ReadFull(src, x.head)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("export: file %s: %w", f.ID, err)
		}
		head = x.head[:n]
		if !x.compressible(head) {
			level = flate.NoCompression
		}
	}
	zf, err := x.create(x.paths[f.ID], level)
	if err != nil {
		return err
	}
	if _, err := zf.Write(head); err != nil {
		return fmt.Errorf("export: file %s: %w", f.ID, err)
	}
	n, err := io.Copy(zf, src)
	n += int64(len(head))
	if err != nil {
		return fmt.Errorf("export: file %s: %w", f.ID, err)
	}
	if f.Size > 0 && n != f.Size {
		return fmt.Errorf("export: file %s: %d bytes read, %d expected", f.ID, n, f.Size)
	}
	return nil
}

// sniffSize is how much of a file of unknown type compressible tries.
const sniffSize = 64 << 10

// compressible reports whether deflate shrinks b by at least a tenth.
func (x *writer) compressible(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	var c byteCounter
	if x.sniff == nil {
		w, err := flate.NewWriter(&c, flate.BestSpeed)
		if err != nil {
			return true
		}
		x.sniff = w
	} else {
		x.sniff.Reset(&c)
	}
	if _, err := x.sniff.Write(b); err != nil {
		return true
	}
	if err := x.sniff.Close(); err != nil {
		return true
	}
	return c.n*10 < int64(len(b))*9
}

// byteCounter counts and discards what is written to it.
type byteCounter struct{ n int64 }

func (c *byteCounter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// progressReader counts file bytes for the meter and stops on cancel.
type progressReader struct {
	r io.Reader
	x *writer
}

func (p *progressReader) Read(b []byte) (int, error) {
	if err := p.x.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := p.r.Read(b)
	p.x.m.add(int64(n))
	return n, err
}

// meter reports progress about every half percent.
type meter struct {
	done, total, last int64
	fn                func(done, total int64)
}

func (m *meter) add(n int64) {
	m.done += n
	if m.done > m.total {
		m.done = m.total
	}
	m.report(false)
}

func (m *meter) report(force bool) {
	if m.fn == nil {
		return
	}
	if force || m.done-m.last >= m.total/200+1 {
		m.last = m.done
		m.fn(m.done, m.total)
	}
}

// rawMarker stands for an entry's resource JSON while the rest of the entry
// is encoded; the resource's own bytes are then written in its place,
// verbatim. encoding/json would otherwise validate and compact every
// resource again, the largest cost of an export of a long history.
var rawMarker = []byte(`"resource":0}`)

// encodeEntry writes one entry line of vault.jsonl.
func encodeEntry(w *bufio.Writer, scratch *bytes.Buffer, enc *json.Encoder, e *record.Entry) error {
	raw := e.Resource.JSON
	if len(raw) > 0 && !isObject(raw) {
		return errNotObject
	}
	scratch.Reset()
	if b, err := appendEntryLine(scratch.AvailableBuffer(), e); err == nil {
		scratch.Write(b) // keeps a grown buffer for the next entry
		_, err = w.Write(scratch.Bytes())
		return err
	}
	// appendEntryLine refused a value: encoding/json says why.
	c := *e
	c.Resource.JSON = json.RawMessage("0")
	scratch.Reset()
	if err := enc.Encode(&vaultLine{Entry: &c}); err != nil {
		return err
	}
	b := scratch.Bytes()
	i := bytes.Index(b, rawMarker)
	if i < 0 {
		return errors.New("export: resource marker not found")
	}
	cut := i + len(`"resource":`)
	w.Write(b[:cut])
	switch {
	case len(raw) == 0:
		w.WriteString("null")
	case bytes.IndexByte(raw, '\n') >= 0 || bytes.IndexByte(raw, '\r') >= 0:
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			return err
		}
		w.Write(c.Bytes())
	default:
		w.Write(raw)
	}
	_, err := w.Write(b[cut+1:])
	return err
}

// vaultLine is one line of backpack/vault.jsonl: the header (first line),
// or exactly one of profile, file, question, entry.
type vaultLine struct {
	Backpack string     `json:"backpack,omitempty"` // "export" on the header
	Version  int        `json:"version,omitempty"`
	Created  *time.Time `json:"created,omitempty"`
	Partial  bool       `json:"partial,omitempty"`
	Summary  bool       `json:"summary,omitempty"`
	IPS      bool       `json:"ips,omitempty"`
	Counts   *counts    `json:"counts,omitempty"`

	Profile  *record.Profile  `json:"profile,omitempty"`
	File     *record.FileInfo `json:"file,omitempty"`
	Path     string           `json:"path,omitempty"` // the file's path in the archive
	Question *record.Question `json:"question,omitempty"`
	Entry    *record.Entry    `json:"entry,omitempty"`
}

type counts struct {
	Profiles  int `json:"profiles"`
	Entries   int `json:"entries"`
	Files     int `json:"files"`
	Questions int `json:"questions"`
}

// filePaths gives each file a unique, safe path under files/.
func filePaths(files []record.FileInfo) map[string]string {
	out := make(map[string]string, len(files))
	used := map[string]bool{}
	for _, f := range files {
		name := SafeName(f.Name, f.ID)
		p := DirFiles + name
		ext := path.Ext(name)
		base := strings.TrimSuffix(name, ext)
		for i := 2; used[strings.ToLower(p)]; i++ {
			p = fmt.Sprintf("%s%s (%d)%s", DirFiles, base, i, ext)
		}
		used[strings.ToLower(p)] = true
		out[f.ID] = p
	}
	return out
}

// SafeName makes a file name safe on every system (exportdata.SafeName).
func SafeName(name, fallback string) string { return exportdata.SafeName(name, fallback) }

// slug is a short ASCII name for a profile in archive paths.
func slug(name, id string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return slug(id, "profile")
	}
	return s
}

// alreadyCompressed reports files that deflate cannot shrink.
func alreadyCompressed(mime, name string) bool {
	mime = strings.ToLower(mime)
	switch {
	case strings.HasPrefix(mime, "video/"),
		strings.HasPrefix(mime, "audio/") && mime != "audio/wav" && mime != "audio/x-wav":
		return true
	}
	switch mime {
	case "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif", "image/avif",
		"application/pdf", "application/zip", "application/gzip", "application/x-7z-compressed",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif", ".pdf", ".zip", ".gz",
		".7z", ".docx", ".xlsx", ".mp4", ".mov", ".mp3", ".m4a":
		return true
	}
	return false
}

func newBuf() *bufio.Writer { return bufio.NewWriterSize(io.Discard, 32<<10) }
