//go:build !wasm

// Command backpack serves the Backpack app, writes it as a static site, and
// inspects health-record files.
//
//	backpack [serve] [-addr :8000] [-web web] [-data DIR]   serve the app (and the share and sync APIs with -data)
//	        [-db postgres://…] [-sync-quota 2GiB] [-sync-max-total SIZE] [-sync-max-vaults 1000] [-sync-max-devices 10]
//	        [-share-max-total 10GiB] [-share-client-quota 1GiB] [-share-max-upload 100MiB]
//	        [-share-max-ttl 720h] [-trusted-proxy CIDR]...
//	        [-shl-max-ttl 43800h] [-shl-attempts 10]
//	backpack static [-web web] OUTDIR                       write a static site
//	backpack precompress [-q 11] [-cache DIR] [-tables] FILE... write FILE.br and FILE.gz (a .wasm packed first)
//	backpack inspect [--json] FILE...                       show what a health-record file holds
//	backpack directory [-o FILE] LIST.json...               build the directory of health systems
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"backpack/internal/server"
	"backpack/internal/wasmdata"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stderr)
	case "static":
		err = static(args, stdout, stderr)
	case "precompress":
		err = precompress(args, stdout, stderr)
	case "inspect":
		return inspect(args, stdout, stderr)
	case "directory":
		err = directory(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "backpack: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "backpack:", err)
		return 1
	}
	return 0
}

const usage = `usage:
  backpack [serve] [-addr :8000] [-web web] [-data DIR]  serve the app; -data turns the share and sync APIs on
          [-db postgres://…]                                 sync store in PostgreSQL (several servers share it)
          [-sync-quota 2GiB] [-sync-max-total SIZE] [-sync-max-vaults 1000] [-sync-max-devices 10]   limits of sync
          [-share-max-total 10GiB] [-share-client-quota 1GiB] [-share-max-upload 100MiB]
          [-share-max-ttl 720h] [-trusted-proxy CIDR]...     limits of the share API
          [-shl-max-ttl 43800h] [-shl-attempts 10]           health links with a passcode or kept up to date, wallet cards
  backpack static [-web web] OUTDIR                      write a static site any host can serve
          [-smart-clients FILE]                            (serve too) SMART client ids for health systems
          [-relay HOST,...]                                (serve) relay to health systems browsers cannot reach
  backpack precompress [-q 11] [-cache DIR] [-tables] FILE... write FILE.br and FILE.gz beside FILE (a .wasm packed first, in place: data segments joined, traceback-only tables blanked unless -tables, Go's pc index rebuilt at load)
  backpack inspect [--json] FILE...                      show format, patient, counts and problems
  backpack directory [-o web/directory.dat] LIST.json... build the directory of health systems
`

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "localhost:8000", "address to listen on")
	web := fs.String("web", "web", "directory with app.wasm, icons and styles")
	data := fs.String("data", "", "directory for encrypted shared files; empty turns the share API off")
	version := fs.String("version", "", "app version (default: hash of app.wasm)")
	shareCfg := shareFlags(fs)
	syncCfg := syncFlags(fs)
	clientsFile := fs.String("smart-clients", "", "JSON file of SMART client ids registered with health systems (see README)")
	relayHosts := fs.String("relay", "", "comma-separated health-system hosts to relay to for browsers they refuse (off by default; it sees what it carries)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	clients, err := smartClients(*clientsFile)
	if err != nil {
		return err
	}
	rl, clients, err := relayFor(*relayHosts, clients)
	if err != nil {
		return err
	}
	api, closeAPI, err := shareAPI(*data, *shareCfg)
	if err != nil {
		return err
	}
	defer closeAPI()
	syncH, closeSync, err := syncAPI(*syncCfg, *data, *shareCfg)
	if err != nil {
		return err
	}
	defer closeSync()
	h, err := server.New(server.Config{WebDir: *web, Version: *version, API: api, Sync: syncH, SmartClients: clients, Relay: rl})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute, // large encrypted uploads on slow links
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0), // no request details in logs
	}
	log.SetFlags(0)
	log.Printf("backpack: serving on http://%s", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func static(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("static", flag.ContinueOnError)
	fs.SetOutput(stderr)
	web := fs.String("web", "web", "directory with app.wasm, icons and styles")
	clientsFile := fs.String("smart-clients", "", "JSON file of SMART client ids registered with health systems (see README)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("static: give one output directory")
	}
	clients, err := smartClients(*clientsFile)
	if err != nil {
		return err
	}
	if err := server.Static(fs.Arg(0), *web); err != nil {
		return err
	}
	if err := writeSmartClients(fs.Arg(0), clients); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "static site written to %s\n", fs.Arg(0))
	return nil
}

func precompress(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("precompress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	q := fs.Int("q", 11, "brotli quality 0-11")
	cache := fs.String("cache", "", "directory keeping earlier outputs by content hash (rebuilding an unchanged file costs nothing)")
	tables := fs.Bool("tables", false, "keep the Go runtime's traceback-only tables in .wasm modules (tracebacks then show file:line and arguments)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, name := range fs.Args() {
		if strings.HasSuffix(name, ".wasm") {
			// The module's data segments are packed first, in place, and
			// its traceback-only tables blanked: it then compresses better
			// (internal/wasmdata).
			if err := wasmdata.PackFile(name, wasmdata.Options{KeepTables: *tables}); err != nil {
				return err
			}
		}
		raw, br, gz, err := server.PrecompressCached(name, *q, *cache)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: raw %d, brotli %d, gzip %d bytes\n", name, raw, br, gz)
	}
	return nil
}
