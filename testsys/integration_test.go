package testsys

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIntegrationImage runs the suites on a real built image under QEMU when
// KITBASH_TEST_IMAGE_DIR names its directory (build/images/<variant>/<version>);
// KITBASH_TEST_SUITES may list suites (comma-separated). It takes a few minutes
// under TCG:
//
//	KITBASH_TEST_IMAGE_DIR=$PWD/build/images/dev/0.1.0 go test -run Integration -v -timeout 30m ./testsys/
func TestIntegrationImage(t *testing.T) {
	dir := os.Getenv("KITBASH_TEST_IMAGE_DIR")
	if dir == "" {
		t.Skip("KITBASH_TEST_IMAGE_DIR is not set")
	}
	var suites []string
	if s := os.Getenv("KITBASH_TEST_SUITES"); s != "" {
		suites = strings.Split(s, ",")
	}
	work := t.TempDir()
	rep, err := Run(t.Context(), Options{
		ImageDir: dir, Suites: suites, WorkDir: work, Log: testLog{t},
		JUnitPath: filepath.Join(work, "junit.xml"), BootTimeout: 5 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Cases {
		if c.Passed() {
			continue
		}
		msg := c.ID() + ": " + c.Failure
		if len(c.Console) > 0 {
			msg += "\nconsole:\n  " + strings.Join(c.Console, "\n  ")
		}
		t.Error(msg)
	}
}

// testLog writes to the test's log, one call per line.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
