package variant

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, root, name, body string) {
	t.Helper()
	p := filepath.Join(root, Dir, name, File)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRepositoryDevVariant(t *testing.T) {
	v, err := Load(filepath.Join("..", ".."), "", "dev")
	if err != nil {
		t.Fatal(err)
	}
	l := v.Layout.WithDefaults()
	if v.Kernel.Package != "kernel" || l.DiskSize != 2<<30 || !*l.Updates || l.ESPSize != DefaultESPSize {
		t.Fatalf("dev variant %+v layout %+v", v.Spec, l)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	root := t.TempDir()
	write(t, root, "bad", `schema-version: 1
name: bad
summary: x
kits: [core, core]
packages: [Containerd]
kernel:
  package: kernel
  parameters: ["root=/dev/sda", "a b"]
formats: [vhd]
layout:
  disk-size: 100MiB
  root-size: 1000KiB
settings:
  Bad.Key: 1
bogus: 1
`)
	_, err := Load(root, "p", "bad")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`p/variants/bad/variant.yaml:4: kits[1]: "core" is listed twice`,
		`packages[0]: "Containerd" is not a package name`,
		`kernel.parameters[0]: "root=/dev/sda" is set by kitbash for each boot slot`,
		`kernel.parameters[1]: "a b" is not one kernel parameter`,
		`formats[0]: unknown format "vhd"`,
		`layout.root-size: 1000KiB is not a whole number of MiB`,
		`layout.disk-size: 100MiB is too small for the layout`,
		`"Bad.Key" is not a setting key`,
		`unknown field "bogus"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%s", want, err)
		}
	}
	if _, err := Load(root, "p", "nope"); err == nil || !strings.Contains(err.Error(), "use one of: bad") {
		t.Errorf("unknown variant: %v", err)
	}
}
