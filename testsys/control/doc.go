// Package control is the host side of testsys's control channel: a line protocol
// spoken with the guest's testsysd agent over a serial port that QEMU exposes as a
// Unix socket (see qemu.WithControlSocket).
//
//	c, err := control.Dial(ctx, "/tmp/ctl.sock") // waits for the agent's hello
//	...
//	defer c.Close()
//	res, err := c.Exec(ctx, []string{"/usr/bin/sh", "-c", "cat /proc/cmdline"}, "")
//
// Each request is one JSON line {"id":N,"argv":[...],"stdin":"...","timeoutMs":M},
// each answer one JSON line {"id":N,"exit":0,"stdout":"...","stderr":"...","error":""}
// (stdout and stderr base64 when "encoding":"base64"). The agent greets with
// {"hello":"testsysd","version":1} and answers {"ping":true} with the same line.
// Lines that are neither are ignored on both sides, so console noise or a resync
// newline does no harm.
package control
