package server

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// On disk every share is one file, Dir/<id>.share, written to a temporary
// file and renamed into place, so a share is either whole or absent:
//
//	backpack-share 1\n
//	{"exp":<unix seconds>,"tok":"<hex SHA-256 of the manage token>","ct":"<content type>"}\n
//	<the uploaded bytes, unchanged>
//
// The manage token itself is never stored. Temporary files start with
// ".tmp-" and are removed at start-up.
const (
	fileMagic  = "backpack-share 1\n"
	fileSuffix = ".share"
	tmpPrefix  = ".tmp-"
	maxHeader  = 1024
)

// meta is the header line of a share file.
type meta struct {
	Exp int64  `json:"exp"`
	Tok string `json:"tok"`
	CT  string `json:"ct"`
}

// item is a live share in the in-memory index.
type item struct {
	id     ID
	exp    time.Time
	tok    [32]byte // SHA-256 of the manage token
	jose   bool     // serve as application/jose
	offset int64    // where the body starts in the file
	size   int64    // body bytes
}

func (it *item) diskBytes() int64 { return it.offset + it.size }

func sharePath(dir string, id ID) string { return filepath.Join(dir, id.String()+fileSuffix) }

// encodeHeader returns the file header for an item.
func encodeHeader(it *item, ct string) ([]byte, error) {
	m, err := json.Marshal(meta{Exp: it.exp.Unix(), Tok: hex.EncodeToString(it.tok[:]), CT: ct})
	if err != nil {
		return nil, err
	}
	h := append([]byte(fileMagic), m...)
	return append(h, '\n'), nil
}

// readHeader reads the header of an open share file.
func readHeader(f io.Reader) (*item, error) {
	br := bufio.NewReaderSize(io.LimitReader(f, maxHeader), maxHeader)
	magic := make([]byte, len(fileMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != fileMagic {
		return nil, errors.New("not a share file")
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, errors.New("share header too long or cut")
	}
	var m meta
	if err := json.Unmarshal(bytes.TrimSuffix(line, []byte("\n")), &m); err != nil {
		return nil, errors.New("share header not JSON")
	}
	it := &item{exp: time.Unix(m.Exp, 0), offset: int64(len(fileMagic) + len(line)), jose: m.CT == contentTypeJOSE}
	if tok, err := hex.DecodeString(m.Tok); err != nil || len(tok) != len(it.tok) {
		return nil, errors.New("share header token hash")
	} else {
		copy(it.tok[:], tok)
	}
	return it, nil
}

// load scans dir at start-up: it indexes every share file, deletes expired
// ones and leftover temporary files, and leaves anything else alone.
func (s *Service) load() error {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	var loaded, expired, skipped int
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tmpPrefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(s.cfg.Dir, name))
			continue
		}
		id, err := ParseID(strings.TrimSuffix(name, fileSuffix))
		if err != nil || !strings.HasSuffix(name, fileSuffix) || !e.Type().IsRegular() {
			skipped++
			continue
		}
		it, err := loadItem(sharePath(s.cfg.Dir, id))
		if err != nil {
			skipped++
			continue
		}
		if !now.Before(it.exp) {
			os.Remove(sharePath(s.cfg.Dir, id))
			expired++
			continue
		}
		s.items[id] = it
		s.total += it.diskBytes()
		loaded++
	}
	s.log.Info("share store opened", "items", loaded, "bytes", s.total, "expired", expired, "skipped", skipped)
	return nil
}

func loadItem(path string) (*item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	it, err := readHeader(f)
	if err != nil {
		return nil, err
	}
	if it.size = st.Size() - it.offset; it.size <= 0 {
		return nil, fmt.Errorf("share file without body")
	}
	return it, nil
}

// syncDir makes a rename durable; errors are ignored where the platform
// cannot sync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
