package export

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"

	"backpack/internal/record"
)

// Errors of Read. Each has a message for people in the i18n catalog; see
// ErrorKey.
var (
	ErrWrongPassphrase = errors.New("export: wrong passphrase")
	ErrWrongKey        = errors.New("export: the file was not encrypted to this key")
	ErrNeedsPassphrase = errors.New("export: the file was encrypted with a passphrase, not to a key")
	ErrNeedsKey        = errors.New("export: the file was encrypted to a key, not with a passphrase")
	ErrNotExport       = errors.New("export: not a Backpack export")
	ErrTruncated       = errors.New("export: the file is incomplete")
	ErrCorrupt         = errors.New("export: the file is damaged")
	ErrNewerVersion    = errors.New("export: made by a newer version of Backpack")
)

// ErrorKey returns the i18n catalog key of a message for people explaining
// err, for any error Write, Read or the Recipient and Identity constructors
// return; "export.err.other" when err is none of them.
func ErrorKey(err error) string {
	for _, k := range []struct {
		err error
		key string
	}{
		{ErrWrongPassphrase, "export.err.wrongpass"},
		{ErrWrongKey, "export.err.wrongkey"},
		{ErrNeedsPassphrase, "export.err.needspass"},
		{ErrNeedsKey, "export.err.needskey"},
		{ErrNotExport, "export.err.notexport"},
		{ErrTruncated, "export.err.truncated"},
		{ErrCorrupt, "export.err.corrupt"},
		{ErrNewerVersion, "export.err.newer"},
		{ErrEmptyPassphrase, "export.err.emptypass"},
		{ErrNoRecipient, "export.err.norecipient"},
		{ErrBadKey, "export.err.badkey"},
		{ErrPrivateKey, "export.err.privatekey"},
		{ErrPublicKeyOnly, "export.err.publickey"},
		{ErrKeyExpired, "export.err.expired"},
		{ErrKeyRevoked, "export.err.revoked"},
		{ErrKeyNoEncryption, "export.err.noencrypt"},
		{ErrKeyPassphrase, "export.err.keypass"},
		{ErrNoFileSource, "export.err.other"},
	} {
		if errors.Is(err, k.err) {
			return k.key
		}
	}
	return "export.err.other"
}

// Archive is an export as Read found it.
type Archive struct {
	// Data is everything the export holds, in Backpack's lossless form. Its
	// Files are the files' metadata; their bytes went to the FileSink.
	Data Data
	// Created is when the export was written.
	Created time.Time
	// Name is the literal-data file name (backpack-export-YYYY-MM-DD.zip).
	Name string
	// Partial reports an export of a selection rather than of a whole vault;
	// Summary and IPS whether it has summary.html and IPS documents.
	Partial, Summary, IPS bool
	// Contents lists the archive's paths in order.
	Contents []string
}

// Read decrypts an export with id, checks it, and returns its records. Each
// file's bytes are passed to sink as they stream by (nil discards them);
// their SHA-256 and size are checked against the metadata. Nothing is
// trusted until Read returns nil: the OpenPGP integrity check covers the
// whole message and ends it, so a caller restoring a vault must discard
// what it received when Read fails. Read accepts binary and ASCII-armored
// messages.
func Read(ctx context.Context, r io.Reader, id Identity, sink FileSink) (*Archive, error) {
	src := &eofReader{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	var in io.Reader = br
	if head, _ := br.Peek(64); bytes.Contains(head, []byte("-----BEGIN PGP")) {
		blk, err := armor.Decode(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotExport, err)
		}
		in = blk.Body
	}

	pr := &prompter{id: id, src: src}
	md, err := openpgp.ReadMessage(in, id.keys, pr.prompt, nil)
	if err != nil {
		return nil, pr.classify(err)
	}
	if !md.IsEncrypted || md.LiteralData == nil {
		return nil, ErrNotExport
	}
	a := &Archive{Name: md.LiteralData.FileName}
	if err := readArchive(ctx, md.UnverifiedBody, a, sink); err != nil {
		return nil, classifyBody(err, src)
	}
	// Drain to the end: the integrity check (MDC) runs there.
	if _, err := io.Copy(io.Discard, md.UnverifiedBody); err != nil {
		return nil, classifyBody(err, src)
	}
	return a, nil
}

