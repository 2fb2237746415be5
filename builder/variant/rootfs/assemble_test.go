package rootfs

import (
	"archive/tar"
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestSharedDirectories(t *testing.T) {
	long := "usr/share/doc/b/" + strings.Repeat("x", 120) // a PAX path record before its content
	a := mkPkg(t, "a", dir("usr/", 0o755), dir("usr/bin/", 0o755), reg("usr/bin/a", "aaa\n"))
	b := mkPkg(t, "b", dir("./usr/", 0o755), dir("./usr/bin/", 0o755), reg("./usr/bin/b", strings.Repeat("b", 513)),
		reg(long, "long\n"), reg("usr/lib/b.so", "elf"))
	out, res := assemble(t, []Package{a, b})
	es := readTar(t, out)

	want := []string{"usr/", "usr/bin/", "usr/bin/a", "usr/bin/b", "usr/lib/", "usr/lib/b.so", "usr/share/", "usr/share/doc/", "usr/share/doc/b/", long}
	if got := names(es); !slices.Equal(got, want) {
		t.Fatalf("entries\n got %q\nwant %q", got, want)
	}
	if res.Entries != len(want) {
		t.Errorf("Entries %d, want %d", res.Entries, len(want))
	}
	for name, body := range map[string]string{"usr/bin/a": "aaa\n", "usr/bin/b": strings.Repeat("b", 513), long: "long\n", "usr/lib/b.so": "elf"} {
		if got := find(t, es, name).body; got != body {
			t.Errorf("%s: content %q, want %q", name, got, body)
		}
	}
	if e := find(t, es, "usr/lib/"); e.hdr.Mode != 0o755 || e.hdr.Uid != 0 || e.hdr.Typeflag != tar.TypeDir {
		t.Errorf("implied usr/lib/: %+v", e.hdr)
	}
	for p, owner := range map[string]string{"usr": "a", "usr/bin": "a", "usr/bin/a": "a", "usr/bin/b": "b", "usr/lib/b.so": "b", "usr/lib": ""} {
		if got := res.Owners[p]; got != owner {
			t.Errorf("owner of %s: %q, want %q", p, got, owner)
		}
	}
	if !strings.HasPrefix(res.Digest, "sha256:") || len(res.Digest) != 71 {
		t.Errorf("digest %q", res.Digest)
	}
}

func TestFileConflict(t *testing.T) {
	runc := mkPkg(t, "runc", dir("usr/", 0o755), reg("usr/bin/runc", "1"))
	alt := mkPkg(t, "runc-alt", reg("usr/bin/runc", "2"))
	err := mustFail(t, []Package{runc, alt}, []string{"usr/bin/runc is in both runc and runc-alt; fix:"})
	if c := asConflict(t, err); c.Path != "usr/bin/runc" || c.First != "runc" || c.Second != "runc-alt" {
		t.Errorf("conflict %+v", c)
	}
	// The same content is still a conflict: one path, one owner.
	same := mkPkg(t, "runc-same", reg("usr/bin/runc", "1"))
	mustFail(t, []Package{runc, same}, []string{"usr/bin/runc is in both runc and runc-same"})
}

func TestDirectoryModeConflict(t *testing.T) {
	a := mkPkg(t, "a", dir("etc/", 0o755), dir("etc/ssl/", 0o755))
	b := mkPkg(t, "b", dir("etc/", 0o755), dir("etc/ssl/", 0o700))
	err := mustFail(t, []Package{a, b}, []string{"directory etc/ssl is", "0755", "in a", "0700", "in b", "fix:"})
	if c := asConflict(t, err); c.Path != "etc/ssl" || c.First != "a" || c.Second != "b" {
		t.Errorf("conflict %+v", c)
	}
	owner := mkPkg(t, "c", ent{name: "etc/", typ: tar.TypeDir, mode: 0o755, uid: 1000})
	mustFail(t, []Package{a, owner}, []string{"directory etc is", "owner 0:0", "owner 1000:1000"})
}

func TestImpliedDirectoryTakesTheDeclaredMode(t *testing.T) {
	a := mkPkg(t, "a", reg("opt/a/file", "a"))
	b := mkPkg(t, "b", dir("opt/", 0o700), reg("opt/b", "b"))
	ab, resAB := assemble(t, []Package{a, b})
	ba, _ := assemble(t, []Package{b, a})
	if !bytes.Equal(ab, ba) {
		t.Error("package order changed the bytes")
	}
	if e := find(t, readTar(t, ab), "opt/"); e.hdr.Mode != 0o700 {
		t.Errorf("opt/ mode %o, want 0700", e.hdr.Mode)
	}
	if resAB.Owners["opt"] != "b" || resAB.Owners["opt/a"] != "" {
		t.Errorf("owners %v", resAB.Owners)
	}
}

func TestTypeConflict(t *testing.T) {
	fsys := mkPkg(t, "filesystem", symlink("lib", "usr/lib"))
	foo := mkPkg(t, "foo", dir("lib/", 0o755))
	mustFail(t, []Package{fsys, foo}, []string{"lib is a symlink", "in filesystem", "a directory", "in foo"})
	// A directory only implied by a's files still conflicts with b's symlink.
	a := mkPkg(t, "a", reg("lib/x", "x"))
	mustFail(t, []Package{a, fsys}, []string{"lib is a directory", "implied", "a symlink", "filesystem"})
}

func TestSymlinkParentRejected(t *testing.T) {
	fsys := mkPkg(t, "filesystem", dir("usr/", 0o755), dir("usr/lib/", 0o755), symlink("lib", "usr/lib"))
	evil := mkPkg(t, "evil", reg("lib/modules/x", "escape"))
	err := mustFail(t, []Package{fsys, evil}, []string{"lib/modules/x in evil", "parent lib is a symlink", "filesystem", "never followed"})
	if c := asConflict(t, err); c.First != "filesystem" || c.Second != "evil" {
		t.Errorf("conflict %+v", c)
	}
	// Through an absolute symlink, and through one of the package's own symlinks.
	abs := mkPkg(t, "abs", symlink("etc", "/tmp"), reg("etc/passwd", "x"))
	mustFail(t, []Package{abs}, []string{"etc/passwd in abs", "parent etc is a symlink"})
	// An extra file cannot write through a symlink either.
	mustFail(t, []Package{fsys}, []string{"lib/firmware/x", "parent lib is a symlink"},
		WithFiles(File{Path: "lib/firmware/x", Mode: 0o644, Data: []byte("x")}))
	// Nor can anything be written under a regular file.
	file := mkPkg(t, "file", reg("etc/hosts", "x"))
	under := mkPkg(t, "under", reg("etc/hosts/evil", "x"))
	mustFail(t, []Package{file, under}, []string{"etc/hosts/evil in under", "parent etc/hosts is a regular file", "file"})
}

func TestHardlink(t *testing.T) {
	// The target sorts after the link: the output moves the content to the first path.
	p := mkPkg(t, "busybox", reg("usr/bin/busybox", "#!bb"), hardlink("usr/bin/ash", "usr/bin/busybox"),
		hardlink("usr/bin/sh", "usr/bin/ash"))
	out, res := assemble(t, []Package{p})
	es := readTar(t, out)
	if e := find(t, es, "usr/bin/ash"); e.hdr.Typeflag != tar.TypeReg || e.body != "#!bb" || e.hdr.Mode != 0o644 {
		t.Errorf("usr/bin/ash: %+v %q", e.hdr, e.body)
	}
	for _, name := range []string{"usr/bin/busybox", "usr/bin/sh"} {
		if e := find(t, es, name); e.hdr.Typeflag != tar.TypeLink || e.hdr.Linkname != "usr/bin/ash" || e.hdr.Size != 0 {
			t.Errorf("%s: %+v", name, e.hdr)
		}
	}
	if res.Owners["usr/bin/sh"] != "busybox" {
		t.Errorf("owners %v", res.Owners)
	}

	other := mkPkg(t, "other", hardlink("usr/bin/sh", "usr/bin/busybox"))
	mustFail(t, []Package{p, other}, []string{"package other", "hardlink usr/bin/sh points to usr/bin/busybox", "not in the package"})
	toLink := mkPkg(t, "tolink", symlink("a", "b"), hardlink("c", "a"))
	mustFail(t, []Package{toLink}, []string{"hardlink c points to a", "symlink", "not a regular file"})
	loop := mkPkg(t, "loop", hardlink("a", "b"), hardlink("b", "a"))
	mustFail(t, []Package{loop}, []string{"loop"})
}

func TestCapabilitiesKeptOtherXattrsDropped(t *testing.T) {
	caps := "\x01\x00\x00\x02\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	p := mkPkg(t, "ping", withPAX(reg("usr/bin/ping", "ping"), capKey, caps),
		withPAX(reg("usr/bin/other", "o"), "SCHILY.xattr.user.host", "laptop"))
	es := readTar(t, func() []byte { b, _ := assemble(t, []Package{p}); return b }())
	if got := find(t, es, "usr/bin/ping").hdr.PAXRecords[capKey]; got != caps {
		t.Errorf("capability %q, want %q", got, caps)
	}
	if recs := find(t, es, "usr/bin/other").hdr.PAXRecords; len(recs) != 0 {
		t.Errorf("usr/bin/other kept PAX records %v", recs)
	}
	bad := mkPkg(t, "bad", withPAX(dir("usr/", 0o755), capKey, caps))
	mustFail(t, []Package{bad}, []string{"usr: security.capability on a directory"})
}

func TestRejectsBadPackages(t *testing.T) {
	a := mkPkg(t, "a", reg("x", "x"))
	mustFail(t, []Package{a, a}, []string{"package a is given twice"})
	mustFail(t, []Package{{Name: ExtraOwner, Tar: a.Tar}}, []string{"not allowed"})
	mustFail(t, []Package{{Name: "gone", Tar: a.Tar + ".missing"}}, []string{"package gone", "no such file"})
	twice := mkPkg(t, "twice", reg("x", "1"), reg("./x", "2"))
	mustFail(t, []Package{twice}, []string{"x appears twice"})
	dotdot := mkPkg(t, "dotdot", reg("usr/../../etc/shadow", "x"))
	mustFail(t, []Package{dotdot}, []string{"package dotdot", "not clean"})
}
