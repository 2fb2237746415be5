package rootfs

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var epoch = time.Unix(1700000000, 0).UTC()

// ent is one entry of a test package tar.
type ent struct {
	name string
	typ  byte
	mode int64
	body string
	link string
	uid  int
	pax  map[string]string
}

func dir(name string, mode int64) ent { return ent{name: name, typ: tar.TypeDir, mode: mode} }
func reg(name, body string) ent       { return ent{name: name, typ: tar.TypeReg, mode: 0o644, body: body} }
func symlink(name, target string) ent {
	return ent{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}
func hardlink(name, target string) ent {
	return ent{name: name, typ: tar.TypeLink, mode: 0o644, link: target}
}
func withPAX(e ent, k, v string) ent          { e.pax = map[string]string{k: v}; return e }
func pkg(name string, tarPath string) Package { return Package{Name: name, Tar: tarPath} }

// mkPkg writes a package tar into a temporary directory.
func mkPkg(t *testing.T, name string, ents ...ent) Package {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, Gid: e.uid, Linkname: e.link,
			Uname: "builder", ModTime: time.Unix(1600000000, 0), PAXRecords: e.pax, Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name+".tar")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return pkg(name, p)
}

func assemble(t *testing.T, pkgs []Package, opts ...Option) ([]byte, Result) {
	t.Helper()
	var out bytes.Buffer
	res, err := Assemble(pkgs, &out, append([]Option{WithEpoch(epoch)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != int64(out.Len()) {
		t.Fatalf("size %d, wrote %d", res.Size, out.Len())
	}
	return out.Bytes(), res
}

// mustFail assembles and checks that the error says every one of want.
func mustFail(t *testing.T, pkgs []Package, want []string, opts ...Option) error {
	t.Helper()
	_, err := Assemble(pkgs, io.Discard, opts...)
	if err == nil {
		t.Fatalf("no error, want one saying %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	return err
}

func asConflict(t *testing.T, err error) *ConflictError {
	t.Helper()
	var c *ConflictError
	if !errors.As(err, &c) {
		t.Fatalf("%v is not a *ConflictError", err)
	}
	return c
}

type outEntry struct {
	hdr  *tar.Header
	body string
}

// readTar reads an output tar back, checking what every entry must satisfy.
func readTar(t *testing.T, b []byte) []outEntry {
	t.Helper()
	var out []outEntry
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(epoch) || h.Uname != "" || h.Gname != "" || h.Format != tar.FormatPAX && h.Format != tar.FormatUSTAR {
			t.Errorf("%s: mtime %v, uname %q, gname %q, format %v", h.Name, h.ModTime, h.Uname, h.Gname, h.Format)
		}
		for k := range h.PAXRecords {
			if k != capKey && k != "path" && k != "linkpath" {
				t.Errorf("%s: PAX record %q", h.Name, k)
			}
		}
		out = append(out, outEntry{hdr: h, body: string(body)})
	}
}

func names(es []outEntry) []string {
	var n []string
	for _, e := range es {
		n = append(n, e.hdr.Name)
	}
	return n
}

func find(t *testing.T, es []outEntry, name string) outEntry {
	t.Helper()
	for _, e := range es {
		if e.hdr.Name == name {
			return e
		}
	}
	t.Fatalf("%s not in the output %q", name, names(es))
	return outEntry{}
}
