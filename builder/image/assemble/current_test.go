package assemble

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var currentOpts = []Option{WithEpoch(time.Unix(1700000000, 0)), WithTool("kitbash-test-1")}

// buildIfStale is what `kitbash build variant` does: Build only when Current says the
// image in out is not current. It returns the SDK steps that ran and why it built.
func buildIfStale(t *testing.T, in Input, out string, opts ...Option) ([]string, string) {
	t.Helper()
	im, why, err := Current(in, out, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if im != nil {
		if why != "" {
			t.Fatalf("current image with a reason %q", why)
		}
		return nil, ""
	}
	r := &fakeRunner{}
	if _, err := Build(context.Background(), in, out, append([]Option{WithRunner(r)}, opts...)...); err != nil {
		t.Fatal(err)
	}
	return r.steps, why
}

func TestCurrentSkipsAnUnchangedImage(t *testing.T) {
	in := testInput(t)
	out := filepath.Join(t.TempDir(), "dev", "0.1.0")
	if steps, why := buildIfStale(t, in, out, currentOpts...); len(steps) != 2 || !strings.Contains(why, "no build recorded") {
		t.Fatalf("first build: steps %q, reason %q", steps, why)
	}
	sums, _ := os.ReadFile(filepath.Join(out, SumsFile))
	if strings.Contains(string(sums), StampFile) {
		t.Fatalf("SHA256SUMS lists the build record:\n%s", sums)
	}
	before, _ := os.Stat(filepath.Join(out, "dev-0.1.0.img"))
	if steps, why := buildIfStale(t, in, out, currentOpts...); steps != nil {
		t.Fatalf("an unchanged image was rebuilt (%q)", why)
	}
	im, _, err := Current(in, out, currentOpts...)
	if err != nil || im == nil || im.Disk != "dev-0.1.0.img" || len(im.Packages) != 3 {
		t.Fatalf("Current: %+v %v", im, err)
	}
	after, _ := os.Stat(filepath.Join(out, "dev-0.1.0.img"))
	if !after.ModTime().Equal(before.ModTime()) {
		t.Fatal("a no-op rewrote the disk")
	}
}

func TestCurrentRebuildsWhenAnInputChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(in *Input) []Option
	}{
		{"variant setting", func(in *Input) []Option {
			v := *in.Variant
			v.Settings = map[string]any{"motd": "changed"}
			in.Variant = &v
			return currentOpts
		}},
		{"package files", func(in *Input) []Option {
			pkgs := append([]Package(nil), in.Packages...)
			pkgs[1].Manifest.Files.Digest = "sha256:" + strings.Repeat("1", 64)
			in.Packages = pkgs
			return currentOpts
		}},
		{"update root", func(in *Input) []Option { in.UpdateRoot = []byte(`{"signed":{}}`); return currentOpts }},
		{"SDK", func(in *Input) []Option { in.SDK = "sha256:" + strings.Repeat("2", 64); return currentOpts }},
		{"SOURCE_DATE_EPOCH", func(*Input) []Option {
			return append(append([]Option(nil), currentOpts...), WithEpoch(time.Unix(1700000001, 0)))
		}},
		{"kitbash", func(*Input) []Option {
			return append(append([]Option(nil), currentOpts...), WithTool("kitbash-test-2"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testInput(t)
			out := filepath.Join(t.TempDir(), "dev", "0.1.0")
			buildIfStale(t, in, out, currentOpts...)
			opts := tc.change(&in)
			steps, why := buildIfStale(t, in, out, opts...)
			if len(steps) != 2 || why != "its inputs changed" {
				t.Fatalf("steps %q, reason %q; want a rebuild because the inputs changed", steps, why)
			}
			if steps, why := buildIfStale(t, in, out, opts...); steps != nil {
				t.Fatalf("rebuilt again after the rebuild (%q)", why)
			}
		})
	}
}

func TestCurrentRebuildsWhenAnOutputChanges(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
		change           func(p string) error
	}{
		{"disk written in place, same size", "dev-0.1.0.img", "dev-0.1.0.img was modified", func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte("booted"), 1<<20)
			return err
		}},
		{"update image truncated", "dev-0.1.0-root.zst", "dev-0.1.0-root.zst changed size", func(p string) error { return os.Truncate(p, 10) }},
		{"SBOM removed", "dev-0.1.0.spdx.json", "dev-0.1.0.spdx.json is missing", os.Remove},
		{"SHA256SUMS edited", SumsFile, "SHA256SUMS changed size", func(p string) error {
			return os.WriteFile(p, []byte(strings.Repeat("0", 64)+"  extra\n"), 0o644)
		}},
		{"build record removed (an older kitbash built it)", StampFile, "no build recorded", os.Remove},
		{"build record corrupt", StampFile, "unreadable", func(p string) error { return os.WriteFile(p, []byte("{"), 0o644) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testInput(t)
			out := filepath.Join(t.TempDir(), "dev", "0.1.0")
			buildIfStale(t, in, out, currentOpts...)
			time.Sleep(10 * time.Millisecond) // a later modification time than the build's
			if err := tc.change(filepath.Join(out, tc.file)); err != nil {
				t.Fatal(err)
			}
			steps, why := buildIfStale(t, in, out, currentOpts...)
			if len(steps) != 2 || !strings.Contains(why, tc.want) {
				t.Fatalf("steps %q, reason %q; want a rebuild because %s", steps, why, tc.want)
			}
			if steps, why := buildIfStale(t, in, out, currentOpts...); steps != nil {
				t.Fatalf("rebuilt again after the rebuild (%q)", why)
			}
		})
	}
}

func TestCurrentWithoutAnImage(t *testing.T) {
	in := testInput(t)
	im, why, err := Current(in, filepath.Join(t.TempDir(), "none"), currentOpts...)
	if err != nil || im != nil || !strings.Contains(why, "no build recorded") {
		t.Fatalf("Current of an empty directory: %v %q %v", im, why, err)
	}
	if _, _, err := Current(Input{}, t.TempDir()); err == nil {
		t.Fatal("Current accepted an empty input")
	}
}

func TestExecutableID(t *testing.T) {
	a, err := ExecutableID()
	if err != nil || !strings.HasPrefix(a, "go-buildid:") {
		t.Fatalf("ExecutableID = %q, %v", a, err)
	}
	if b, _ := ExecutableID(); a != b {
		t.Fatalf("ExecutableID changed: %s, %s", a, b)
	}
}
