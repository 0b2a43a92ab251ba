package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"backpack/internal/exportdata"
	"backpack/internal/record"
	"backpack/internal/seipd"
)

// Errors of Read (exportdata's: the page tells them apart without this
// package). Each has a message for people in the i18n catalog; see ErrorKey.
var (
	ErrWrongPassphrase = exportdata.ErrWrongPassphrase
	ErrWrongKey        = exportdata.ErrWrongKey
	ErrNeedsPassphrase = exportdata.ErrNeedsPassphrase
	ErrNeedsKey        = exportdata.ErrNeedsKey
	ErrNotExport       = exportdata.ErrNotExport
	ErrTruncated       = exportdata.ErrTruncated
	ErrCorrupt         = exportdata.ErrCorrupt
	ErrNewerVersion    = exportdata.ErrNewerVersion
)

// ErrorKey returns the i18n catalog key of a message for people explaining
// err, for any error Write, Read or the Recipient and Identity constructors
// return; "export.err.other" when err is none of them.
func ErrorKey(err error) string { return exportdata.ErrorKey(err) }

// Read decrypts an export with id, checks it, and returns its records. Each
// file's bytes are passed to sink as they stream by (nil discards them);
// their SHA-256 and size are checked against the metadata. Nothing is
// trusted until Read returns nil: the OpenPGP integrity check covers the
// whole message and ends it, so a caller restoring a vault must discard
// what it received when Read fails. Read accepts binary and ASCII-armored
// messages.
//
// Read is bounded (see limits) and never panics: a file that asks for more
// is ErrTooLarge, and a failure in a reader is ErrCorrupt, not a dead app.
func Read(ctx context.Context, r io.Reader, id Identity, sink FileSink) (a *Archive, err error) {
	defer func() {
		if p := recover(); p != nil {
			// The panic's value is not shown: it may quote the file.
			a, err = nil, fmt.Errorf("%w: the reader failed", ErrCorrupt)
		}
	}()
	return read(ctx, r, id, sink)
}

// read is Read without the recover, so that fuzzing sees panics.
func read(ctx context.Context, r io.Reader, id Identity, sink FileSink) (*Archive, error) {
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

	m, err := decrypt(in, id, src)
	if err != nil {
		return nil, err
	}
	a := &Archive{Name: m.name}
	if err := readArchive(ctx, m.body, a, sink); err != nil {
		return nil, classifyBody(err, src)
	}
	// Drain to the end: the integrity check (MDC) runs there.
	if err := m.finish(); err != nil {
		return nil, classifyBody(err, src)
	}
	return a, nil
}

// message is a decrypted export: the literal data's body and name, and
// finish, which reads the rest of the encrypted packet and checks its
// integrity.
type message struct {
	body   io.Reader
	name   string
	finish func() error
}

