// Command migrator moves the settings datastore to the running OS version at boot,
// before settingsd starts, forward or backward, on a copy (see package migrate for the
// migration file format). It prints one line; on failure the old datastore is left as
// it was and the exit status is 1, which fails the boot.
//
//	migrator --datastore ROOT [--migrations DIR] [--staged DIR] [--to VERSION]
//
// --migrations is the image's own folder (missing: no settings changes); --staged is
// where the updater stages the migration files of an update or downgrade
// (<DIR>/<version>/, see migrate.StagedInfoFile), which add the files of versions the
// image does not know, as when going back to this version from a newer one.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kitbash-dev/kitbash/agents/internal/migrate"
)

// Defaults inside the image.
const (
	defaultMigrations = "/usr/share/kitbash/migrations"
	defaultStaged     = "/.private/migrations"
	osRelease         = "/etc/os-release"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("migrator", flag.ContinueOnError)
	fl.SetOutput(stderr)
	root := fl.String("datastore", "", "datastore root (holds current -> v<version>)")
	dir := fl.String("migrations", defaultMigrations, "directory of <version>.json migration files")
	staged := fl.String("staged", defaultStaged, "directory of the updater's staged migrations (<version>/ each); empty: none")
	to := fl.String("to", "", "target OS version (default: VERSION_ID from "+osRelease+")")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "migrator: unexpected argument %q\n", fl.Arg(0))
		return 2
	}
	if *root == "" {
		fmt.Fprintln(stderr, "migrator: --datastore is required; fix: pass the datastore root directory")
		return 2
	}
	if *to == "" {
		v, err := migrate.OSReleaseVersion(osRelease)
		if err != nil {
			fmt.Fprintf(stderr, "migrator: target version: %v; fix: pass --to VERSION\n", err)
			return 1
		}
		*to = v
	}
	res, err := migrate.Migrate(migrate.Options{Root: *root, MigrationsDir: *dir, StagedDir: *staged, To: *to})
	if err != nil {
		fmt.Fprintf(stderr, "migrator: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "migrator: %s\n", res.Reason)
	return 0
}
