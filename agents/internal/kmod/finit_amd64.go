//go:build linux

package kmod

// sysFinitModule is finit_module(2)'s number; package syscall lacks it on amd64.
const sysFinitModule = 313
