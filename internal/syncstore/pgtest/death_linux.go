//go:build linux

package pgtest

import "syscall"

// dieWithParent stops PostgreSQL when the test process dies without
// cleaning up (a crash, a kill, a timeout).
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGQUIT }
