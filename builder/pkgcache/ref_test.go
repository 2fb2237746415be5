package pkgcache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	good := []struct {
		in   string
		want Ref
	}{
		{"/var/cache/kb", Ref{Kind: Local, Dir: "/var/cache/kb"}},
		{"/var/cache/kb/../x/", Ref{Kind: Local, Dir: "/var/cache/x"}},
		{"./cache", Ref{Kind: Local, Dir: filepath.Join(wd, "cache")}},
		{"../cache", Ref{Kind: Local, Dir: filepath.Join(filepath.Dir(wd), "cache")}},
		{".", Ref{Kind: Local, Dir: wd}},
		{"dir=cache", Ref{Kind: Local, Dir: filepath.Join(wd, "cache")}},
		{"dir=/tmp/registry.example.org/x", Ref{Kind: Local, Dir: "/tmp/registry.example.org/x"}},
		{"registry.example.org/me/kitbash-cache", Ref{Kind: Registry, Repo: "registry.example.org/me/kitbash-cache"}},
		{"registry=registry.example.org/me/cache", Ref{Kind: Registry, Repo: "registry.example.org/me/cache"}},
		{"localhost:5000/cache", Ref{Kind: Registry, Repo: "localhost:5000/cache"}},
		{"localhost/cache", Ref{Kind: Registry, Repo: "localhost/cache"}},
		{"127.0.0.1:5000/kitbash/cache", Ref{Kind: Registry, Repo: "127.0.0.1:5000/kitbash/cache"}},
		{"registry.example.org:5000/me/cache", Ref{Kind: Registry, Repo: "registry.example.org:5000/me/cache"}},
	}
	for _, c := range good {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if again, err := Parse(got.String()); err != nil || again != got {
			t.Errorf("Parse(%q.String() = %q) = %+v, %v", c.in, got.String(), again, err)
		}
	}

	bad := []struct{ in, want string }{
		{"", "empty"},
		{"cache", "neither a directory path nor a registry repository"},
		{"me/cache", "neither a directory path nor a registry repository"},
		{"registry.example.org", "neither a directory path nor a registry repository"},
		{"registry=me/cache", "must start with its host"},
		{"registry=registry.example.org", "must start with its host"},
		{"registry.example.org/me/cache:v1", "names a tag or digest"},
		{"registry=registry.example.org/me/cache@sha256:" + strings.Repeat("a", 64), "names a tag or digest"},
		{"registry.example.org/Me/Cache", "repository"},
		{"type=local,dest=/tmp/x", "type=...,key=value"},
		{"https://registry.example.org/me/cache", "URL scheme"},
		{"dir=", "no directory after dir="},
		{"~/cache", "~ is not expanded"},
	}
	for _, c := range bad {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) accepted", c.in)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, `cache reference "`+c.in+`"`) || !strings.Contains(msg, "; fix: ") {
			t.Errorf("Parse(%q) error %q: want the value, %q and a fix", c.in, msg, c.want)
		}
	}
}

func TestRefString(t *testing.T) {
	if s := (Ref{}).String(); s != "" {
		t.Errorf("zero Ref: %q", s)
	}
	if s := (Ref{Kind: Local, Dir: "/c"}).String(); s != "dir=/c" {
		t.Errorf("local: %q", s)
	}
	if s := Registry.String(); s != "registry" {
		t.Errorf("kind: %q", s)
	}
}
