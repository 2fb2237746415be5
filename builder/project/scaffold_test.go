package project

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestScaffold(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My Cool_OS")
	created, err := Scaffold(dir, ScaffoldOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, p := range created {
		r, _ := filepath.Rel(dir, p)
		rel = append(rel, r)
	}
	want := []string{".", FileName, "specs", "kits", "variants", ".gitignore",
		"specs/.gitkeep", "kits/.gitkeep", "variants/.gitkeep"}
	if !slices.Equal(rel, want) {
		t.Errorf("created %v, want %v", rel, want)
	}
	l, err := Load(dir)
	if err != nil {
		t.Fatalf("scaffolded project does not load: %v", err)
	}
	p := l.Project
	if p.SDK.Name != "my-cool_os-sdk" || p.ReleaseVersion != "0.1.0" || !slices.Equal(p.SDK.Packages, DefaultSDKPackages()) ||
		p.Cache.MaxSizeBytes() != 20<<30 || p.SDK.GoVersion != DefaultGoVersion {
		t.Errorf("scaffolded project: %+v", p)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, ".gitignore")); !strings.Contains(string(data), "/build/") {
		t.Errorf(".gitignore = %q", data)
	}

	// A second run refuses and writes nothing.
	before, _ := os.ReadFile(filepath.Join(dir, FileName))
	os.Remove(filepath.Join(dir, ".gitignore"))
	if _, err := Scaffold(dir, ScaffoldOptions{Name: "other"}); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
		t.Errorf("second Scaffold: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileName))
	if string(before) != string(after) {
		t.Error("Kitbash.yaml was changed")
	}
	if _, err := os.Stat(filepath.Join(dir, ".gitignore")); !os.IsNotExist(err) {
		t.Error("a refused Scaffold wrote .gitignore")
	}
}

func TestScaffoldKeepsExistingFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".gitignore"), []byte("mine\n"))
	writeFile(t, filepath.Join(dir, "specs", "a.yaml"), []byte("x"))
	created, err := Scaffold(dir, ScaffoldOptions{Name: "demo", ReleaseVersion: "2.0.0-rc.1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range created {
		if strings.HasSuffix(p, ".gitignore") || p == filepath.Join(dir, "specs") || p == dir {
			t.Errorf("reported existing path %s as created", p)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, ".gitignore")); string(data) != "mine\n" {
		t.Errorf(".gitignore overwritten: %q", data)
	}
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Project.SDK.Name != "demo-sdk" || l.Project.ReleaseVersion != "2.0.0-rc.1" {
		t.Errorf("project: %+v", l.Project)
	}
}

func TestScaffoldRejectsBadOptions(t *testing.T) {
	for _, o := range []ScaffoldOptions{{Name: "Bad Name"}, {Name: "ok", ReleaseVersion: "1.0"}} {
		dir := filepath.Join(t.TempDir(), "p")
		if _, err := Scaffold(dir, o); err == nil {
			t.Errorf("Scaffold(%+v) succeeded", o)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("Scaffold(%+v) created %s", o, dir)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"kitbash": "kitbash", "My Cool_OS": "my-cool_os", "--x--": "x", "日本": "kitbash", "/": "kitbash", "a  b": "a-b",
	} {
		if got := sanitizeName(in); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultSDKPackages(t *testing.T) {
	pkgs := DefaultSDKPackages()
	if len(pkgs) != 27 || !slices.Contains(pkgs, "qemu-utils") || pkgs[0] != "build-essential" || pkgs[len(pkgs)-1] != "libssl-dev" {
		t.Errorf("DefaultSDKPackages() = %v", pkgs)
	}
	c := &checker{}
	c.debPackages("sdk.packages", pkgs, false)
	if err := c.ps.Err(); err != nil {
		t.Error(err)
	}
	pkgs[0] = "changed"
	if DefaultSDKPackages()[0] != "build-essential" {
		t.Error("DefaultSDKPackages must return a fresh slice")
	}
}

// The repository's own Kitbash.yaml loads and uses the default package list.
func TestRepositoryProject(t *testing.T) {
	l, err := Load(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	p := l.Project
	if p.SDK.Name != "kitbash-sdk" || p.SDK.Suite != "bookworm" || p.SDK.GoVersion != "1.26.8" ||
		!slices.Equal(p.SDK.Packages, DefaultSDKPackages()) || p.Cache.MaxSize != 20<<30 ||
		len(p.Vendors) != 0 || len(p.Kits) != 0 || p.Signing != nil {
		t.Errorf("repository Kitbash.yaml: %+v", p)
	}
}

// Uncommenting the examples in the template gives a valid project.
func TestScaffoldTemplateExamplesAreValid(t *testing.T) {
	var lines []string
	for _, line := range strings.Split(string(renderProject("demo", "0.1.0", DefaultSDKPackages())), "\n") {
		switch {
		case strings.HasPrefix(line, "# vendors:"), strings.HasPrefix(line, "# kits:"),
			strings.HasPrefix(line, "# signing:"), strings.HasPrefix(line, "#   "):
			line = line[2:]
		case strings.HasPrefix(line, "  # registry:"):
			line = "  " + line[4:]
		}
		lines = append(lines, line)
	}
	p, err := parseProject(FileName, []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if p.SDK.Registry == "" || len(p.Vendors) != 1 || len(p.Kits) != 1 || p.Signing == nil {
		t.Errorf("examples not all uncommented: %+v", p)
	}
}
