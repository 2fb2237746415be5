package engine

import (
	"fmt"
	"path/filepath"
)

// maxSocketPath is the length limit of a unix socket path (sun_path) on Linux, less the NUL.
const maxSocketPath = 107

// daemonPaths are the files of a managed daemon under the state dir.
type daemonPaths struct {
	dir, root, socket, pid, log, lock string
	otel                              string // BuildKit's trace collector socket; unlinked once up
	config                            string // the arguments the running daemon was started with
}

func pathsFor(stateDir string) (daemonPaths, error) {
	dir := filepath.Join(stateDir, "buildkitd")
	p := daemonPaths{
		dir:    dir,
		root:   filepath.Join(dir, "root"),
		socket: filepath.Join(dir, "buildkitd.sock"),
		pid:    filepath.Join(dir, "buildkitd.pid"),
		log:    filepath.Join(dir, "buildkitd.log"),
		lock:   filepath.Join(dir, "lock"),
		otel:   filepath.Join(dir, "otel.sock"),
		config: filepath.Join(dir, "buildkitd.args"),
	}
	if len(p.socket) > maxSocketPath {
		return p, fmt.Errorf("engine socket path %s is %d bytes, over the %d-byte unix socket limit; fix: use a shorter --state-dir (or KITBASH_STATE_DIR)", p.socket, len(p.socket), maxSocketPath)
	}
	return p, nil
}

func (p daemonPaths) address() string { return "unix://" + p.socket }