// decrypt finds the session key for id among the message's key packets
// and opens its encrypted packet. A SEIPD v1 packet with AES (what Backpack
// writes) is opened by internal/seipd; anything else by go-crypto.
func decrypt(in io.Reader, id Identity, src *eofReader) (*message, error) {
	rec := &recorder{r: in, on: true}
	packets := packet.NewReader(rec)
	var syms []*packet.SymmetricKeyEncrypted
	var symRaw [][]byte // each SKESK packet's body, for openSKESK
	var pubs []*packet.EncryptedKey
	var se *packet.SymmetricallyEncrypted
	foreign := 0 // SKESK packets of another kind, left untried
	for n := 0; se == nil; n++ {
		if n > limit.keyPackets {
			return nil, tooLarge("key packets")
		}
		rec.buf = nil // symRaw keeps the previous one
		p, err := packets.Next()
		if err != nil {
			return nil, classifyHead(err, src)
		}
		switch p := p.(type) {
		case *packet.SymmetricKeyEncrypted:
			// Only the kind of S2K Backpack writes is derived: any other
			// could ask for gigabytes of memory (Argon2) or more work.
			raw := rawBody(rec.buf, tagSKESK)
			if !backpackS2K(raw) {
				foreign++
				continue
			}
			syms = append(syms, p)
			symRaw = append(symRaw, raw)
		case *packet.EncryptedKey:
			pubs = append(pubs, p)
		case *packet.SymmetricallyEncrypted:
			if !p.IntegrityProtected || p.Version != 1 {
				return nil, ErrNotExport
			}
			se = p
		default:
			return nil, ErrNotExport
		}
	}
	rec.on, rec.buf = false, nil
	if len(syms) == 0 && len(pubs) == 0 {
		if foreign > 0 {
			return nil, fmt.Errorf("%w: passphrase packet of another kind", ErrNotExport)
		}
		return nil, ErrNotExport
	}

	// The quick check of a v1 packet tells a wrong key at once, so that
	// each candidate can be tried.
	body := bufio.NewReaderSize(se.Contents, 64<<10)
	se.Contents = body
	var prefix []byte
	fast := se.Version == 1
	if fast {
		var err error
		if prefix, err = body.Peek(18); err != nil {
			return nil, classifyHead(err, src)
		}
	}
	try := func(cf packet.CipherFunction, key []byte) (*message, bool, error) {
		aes := cf == packet.CipherAES128 || cf == packet.CipherAES192 || cf == packet.CipherAES256
		if fast && aes {
			if len(key) != cf.KeySize() || !seipd.CheckKey(prefix, key) {
				return nil, false, nil
			}
			plain, err := seipd.NewReader(body, key)
			if err != nil {
				return nil, false, classifyHead(err, src)
			}
			m, err := literal(plain, func() error {
				_, err := io.Copy(io.Discard, tail(plain))
				return err
			})
			return m, true, err
		}
		rc, err := se.Decrypt(cf, key)
		if err != nil {
			return nil, false, nil
		}
		m, err := literal(rc, func() error {
			if _, err := io.Copy(io.Discard, tail(rc)); err != nil {
				return err
			}
			return rc.Close()
		})
		return m, true, err
	}

	if id.passphrase == nil {
		if len(pubs) == 0 {
			return nil, ErrNeedsPassphrase
		}
		for _, ek := range pubs {
			keys := id.keys.KeysById(ek.KeyId)
			if ek.KeyId == 0 {
				keys = id.keys.DecryptionKeys()
			}
			for _, k := range keys {
				if k.PrivateKey == nil || k.PrivateKey.Encrypted {
					continue
				}
				if err := ek.Decrypt(k.PrivateKey, nil); err != nil {
					continue
				}
				if m, ok, err := try(ek.CipherFunc, ek.Key); ok || err != nil {
					return m, err
				}
			}
		}
		return nil, ErrWrongKey
	}
	if len(syms) == 0 {
		return nil, ErrNeedsKey
	}
	var work int64 // bytes hashed by the S2Ks tried
	for _, pass := range id.passphrases() {
		for i, s := range syms {
			if work += int64(s2kCount(symRaw[i][12])); work > limit.s2kWork {
				return nil, tooLarge("passphrase packets")
			}
			var key []byte
			var cf packet.CipherFunction
			if k, ok := openSKESK(symRaw[i], pass); ok {
				if k == nil {
					continue
				}
				if testHookSKESK != nil {
					testHookSKESK()
				}
				key, cf = k, packet.CipherAES256
			} else {
				var err error
				if key, cf, err = s.Decrypt(pass); err != nil {
					continue
				}
			}
			if m, ok, err := try(cf, key); ok {
				if err != nil {
					// A wrong passphrase that passed the checks
					// decrypts to garbage.
					return nil, ErrWrongPassphrase
				}
				return m, nil
			}
		}
	}
	return nil, ErrWrongPassphrase
}

// tail bounds what is read after the archive's last member.
func tail(r io.Reader) io.Reader {
	return &capReader{r: r, n: limit.tail, err: tooLarge("data after the archive")}
}

// backpackS2K reports whether a SKESK packet's body (rawBody) is of the
// kind Backpack writes: version 4, an AES cipher, an iterated and salted
// SHA-256 S2K, and no session key or one of an AES cipher's size. Its cost
// is then at most maxS2KCount bytes of SHA-256.
func backpackS2K(b []byte) bool {
	if len(b) < 13 || b[0] != 4 || b[1] < 7 || b[1] > cipherAES256 || b[2] != s2kIterated || b[3] != hashSHA256 {
		return false
	}
	switch len(b) - 13 {
	case 0, 1 + 16, 1 + 24, 1 + 32:
		return true
	}
	return false
}

// testHookSKESK is called when openSKESK opened a session key.
var testHookSKESK func()

// recorder keeps the bytes read through it while on: the key packets, so
// that openSKESK can read what go-crypto's parsed packet does not show.
type recorder struct {
	r   io.Reader
	on  bool
	buf []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if r.on && len(r.buf)+n <= 1<<16 {
		r.buf = append(r.buf, p[:n]...)
	}
	return n, err
}

