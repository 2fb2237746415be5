package userdata

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sample = `# user data
[settings]
motd = "hello \"world\"\u00e9"   # trailing comment
"quoted.key" = 'C:\path'
net.mtu = 9_000
ntp.enabled = true

[settings.ntp]
servers = [
  "a.pool", # first
  'b.pool',
]
[settings.kubernetes.labels]
"topology.kubernetes.io/zone" = "z1"
empty = ""
negative = -42
`

func TestParseTOML(t *testing.T) {
	got, err := Parse([]byte(strings.ReplaceAll(sample, "\n", "\r\n")))
	if err == nil {
		t.Fatal("[settings.ntp] after ntp.enabled (a dotted-key table) must be rejected")
	}
	fixed := strings.Replace(sample, "ntp.enabled = true\n", "", 1)
	fixed = strings.Replace(fixed, "[settings.ntp]\n", "[settings.ntp]\nenabled = true\n", 1)
	got, err = Parse([]byte(strings.ReplaceAll(fixed, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"motd":       "hello \"world\"é",
		"quoted.key": `C:\path`,
		"net":        map[string]any{"mtu": int64(9000)},
		"ntp":        map[string]any{"enabled": true, "servers": []string{"a.pool", "b.pool"}},
		"kubernetes": map[string]any{"labels": map[string]any{"topology.kubernetes.io/zone": "z1", "empty": "", "negative": int64(-42)}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}

func TestParseTOMLErrors(t *testing.T) {
	for in, want := range map[string]string{
		"[settings]\na = 1\na = 2":             "line 3: key settings.a is defined twice",
		"[settings]\n[settings]":               "line 2: table [settings] is defined twice",
		"[settings]\na = 1.5":                  "unsupported value",
		"[settings]\na = 1979-05-27":           "unsupported value",
		"[settings]\na = 012":                  "unsupported value",
		"[settings]\na = 1__0":                 "unsupported value",
		"[settings]\na = 99999999999999999999": "unsupported value",
		"[settings]\na = [1, 2]":               "arrays may only hold strings",
		"[settings]\na = {b = 1}":              "inline tables are not supported",
		"[settings]\na = \"\"\"x\"\"\"":        "multi-line strings",
		"[[settings]]":                         "arrays of tables",
		"[settings]\na = \"x":                  "unterminated string",
		"[settings]\na = \"\\q\"":              "invalid escape",
		"[settings]\na = \"\\uD800\"":          "invalid \\u escape",
		"[settings]\na = [\"x\"":               "unterminated array",
		"[settings]\na = 1 b = 2":              "expected the end of the line",
		"[settings]\na.b = 1\n[settings.a]":    "defined twice",
		"[settings]\na = 1\n[settings.a]":      "is a value",
		"[settings]\n= 1":                      "expected a key",
		"other = 1":                            "unknown top-level keys other",
		"settings = 1":                         "settings must be a table",
		"[settings]\na = \"\x01\"":             "control character",
		"\xff":                                 "UTF-8",
	} {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func TestLoadFileAndCmdline(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "user-data.toml")
	if err := os.WriteFile(file, []byte("[settings]\nmotd = \"from file\"\n[settings.ntp]\nenabled = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString([]byte("[settings]\nmotd = \"from cmdline\"\n[settings.ntp]\nservers = [\"x\"]\n"))
	got, err := Load(file, "console=ttyS0 "+Param+"="+enc+" quiet")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"motd": "from cmdline", "ntp": map[string]any{"enabled": true, "servers": []string{"x"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	// no sources: empty tree
	if got, err := Load(filepath.Join(dir, "missing"), "quiet"); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	// unpadded URL-safe base64, last occurrence wins
	raw := base64.RawURLEncoding.EncodeToString([]byte("[settings]\nmotd = \"??>\"\n"))
	if got, err := Load("", Param+"=!!! "+Param+"="+raw); err != nil || got["motd"] != "??>" {
		t.Fatalf("raw url: %v %v", got, err)
	}
	if _, err := Load("", Param+"=!!!"); err == nil || !strings.Contains(err.Error(), "base64") {
		t.Fatalf("bad base64: %v", err)
	}
	if err := os.WriteFile(file, []byte("[settings]\nmotd = 1.5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file, ""); err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad file: %v", err)
	}
}

// FuzzParseTOML checks the parser never panics and returns only the documented types.
func FuzzParseTOML(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("[a.\"b\".'c']\nx = ['a',\n]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := ParseTOML(data)
		if err != nil {
			return
		}
		var check func(map[string]any)
		check = func(m map[string]any) {
			for _, v := range m {
				switch x := v.(type) {
				case map[string]any:
					check(x)
				case string, int64, bool, []string:
				default:
					t.Fatalf("unexpected %T", v)
				}
			}
		}
		check(tree)
	})
}
