package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kitbash-dev/kitbash/builder/project"
)

// run executes kitbash in-process with a fixed environment.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["HOME"]; !ok {
		env["HOME"] = t.TempDir()
	}
	var o, e bytes.Buffer
	code = Execute(context.Background(), args, func(k string) string { return env[k] }, &o, &e)
	return o.String(), e.String(), code
}

func oneLine(t *testing.T, s string) string {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasPrefix(s, "kitbash: ") {
		t.Fatalf("want exactly one error line starting with 'kitbash: ', got %q", s)
	}
	return s
}

func TestUnknownFlagIsOneClearError(t *testing.T) {
	out, errOut, code := run(t, nil, "--bogus")
	if code == 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if got := oneLine(t, errOut); got != "kitbash: unknown flag: --bogus (see 'kitbash --help')\n" {
		t.Fatalf("got %q", got)
	}
}

func TestUnknownFieldInKitbashYAML(t *testing.T) {
	dir := t.TempDir()
	if _, err := project.Scaffold(dir, project.ScaffoldOptions{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, project.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, []byte("bogus-field: 1\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(b), "\n") + 1
	_, errOut, code := run(t, nil, "-C", dir, "sdk", "build")
	if code == 0 {
		t.Fatal("want a non-zero exit")
	}
	got := oneLine(t, errOut)
	for _, want := range []string{"Kitbash.yaml:" + strconv.Itoa(lines) + ":", `unknown field "bogus-field"`, "fix:"} {
		if !strings.Contains(got, want) {
			t.Errorf("error lacks %q: %s", want, got)
		}
	}
}

func TestUnreachableBuildkitHost(t *testing.T) {
	_, errOut, code := run(t, map[string]string{"BUILDKIT_HOST": "tcp://127.0.0.1:1"}, "engine", "status")
	if code == 0 {
		t.Fatal("want a non-zero exit")
	}
	got := oneLine(t, errOut)
	if !strings.Contains(got, "connect to BuildKit at tcp://127.0.0.1:1") || !strings.Contains(got, "fix:") {
		t.Fatalf("got %q", got)
	}
}

func TestBuildkitHostFlagWinsOverEnv(t *testing.T) {
	_, errOut, _ := run(t, map[string]string{"BUILDKIT_HOST": "tcp://127.0.0.1:1"}, "--buildkit-host", "tcp://127.0.0.1:2", "engine", "status")
	if !strings.Contains(errOut, "127.0.0.1:2") {
		t.Fatalf("flag did not win: %q", errOut)
	}
}

func TestBadProgressAndOutput(t *testing.T) {
	_, errOut, code := run(t, nil, "--progress", "fancy", "version")
	if code == 0 || !strings.Contains(oneLine(t, errOut), "auto, plain, tty, rawjson, quiet") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
	_, errOut, code = run(t, nil, "-o", "yaml", "version")
	if code == 0 || !strings.Contains(oneLine(t, errOut), "text or json") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

func TestVersionJSON(t *testing.T) {
	out, _, code := run(t, nil, "version", "-o", "json")
	var v versionInfo
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || !strings.HasPrefix(v.Go, "go1.") {
		t.Fatalf("exit %d, output %q", code, out)
	}
}

func TestEngineStatusOfStoppedEngineDoesNotStartIt(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	out, errOut, code := run(t, nil, "--state-dir", state, "engine", "status", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var st struct {
		Running bool   `json:"running"`
		Mode    string `json:"mode"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Running || st.Mode != "managed" {
		t.Fatalf("status %q (%v)", out, err)
	}
	if _, err := os.Stat(filepath.Join(state, "buildkitd", "buildkitd.pid")); err == nil {
		t.Fatal("status started an engine")
	}
}

func TestInitMakesALoadableProjectAndRefusesToOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-os")
	out, errOut, code := run(t, nil, "init", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Kitbash.yaml") {
		t.Fatalf("init output %q", out)
	}
	l, err := project.Load(dir)
	if err != nil {
		t.Fatalf("the new project does not load: %v", err)
	}
	if l.Project.SDK.Name != "my-os-sdk" {
		t.Fatalf("sdk name %q", l.Project.SDK.Name)
	}
	before, _ := os.ReadFile(filepath.Join(dir, project.FileName))
	_, errOut, code = run(t, nil, "init", dir)
	if code == 0 {
		t.Fatal("a second init over an existing project must fail")
	}
	oneLine(t, errOut)
	after, _ := os.ReadFile(filepath.Join(dir, project.FileName))
	if !bytes.Equal(before, after) {
		t.Fatal("the failed init changed Kitbash.yaml")
	}
}

func TestSDKRunWithoutLockSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	if _, err := project.Scaffold(dir, project.ScaffoldOptions{Name: "demo"}); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, nil, "-C", dir, "sdk", "run", "--", "true")
	if code == 0 || !strings.Contains(errOut, "kitbash sdk build") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	root := NewRoot(func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" {
			t.Errorf("%s has no short help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, args := range [][]string{{"--help"}, {"engine", "--help"}, {"engine", "prune", "--help"}, {"sdk", "run", "--help"}, {"init", "--help"}} {
		out, errOut, code := run(t, nil, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errOut)
		}
	}
}

func TestShellCompletion(t *testing.T) {
	out, _, code := run(t, nil, "completion", "bash")
	if code != 0 || !strings.Contains(out, "__start_kitbash") {
		t.Fatalf("bash completion: exit %d", code)
	}
	out, _, code = run(t, nil, "__complete", "--progress", "")
	if code != 0 || !strings.Contains(out, "rawjson") {
		t.Fatalf("flag completion: exit %d, %q", code, out)
	}
	out, _, _ = run(t, nil, "__complete", "engine", "")
	for _, verb := range []string{"status", "start", "stop", "prune"} {
		if !strings.Contains(out, verb) {
			t.Errorf("engine completion lacks %s: %q", verb, out)
		}
	}
}

func TestCaptureScriptQuotes(t *testing.T) {
	s := captureScript([]string{"sh", "-c", "echo 'it''s'"})
	if !strings.Contains(s, `'echo '\''it'\'''\''s'\'''`) {
		t.Fatalf("quoting: %s", s)
	}
}
