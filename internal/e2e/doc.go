// Package e2e holds Backpack's end-to-end tests and browser benchmarks: they
// serve the built app on loopback and drive Debian's Chromium with chromedp.
// Run them with `make e2e` (build tag e2e); `make bench` runs the benchmarks.
package e2e