// prompter feeds ReadMessage the passphrases to try, once each.
type prompter struct {
	src   *eofReader
	id    Identity
	tried int
	sym   bool
}

func (p *prompter) prompt(keys []openpgp.Key, symmetric bool) ([]byte, error) {
	p.sym = p.sym || symmetric
	if p.id.passphrase == nil {
		if symmetric {
			return nil, ErrNeedsPassphrase
		}
		return nil, ErrWrongKey
	}
	if !symmetric {
		return nil, ErrNeedsKey
	}
	list := p.id.passphrases()
	if p.tried >= len(list) {
		return nil, ErrWrongPassphrase
	}
	p.tried++
	return list[p.tried-1], nil
}

// classify maps an error of openpgp.ReadMessage to Read's errors.
func (p *prompter) classify(err error) error {
	for _, e := range []error{ErrWrongPassphrase, ErrNeedsPassphrase, ErrNeedsKey, ErrWrongKey} {
		if errors.Is(err, e) {
			return e
		}
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF && p.src.n > 0:
		return ErrTruncated
	case p.tried > 0:
		// A wrong passphrase that happened to pass the session-key check
		// decrypts to garbage, which fails to parse.
		return ErrWrongPassphrase
	case errors.Is(err, pgperrors.ErrKeyIncorrect):
		if p.id.passphrase != nil {
			return ErrNeedsKey
		}
		return ErrWrongKey
	}
	return fmt.Errorf("%w: %v", ErrNotExport, err)
}

// classifyBody maps an error met while reading the decrypted archive.
// OpenPGP reports every parsing failure of decrypted data alike (to avoid
// oracles); one met after the whole input was read is a cut-short file.
func classifyBody(err error, src *eofReader) error {
	var de pgperrors.DecryptWithSessionKeyError
	if errors.As(err, &de) && src.eof {
		return ErrTruncated
	}
	var ze *errZip
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrNotExport), errors.Is(err, ErrCorrupt), errors.Is(err, ErrTruncated),
		errors.Is(err, ErrNewerVersion), errors.Is(err, errSink):
		return err
	case errors.Is(err, errNotZip):
		return ErrNotExport
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return ErrTruncated
	case errors.As(err, &ze):
		return fmt.Errorf("%w: %v", ErrCorrupt, ze)
	}
	var se pgperrors.SignatureError
	var st pgperrors.StructuralError
	if errors.As(err, &se) || errors.As(err, &st) || errors.Is(err, pgperrors.ErrMDCHashMismatch) ||
		errors.Is(err, pgperrors.ErrMDCMissing) {
		return ErrCorrupt
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// errSink wraps errors returned by the caller's FileSink, kept as they are.
var errSink = errors.New("export: file sink")

func readArchive(ctx context.Context, r io.Reader, a *Archive, sink FileSink) error {
	z := newZipStream(r)
	files := map[string]*record.FileInfo{} // path → metadata
	seen := map[string]bool{}
	gotVault := false
	var buf []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hd, body, err := z.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		a.Contents = append(a.Contents, hd.Name)
		switch {
		case hd.Name == PathVault:
			if err := readVault(body, a, files); err != nil {
				return err
			}
			gotVault = true
		case strings.HasPrefix(hd.Name, DirFiles):
			f := files[hd.Name]
			if f == nil || seen[hd.Name] {
				continue // not ours: skipped (drained by next)
			}
			seen[hd.Name] = true
			if buf == nil {
				buf = make([]byte, 64<<10)
			}
			if err := readFile(ctx, body, *f, sink, buf); err != nil {
				return err
			}
		}
	}
	if !gotVault {
		return ErrNotExport
	}
	for p, f := range files {
		if !seen[p] {
			return fmt.Errorf("%w: file %s is missing", ErrCorrupt, f.ID)
		}
	}
	return nil
}

