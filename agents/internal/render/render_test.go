package render

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/datastore"
)

func mustParse(t *testing.T, text string) *Template {
	t.Helper()
	tm, err := Parse("test", text)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestFuncs(t *testing.T) {
	data := map[string]any{
		"motd":    "say \"hi\" <b>",
		"empty":   "",
		"unset":   nil,
		"servers": []string{"a", "b"},
		"labels":  map[string]string{"z": "1", "a": "2"},
		"n":       int64(0),
		"on":      true,
	}
	cases := map[string]string{
		`{{ .unset | default "x" }}`:                               "x",
		`{{ .empty | default "x" }}`:                               "x",
		`{{ .n | default 7 }}`:                                     "7",
		`{{ .motd | default "x" }}`:                                `say "hi" <b>`,
		`{{ .servers | join "," }}`:                                "a,b",
		`{{ .unset | join "," }}`:                                  "",
		`{{ quote .motd }}`:                                        `"say \"hi\" <b>"`,
		`{{ quote .on }}`:                                          `"true"`,
		`{{ toJSON .labels }}`:                                     `{"a":"2","z":"1"}`,
		`{{ toJSON .servers }}`:                                    `["a","b"]`,
		`{{ indent 2 "a\nb" }}`:                                    "  a\n  b",
		`{{ upper "ab" }}{{ lower "CD" }}`:                         "ABcd",
		`{{ trim "  x \n" }}`:                                      "x",
		`{{ replace "-" "_" "a-b-c" }}`:                            "a_b_c",
		`{{ range $k, $v := .labels }}{{ $k }}={{ $v }};{{ end }}`: "a=2;z=1;",
	}
	for text, want := range cases {
		got, err := mustParse(t, text).Execute(data)
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q", text, got, err, want)
		}
	}
	// missing keys are errors, and so are functions outside the fixed set
	if _, err := mustParse(t, `{{ .nope }}`).Execute(data); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing key: %v", err)
	}
	if _, err := Parse("x", `{{ env "HOME" }}`); err == nil {
		t.Error("unknown function accepted")
	}
	if _, err := mustParse(t, `{{ join "," .motd }}`).Execute(data); err == nil {
		t.Error("join of a string accepted")
	}
}

func TestRenderChangesAndRestarts(t *testing.T) {
	root := t.TempDir()
	r := Renderer{Root: root}
	motd, conf := mustParse(t, "{{ .motd }}\n"), mustParse(t, "mtu={{ .mtu }}\n")
	files := func(m string, mtu int) []File {
		return []File{
			{Template: motd, Data: map[string]any{"motd": m}, Dest: "/etc/motd", Mode: 0o644, Restart: nil},
			{Template: conf, Data: map[string]any{"mtu": mtu}, Dest: "/etc/net/net.conf", Mode: 0o600, Restart: []string{"netd", "dhcpd"}},
		}
	}
	res, err := r.Render(files("hi", 1500))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Written, []string{"/etc/motd", "/etc/net/net.conf"}) || !reflect.DeepEqual(res.Restart, []string{"dhcpd", "netd"}) {
		t.Fatalf("first render %+v", res)
	}
	st, err := os.Stat(filepath.Join(root, "etc/net/net.conf"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st, err)
	}
	res, err = r.Render(files("hi", 1500))
	if err != nil || len(res.Written) != 0 || len(res.Restart) != 0 {
		t.Fatalf("unchanged render %+v %v", res, err)
	}
	res, err = r.Render(files("bye", 1500))
	if err != nil || !reflect.DeepEqual(res.Written, []string{"/etc/motd"}) || len(res.Restart) != 0 {
		t.Fatalf("motd render %+v %v", res, err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/motd")); string(b) != "bye\n" {
		t.Fatalf("motd %q", b)
	}
	// a mode change is a change
	if err := os.Chmod(filepath.Join(root, "etc/net/net.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = r.Render(files("bye", 1500))
	if err != nil || !reflect.DeepEqual(res.Restart, []string{"dhcpd", "netd"}) {
		t.Fatalf("mode render %+v %v", res, err)
	}
}

func TestRenderFailureWritesNothing(t *testing.T) {
	root := t.TempDir()
	r := Renderer{Root: root}
	files := []File{
		{Template: mustParse(t, "ok"), Data: map[string]any{}, Dest: "/etc/a", Mode: 0o644},
		{Template: mustParse(t, "{{ .missing }}"), Data: map[string]any{}, Dest: "/etc/b", Mode: 0o644},
	}
	if _, err := r.Render(files); err == nil || !strings.Contains(err.Error(), "/etc/b") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "etc")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("something was written: %v", err)
	}
}

// crashFS fails its n-th operation.
type crashFS struct{ n, count int }

func (c *crashFS) fail() bool { c.count++; return c.count == c.n }
func (c *crashFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if c.fail() {
		_ = os.WriteFile(name, data[:len(data)/2], perm)
		return errors.New("crash")
	}
	return datastore.OSFS{}.WriteFile(name, data, perm)
}
func (c *crashFS) Rename(o, n string) error {
	if c.fail() {
		return errors.New("crash")
	}
	return os.Rename(o, n)
}
func (c *crashFS) SyncDir(d string) error {
	if c.fail() {
		return errors.New("crash")
	}
	return datastore.OSFS{}.SyncDir(d)
}
func (c *crashFS) Remove(n string) error { return os.Remove(n) }

func TestRenderAtomic(t *testing.T) {
	for n := 1; n <= 3; n++ {
		root := t.TempDir()
		p := filepath.Join(root, "etc/motd")
		tm := mustParse(t, "{{ .m }}")
		if _, err := (Renderer{Root: root}).Render([]File{{Template: tm, Data: map[string]any{"m": "old-contents"}, Dest: "/etc/motd", Mode: 0o644}}); err != nil {
			t.Fatal(err)
		}
		_, err := (Renderer{Root: root, FS: &crashFS{n: n}}).Render([]File{{Template: tm, Data: map[string]any{"m": "new-contents"}, Dest: "/etc/motd", Mode: 0o644}})
		if err == nil {
			t.Fatalf("step %d: no error", n)
		}
		b, _ := os.ReadFile(p)
		if s := string(b); s != "old-contents" && s != "new-contents" {
			t.Fatalf("step %d: torn file %q", n, s)
		}
		if _, err := os.Stat(p + ".kitbash-tmp"); n <= 2 && err == nil {
			t.Fatalf("step %d: temp file left", n)
		}
	}
}
