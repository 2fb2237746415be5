package sdk

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// rootfsJob is one mmdebstrap run.
type rootfsJob struct {
	spec     Spec
	out      string // rootfs tar to write
	pkgList  string // where the customize hook writes dpkg's package list
	debsIn   string // cached .debs handed to apt
	debsOut  string // empty directory that receives apt's archives afterwards
	sources  []string
	aptOpts  []string
	epochSec int64
}

// mmdebstrapArgs is the command line for j. Host paths appear only in hooks and
// arguments, never in the image.
func mmdebstrapArgs(j rootfsJob) []string {
	args := []string{
		"--mode=root",
		"--format=tar",
		"--variant=essential",
	}
	if pkgs := j.spec.includeList(); len(pkgs) > 0 {
		args = append(args, "--include="+strings.Join(pkgs, ","))
	}
	for _, o := range j.aptOpts {
		args = append(args, "--aptopt="+o)
	}
	args = append(args,
		`--setup-hook=mkdir -p "$1"/var/cache/apt/archives/`,
		"--setup-hook=sync-in "+j.debsIn+" /var/cache/apt/archives/",
		// sync-in gives the directory the mode of the host's .deb cache, which follows
		// the builder's umask (0700 under umask 077): fix it, or the SDK's digest
		// depends on who built it (found by make repro).
		`--setup-hook=chmod 0755 "$1"/var/cache/apt/archives`,
		"--customize-hook=sync-out /var/cache/apt/archives "+j.debsOut,
		`--customize-hook=chroot "$1" dpkg-query -W -f='${db:Status-Abbrev}${Package}=${Version}\n' > `+shellQuote(j.pkgList),
		// Copied from the host by mmdebstrap (network settings and the apt sources
		// it was given); keeping them would make the digest depend on the host.
		`--customize-hook=rm -f "$1"/etc/resolv.conf "$1"/etc/hostname`,
		`--customize-hook=rm -f "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*.list "$1"/etc/apt/sources.list.d/*.sources`,
		"--skip=download/empty",
		"--skip=essential/unlink",
		j.spec.Suite,
		j.out,
	)
	return append(args, j.sources...)
}

// runMmdebstrap builds the rootfs tar. SOURCE_DATE_EPOCH makes mmdebstrap clamp
// mtimes and drop its own non-reproducible files.
func runMmdebstrap(ctx context.Context, c *config, j rootfsJob) error {
	cmd := exec.CommandContext(ctx, c.mmdebstrap, mmdebstrapArgs(j)...)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+strconv.FormatInt(j.epochSec, 10))
	cmd.Stdout, cmd.Stderr = c.log, c.log
	// On cancellation let mmdebstrap unmount and remove its chroot before it is
	// killed: SIGKILL would leave /proc, /sys and /dev mounts behind.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mmdebstrap %s: %w", j.spec.Suite, err)
	}
	return nil
}

// readPackageList parses the hook's dpkg-query output: installed packages as
// sorted "name=version".
func readPackageList(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read installed package list: %w", err)
	}
	var pkgs []string
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "ii "); ok && strings.Contains(rest, "=") {
			pkgs = append(pkgs, rest)
		}
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("installed package list %s is empty", path)
	}
	slices.Sort(pkgs)
	return pkgs, nil
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