func readFile(ctx context.Context, body io.Reader, f record.FileInfo, sink FileSink, buf []byte) error {
	h := sha256.New()
	fr := &fileReader{ctx: ctx, r: body, h: h}
	if sink != nil {
		if err := sink(f, fr); err != nil {
			if fr.err != nil { // the archive failed under the sink
				return fr.err
			}
			return fmt.Errorf("%w: file %s: %w", errSink, f.ID, err)
		}
	}
	if fr.err != nil {
		return fr.err
	}
	if _, err := io.CopyBuffer(io.Discard, fr, buf); err != nil {
		return err
	}
	if f.Size >= 0 && fr.n != f.Size {
		return fmt.Errorf("%w: file %s: size differs", ErrCorrupt, f.ID)
	}
	if f.SHA256 != "" && !strings.EqualFold(hex.EncodeToString(h.Sum(nil)), f.SHA256) {
		return fmt.Errorf("%w: file %s: SHA-256 differs", ErrCorrupt, f.ID)
	}
	return nil
}

// fileReader hashes a file as the sink reads it and remembers archive
// errors, so that they are not mistaken for the sink's own.
type fileReader struct {
	ctx context.Context
	r   io.Reader
	h   io.Writer
	n   int64
	err error
}

func (f *fileReader) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if err := f.ctx.Err(); err != nil {
		f.err = err
		return 0, err
	}
	n, err := f.r.Read(p)
	f.n += int64(n)
	f.h.Write(p[:n])
	if err != nil && err != io.EOF {
		f.err = err
	}
	return n, err
}

// readVault decodes backpack/vault.jsonl into a.
func readVault(r io.Reader, a *Archive, files map[string]*record.FileInfo) error {
	dec := json.NewDecoder(r)
	var line vaultLine
	if err := dec.Decode(&line); err != nil || line.Backpack != "export" {
		return ErrNotExport
	}
	if line.Version > FormatVersion {
		return ErrNewerVersion
	}
	if line.Created != nil {
		a.Created = *line.Created
	}
	a.Partial, a.Summary, a.IPS = line.Partial, line.Summary, line.IPS
	d := &a.Data
	if c := line.Counts; c != nil && c.Entries > 0 && c.Entries <= 100_000 {
		d.Entries = make([]record.Entry, 0, c.Entries)
	}
	paths := map[string]bool{}
	var fpaths []string
	for n := 2; ; n++ {
		line = vaultLine{}
		err := dec.Decode(&line)
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if errors.As(err, &se) || errors.As(err, &te) {
				return fmt.Errorf("%w: vault.jsonl line %d", ErrCorrupt, n)
			}
			return err
		}
		switch {
		case line.Profile != nil:
			p := line.Profile
			if string(p.Patient.JSON) == "null" {
				p.Patient.JSON = nil
			}
			d.Profiles = append(d.Profiles, *p)
		case line.File != nil:
			if line.Path == "" || !strings.HasPrefix(line.Path, DirFiles) || paths[line.Path] {
				return fmt.Errorf("%w: vault.jsonl line %d: bad file path", ErrCorrupt, n)
			}
			paths[line.Path] = true
			fpaths = append(fpaths, line.Path)
			d.Files = append(d.Files, *line.File)
		case line.Question != nil:
			d.Questions = append(d.Questions, *line.Question)
		case line.Entry != nil:
			e := line.Entry
			if string(e.Resource.JSON) == "null" {
				e.Resource.JSON = nil
			}
			d.Entries = append(d.Entries, *e)
		default:
			return fmt.Errorf("%w: vault.jsonl line %d: unknown record", ErrCorrupt, n)
		}
	}
	for i := range d.Files {
		files[fpaths[i]] = &d.Files[i]
	}
	return nil
}

// eofReader counts the bytes read from the input and notes its end.
type eofReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}
