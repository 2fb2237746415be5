// Package testsys boots a built Kitbash image under QEMU with UEFI firmware (OVMF) and
// proves it works: it waits for init's ready line, runs commands in the guest over a
// control channel (the testsysd agent on the guest's second serial port, see package
// control), and reports test cases as a readable summary and JUnit XML.
//
//	rep, err := testsys.Run(ctx, testsys.Options{ImageDir: dir, Log: os.Stderr,
//		JUnitPath: "build/test-results/dev/junit.xml"})
//
// The built image is never written: every boot uses a sparse copy in the work
// directory. The suites (see [SuiteNames]):
//
//   - boot: the image boots to KITBASH-READY; /proc/cmdline carries slot A's verity
//     root hash; os-release names the variant and version.
//   - bootstrap: the bootstrap container ran (KITBASH-BOOTSTRAP-OK on the console) and
//     is listed by containerd.
//   - settings: the settings API round trip through apiclient, the rendered file, and
//     a refused request that changes nothing.
//   - verity-tamper: one byte of a file's data block in ROOT-A of a fresh copy is
//     flipped; reading the file in the booted copy must fail (I/O error, or a verity
//     restart) and never return data.
//
// boot, bootstrap and settings share one booted machine; verity-tamper boots its own
// copy (and reads the target file's blocks from the shared machine first).
package testsys