// rawBody returns the body of the packet in raw (header and body, as
// read) when it has tag and a one-byte length; nil otherwise.
func rawBody(raw []byte, tag byte) []byte {
	if len(raw) < 2 {
		return nil
	}
	switch h := raw[0]; {
	case h&0xC0 == 0xC0 && h&0x3F == tag && raw[1] < 192:
	case h&0xC0 == 0x80 && (h>>2)&0x0F == tag && h&3 == 0:
	default:
		return nil
	}
	if int(raw[1]) != len(raw)-2 {
		return nil
	}
	return raw[2:]
}

// literal reads the plaintext's literal data packet (compressed or not).
func literal(plain io.Reader, finish func() error) (*message, error) {
	md, err := openpgp.ReadMessage(plain, nil, nil, nil)
	if err != nil || md.LiteralData == nil || md.IsEncrypted || md.IsSigned {
		return nil, ErrNotExport
	}
	return &message{body: md.UnverifiedBody, name: md.LiteralData.FileName, finish: finish}, nil
}

// classifyHead maps an error met before the encrypted data.
func classifyHead(err error, src *eofReader) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF && src.n > 0:
		return ErrTruncated
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
		errors.Is(err, ErrNewerVersion), errors.Is(err, ErrTooLarge), errors.Is(err, errSink):
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
	if errors.As(err, &se) || errors.As(err, &st) || errors.Is(err, pgperrors.ErrMDCHashMismatch) || errors.Is(err, seipd.ErrMDC) ||
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
	names := map[string]bool{}
	gotVault := false
	other := limit.other // bytes the other members may still inflate to
	var last *zipBody    // the previous other member, drained by next
	var buf []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hd, body, err := z.next()
		if last != nil {
			other -= int64(last.n)
			last = nil
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if names[hd.Name] {
			// A second vault.jsonl or file would say something else
			// than the first.
			return fmt.Errorf("%w: archive member %d repeats another's name", ErrCorrupt, len(a.Contents)+1)
		}
		names[hd.Name] = true
		a.Contents = append(a.Contents, hd.Name)
		switch f := files[hd.Name]; {
		case hd.Name == PathVault:
			body.limit(limit.vault, tooLarge("vault.jsonl"))
			if err := readVault(body, a, files); err != nil {
				return err
			}
			gotVault = true
		case f != nil:
			// Exactly the declared size: one byte more is damage.
			body.limit(f.Size, fmt.Errorf("%w: file %s: size differs", ErrCorrupt, f.ID))
			if buf == nil {
				buf = make([]byte, 64<<10)
			}
			if err := readFile(ctx, body, *f, sink, buf); err != nil {
				return err
			}
		default: // not ours: skipped (drained by next)
			body.limit(other, tooLarge("archive"))
			last = body
		}
	}
	if !gotVault {
		return ErrNotExport
	}
	for p, f := range files {
		if !names[p] {
			return fmt.Errorf("%w: file %s is missing", ErrCorrupt, f.ID)
		}
	}
	return nil
}

func readFile(ctx context.Context, body io.Reader, f record.FileInfo, sink FileSink, buf []byte) error {
	h := newFileHash(f.Size)
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
	if f.SHA256 != "" && !strings.EqualFold(hex.EncodeToString(h.Sum()), f.SHA256) {
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
	src := &errReader{r: r}
	dec := newVaultDecoder(src) // json.Decoder's results, faster (entryjson.go)
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
	var declared int64 // the files' sizes together
	for n := 2; ; n++ {
		if n > limit.records {
			return tooLarge("records")
		}
		line = vaultLine{}
		err := dec.Decode(&line)
		if err == io.EOF {
			break
		}
		if err != nil {
			if src.err != nil {
				return src.err // the archive failed under the decoder
			}
			if errors.Is(err, ErrTooLarge) {
				return err
			}
			// A syntax or type error, or a bad time: its text may quote
			// the value, which must not reach an error message.
			return fmt.Errorf("%w: vault.jsonl line %d", ErrCorrupt, n)
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
			// Size and digest say how much to read and check it all.
			if f := line.File; f.Size < 0 || !isSHA256(f.SHA256) {
				return fmt.Errorf("%w: vault.jsonl line %d: file without size or SHA-256", ErrCorrupt, n)
			}
			if declared += line.File.Size; len(fpaths) >= limit.files || line.File.Size > limit.fileSize || declared > limit.filesTotal {
				return tooLarge("files")
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
			if e.Value2 == nil && e.Comparator == "" {
				record.UpgradeProjection(&e.Projection) // written before pairs and comparators
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

// isSHA256 reports a SHA-256 in hex.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// errReader remembers its reader's first error other than io.EOF.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
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
