//go:build !wasm

package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	shareserver "backpack/internal/share/server"
)

// shareFlags declares serve's share API flags on fs; the Config it returns
// holds their values once fs is parsed.
func shareFlags(fs *flag.FlagSet) *shareserver.Config {
	cfg := &shareserver.Config{}
	fs.Var(sizeFlag{&cfg.MaxTotalBytes}, "share-max-total", "bytes of all shared files together, e.g. 10GiB (default 10GiB)")
	fs.Var(sizeFlag{&cfg.RateLimit.BytesPerHour}, "share-client-quota", "bytes one client may upload and download per hour, e.g. 1GiB (default 1GiB)")
	fs.Var(sizeFlag{&cfg.MaxBytes}, "share-max-upload", "largest shared file, e.g. 100MiB (default 100MiB)")
	fs.DurationVar(&cfg.MaxTTL, "share-max-ttl", 0, "longest lifetime of a share link, e.g. 168h (default 720h)")
	fs.DurationVar(&cfg.Links.MaxTTL, "shl-max-ttl", 0, "longest lifetime of a health link with a passcode or kept up to date, and of a wallet card's code (default 43800h, 5 years)")
	fs.IntVar(&cfg.Links.Attempts, "shl-attempts", 0, "wrong passcodes a health link takes over its life before it stops working (default 10)")
	fs.Func("trusted-proxy", "`CIDR` of a reverse proxy whose X-Forwarded-For header names the client (repeatable; default: none, the peer address is the client)", func(s string) error {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, err2 := netip.ParseAddr(s)
			if err2 != nil {
				return fmt.Errorf("not a CIDR or address: %q", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p.Masked())
		return nil
	})
	return cfg
}

// shareAPI returns the share API storing into dir when dir is set;
// otherwise the API answers that sharing is off on this server (a
// static-only deployment).
func shareAPI(dir string, cfg shareserver.Config) (http.Handler, func(), error) {
	if dir == "" {
		return shareserver.Disabled(), func() {}, nil
	}
	cfg.Dir = dir
	h, closer, err := shareserver.Handler(cfg)
	if err != nil {
		return nil, nil, err
	}
	return h, func() { closer.Close() }, nil
}

// sizeFlag is a byte count written like 500MB, 10GiB or 1048576.
type sizeFlag struct{ n *int64 }

func (f sizeFlag) String() string {
	if f.n == nil || *f.n == 0 {
		return ""
	}
	return strconv.FormatInt(*f.n, 10)
}

func (f sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
}

// parseSize reads a positive byte count: digits with an optional unit, KB
// MB GB TB (powers of 1000) or KiB MiB GiB TiB (of 1024), case ignored.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, errors.New("not a size like 500MB or 10GiB: " + strconv.Quote(s))
	}
	return n * mult, nil
}
