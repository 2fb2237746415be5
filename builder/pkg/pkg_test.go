package pkg

import (
	"archive/tar"
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var epoch = time.Unix(1700000000, 0).UTC()

type file struct {
	name, body, link string
	typ              byte
	mode             int64
	uid              int
	mtime            time.Time
	xattr            bool
}

func mkTar(t *testing.T, files []file) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Typeflag: f.typ, Mode: f.mode, Uid: f.uid, Gid: f.uid, Uname: "builder", ModTime: f.mtime, Linkname: f.link, Format: tar.FormatPAX}
		if f.typ == tar.TypeReg {
			h.Size = int64(len(f.body))
		}
		if f.xattr {
			h.PAXRecords = map[string]string{"SCHILY.xattr.user.host": "laptop"}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if f.typ == tar.TypeReg {
			io.WriteString(tw, f.body)
		}
	}
	tw.Close()
	return b.Bytes()
}

func normalize(t *testing.T, in []byte) ([]byte, Result) {
	t.Helper()
	var out bytes.Buffer
	res, err := Normalize(bytes.NewReader(in), &out, NormalizeOptions{Epoch: epoch, Spool: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), res
}

func sample(now time.Time, uid int, reverse, xattr bool) []file {
	old := time.Unix(1600000000, 0)
	fs := []file{
		{name: "./usr/", typ: tar.TypeDir, mode: 0o755, uid: uid, mtime: now},
		{name: "./usr/bin/", typ: tar.TypeDir, mode: 0o755, uid: uid, mtime: now},
		{name: "./usr/bin/hello", typ: tar.TypeReg, mode: 0o755, body: "#!/bin/sh\necho hi\n", uid: uid, mtime: now, xattr: xattr},
		{name: "./usr/bin/hi", typ: tar.TypeSymlink, link: "hello", mode: 0o777, uid: uid, mtime: now},
		{name: "./usr/share/doc/hello/README", typ: tar.TypeReg, mode: 0o644, body: "old file\n", uid: uid, mtime: old},
	}
	if reverse {
		for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
			fs[i], fs[j] = fs[j], fs[i]
		}
	}
	return fs
}

func TestNormalizeIsDeterministic(t *testing.T) {
	a, ra := normalize(t, mkTar(t, sample(time.Now(), 1000, false, true)))
	b, rb := normalize(t, mkTar(t, sample(time.Now().Add(time.Hour), 4242, true, false)))
	if !bytes.Equal(a, b) || ra != rb {
		t.Fatalf("same tree, different tars: %s vs %s", ra.Digest, rb.Digest)
	}
	if ra.Files != 3 {
		t.Fatalf("files = %d, want 3", ra.Files)
	}
	tr := tar.NewReader(bytes.NewReader(a))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || len(h.PAXRecords) != 0 {
			t.Errorf("%s: owner %d:%d %q, pax %v", h.Name, h.Uid, h.Gid, h.Uname, h.PAXRecords)
		}
		if h.ModTime.After(epoch) {
			t.Errorf("%s: mtime %v after the epoch", h.Name, h.ModTime)
		}
		if h.Name == "usr/share/doc/hello/README" && !h.ModTime.Equal(time.Unix(1600000000, 0)) {
			t.Errorf("an mtime before the epoch must be kept, got %v", h.ModTime)
		}
	}
	want := "usr/ usr/bin/ usr/bin/hello usr/bin/hi usr/share/doc/hello/README"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("entries %q, want %q", got, want)
	}
}

func TestNormalizeGolden(t *testing.T) {
	_, res := normalize(t, mkTar(t, sample(time.Unix(1800000000, 0), 0, false, false)))
	path := filepath.Join("testdata", "sample.digest")
	got := res.Digest + "\n"
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make update-golden`)", err)
	}
	if string(want) != got {
		t.Fatalf("package tar digest %s, golden %s (run `make update-golden` if intended)", got, want)
	}
}

func TestNormalizeRefusesDuplicatesAndOddTypes(t *testing.T) {
	dup := mkTar(t, []file{{name: "a", typ: tar.TypeReg, mode: 0o644}, {name: "./a", typ: tar.TypeReg, mode: 0o644}})
	if _, err := Normalize(bytes.NewReader(dup), io.Discard, NormalizeOptions{Epoch: epoch}); err == nil || !strings.Contains(err.Error(), `"a" appears twice`) {
		t.Fatalf("want duplicate error, got %v", err)
	}
}

func TestManifestEncodeIsCanonical(t *testing.T) {
	m := Manifest{Name: "hello", Version: "1.0", Release: 1, Arch: "x86_64", Requires: []string{"b", "a"}, Licenses: []string{"MIT"}}
	a, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m.Requires = []string{"a", "b"}
	b, _ := m.Encode()
	if !bytes.Equal(a, b) || !strings.Contains(string(a), `"provides": []`) || !strings.Contains(string(a), `"schemaVersion": 1`) {
		t.Fatalf("manifest not canonical:\n%s\n%s", a, b)
	}
}

func TestInputsDigestCoversEveryInput(t *testing.T) {
	base := Inputs{SpecDigest: "s", Sources: []SourceDigest{{Kind: "url", Name: "x", Digest: "d"}}, BuildRequires: map[string]string{"go": "g", "cc": "c"}, SDKDigest: "k", Arch: "x86_64", Epoch: 1, Builder: "1"}
	d0, _ := base.Digest()
	same := base
	same.BuildRequires = map[string]string{"cc": "c", "go": "g"}
	if d, _ := same.Digest(); d != d0 {
		t.Fatal("map order changed the digest")
	}
	for name, change := range map[string]func(*Inputs){
		"spec":           func(i *Inputs) { i.SpecDigest = "s2" },
		"source":         func(i *Inputs) { i.Sources = []SourceDigest{{Kind: "url", Name: "x", Digest: "d2"}} },
		"build-requires": func(i *Inputs) { i.BuildRequires = map[string]string{"go": "g2", "cc": "c"} },
		"sdk":            func(i *Inputs) { i.SDKDigest = "k2" },
		"arch":           func(i *Inputs) { i.Arch = "aarch64" },
		"epoch":          func(i *Inputs) { i.Epoch = 2 },
		"builder":        func(i *Inputs) { i.Builder = "2" },
	} {
		in := base
		change(&in)
		if d, _ := in.Digest(); d == d0 {
			t.Errorf("changing %s did not change the inputs digest", name)
		}
	}
}
