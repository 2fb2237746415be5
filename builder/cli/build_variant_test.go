package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// variantProject is a project with packages a (requires b), b and c, a kit "base"
// holding a, and variants/v/variant.yaml with the given body.
func variantProject(t *testing.T, body string) string {
	t.Helper()
	dir := specProject(t, map[string]string{
		"a": specYAML("a", "requires: [b]\n"),
		"b": specYAML("b", ""),
		"c": specYAML("c", ""),
	})
	files := map[string]string{
		"kits/base/kit.yaml":      "schema-version: 1\nname: base\nversion: 1.0.0\nsummary: base kit\npackages: [a]\n",
		"variants/v/variant.yaml": body,
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const variantHead = "schema-version: 1\nname: v\nsummary: test\nkernel: {package: a}\n"

// Errors that need no engine: they come before anything is built, and name the file,
// field and fix.
func TestBuildVariantRefusesBadKitsAndPackages(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"unknown kit", variantHead + "kits: [nope]\npackages: [a]\n",
			[]string{`variants/v/variant.yaml:5: kits[0]: kit "nope" is neither one of the project's kits nor locked`, "fix: add kits/nope/kit.yaml"}},
		{"package outside the kits", variantHead + "kits: [base]\npackages: [a, c]\n",
			[]string{`variants/v/variant.yaml`, `package "c" is installed but is in none of the kits base`, "fix: add the kit that carries it"}},
		{"unknown package", variantHead + "kits: [base]\npackages: [zzz]\n",
			[]string{"variants/v/variant.yaml: packages:", "zzz"}},
		{"bad service", variantHead + "kits: [base]\npackages: [a]\nservices:\n  x: {command: [relative]}\n",
			[]string{"services.x.command: the command must start with an absolute path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := variantProject(t, tc.body)
			out, errOut, code := run(t, map[string]string{"SOURCE_DATE_EPOCH": "1"}, "-C", dir, "build", "variant", "v")
			if code == 0 || out != "" {
				t.Fatalf("exit %d, stdout %q", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("error lacks %q:\n%s", w, errOut)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "build", "images")); !os.IsNotExist(err) {
				t.Errorf("build/images exists after a refused build: %v", err)
			}
		})
	}
}

func TestBuildVariantUnknownVariantListsKnownOnes(t *testing.T) {
	dir := variantProject(t, variantHead+"kits: [base]\npackages: [a]\n")
	_, errOut, code := run(t, map[string]string{"SOURCE_DATE_EPOCH": "1"}, "-C", dir, "build", "variant", "w")
	if code == 0 || !strings.Contains(errOut, `no variant "w"`) || !strings.Contains(errOut, "use one of: v") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestBuildVariantRefusesBadVersion(t *testing.T) {
	dir := variantProject(t, variantHead+"kits: [base]\npackages: [a]\n")
	_, errOut, code := run(t, map[string]string{"SOURCE_DATE_EPOCH": "1"}, "-C", dir, "build", "variant", "v", "--version", "2")
	if code == 0 || !strings.Contains(errOut, `--version "2"`) || !strings.Contains(errOut, "fix:") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
