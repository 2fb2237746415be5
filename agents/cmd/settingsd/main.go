// Command settingsd serves the settings API (package api) on a Unix socket.
//
// At start it loads the declarations from --schema-dir, opens the datastore under
// --datastore (making it at first boot from the user data: the TOML file --user-data,
// typically on a config drive, and kitbash.userdata=<base64 TOML> on the kernel command
// line), renders every configuration file under --templates-root without restarting
// anything (the services start after it), and listens on --socket: mode 0600 (root
// only) or, with --group, 0660 owned by that group. Services are restarted through
// init's control API on --init-socket.
//
// The update endpoints (/v1/updates/check, apply, cancel, status) run the update agent,
// --updater, as a child, one run at a time (see api.Updates).
//
// SIGTERM or SIGINT stops it cleanly: a running updater is sent SIGTERM too (an apply
// then leaves the inactive slot cleared) and waited for, then the API stops.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/api"
	"github.com/kitbash-dev/kitbash/agents/internal/settings"
	"github.com/kitbash-dev/kitbash/agents/internal/userdata"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// config is the command line.
type config struct {
	socket, datastore, schemaDir, templatesRoot, group, initSocket string
	osVersion, osRelease, userData, cmdline, updater               string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("settingsd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.socket, "socket", "/run/kitbash/api.sock", "the API's Unix socket")
	fs.StringVar(&c.datastore, "datastore", "/.private/datastore", "the datastore root, on the private partition")
	fs.StringVar(&c.schemaDir, "schema-dir", "/usr/share/kitbash/settings.d", "the settings declarations (*.json)")
	fs.StringVar(&c.templatesRoot, "templates-root", "/", "rendered files are written below this directory")
	fs.StringVar(&c.group, "group", "", "group (name or id) allowed on the socket (mode 0660); empty: root only (0600)")
	fs.StringVar(&c.initSocket, "init-socket", "/run/kitbash/init.sock", "init's control socket, for service restarts")
	fs.StringVar(&c.osVersion, "os-version", "", "the running OS version (default: VERSION_ID of --os-release)")
	fs.StringVar(&c.osRelease, "os-release", "/etc/os-release", "the os-release file")
	fs.StringVar(&c.userData, "user-data", "/run/kitbash/config-drive/user-data.toml", "user data TOML file (first boot)")
	fs.StringVar(&c.cmdline, "cmdline", "/proc/cmdline", "the kernel command line (for kitbash.userdata=)")
	fs.StringVar(&c.updater, "updater", api.DefaultUpdater, "the update agent, run for the /v1/updates endpoints")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, nil
}

func run(args []string, stderr io.Writer) int {
	logger := log.New(stderr, "settingsd: ", 0)
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		logger.Print(err)
		return 2
	}
	if err := serve(c, logger); err != nil {
		logger.Print(err)
		return 1
	}
	return 0
}

func serve(c config, logger *log.Logger) error {
	schema, err := settings.LoadSchema(c.schemaDir)
	if err != nil {
		return err
	}
	ver := c.osVersion
	if ver == "" {
		if ver, err = osVersion(c.osRelease); err != nil {
			return err
		}
	}
	store, err := api.Open(api.Options{
		Root:          c.datastore,
		OSVersion:     ver,
		Schema:        schema,
		TemplatesRoot: c.templatesRoot,
		Restarter:     api.InitRestarter{Client: api.UnixClient(c.initSocket, time.Minute)},
		UserData: func() (map[string]any, error) {
			cmdline, err := os.ReadFile(c.cmdline)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("user data: %w", err)
			}
			return userdata.Load(c.userData, string(cmdline))
		},
		Logf: logger.Printf,
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// Render at start; a template error is logged, not fatal, so the API comes up and
	// the settings can be fixed through it.
	if res, err := store.Apply(ctx, false); err != nil {
		logger.Printf("rendering configuration files: %v", err)
	} else if len(res.Rendered) > 0 {
		logger.Printf("rendered %s", strings.Join(res.Rendered, ", "))
	}
	ln, err := listen(c.socket, c.group)
	if err != nil {
		return err
	}
	updates := api.NewUpdates(api.UpdatesOptions{Updater: c.updater, Logf: logger.Printf})
	srv := &http.Server{Handler: api.NewHandler(store, updates), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Printf("serving the settings API on %s", c.socket)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The updater first: a request waiting for it (a check, a cancel) then ends.
	if err := updates.Close(shutdown); err != nil {
		logger.Printf("shutdown: %v", err)
	}
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// listen makes the API socket at path: 0600, or 0660 with group as its group. The
// socket is created under a restrictive umask so it is never more open than that.
// A stale socket from an earlier run is replaced; any other file there is an error.
func listen(path, group string) (net.Listener, error) {
	gid := -1
	if group != "" {
		var err error
		if gid, err = lookupGroup(group); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("socket: %s exists and is not a socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("socket: %w", err)
		}
	}
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if gid >= 0 {
		if err := os.Chown(path, -1, gid); err != nil {
			ln.Close()
			return nil, fmt.Errorf("socket: %w", err)
		}
		if err := os.Chmod(path, 0o660); err != nil {
			ln.Close()
			return nil, fmt.Errorf("socket: %w", err)
		}
	}
	return ln, nil
}

// lookupGroup resolves a group name or numeric id.
func lookupGroup(group string) (int, error) {
	if n, err := strconv.Atoi(group); err == nil && n >= 0 {
		return n, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return 0, fmt.Errorf("--group: %w", err)
	}
	return strconv.Atoi(g.Gid)
}

// osVersion reads VERSION_ID from an os-release file.
func osVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("OS version (or pass --os-version): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "VERSION_ID="); ok {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
			v = strings.Trim(v, `'`)
			if v != "" {
				return v, nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("OS version: %s: %w", path, err)
	}
	return "", fmt.Errorf("OS version: no VERSION_ID in %s (or pass --os-version)", path)
}
