package engine

// observed is what a probe of the managed daemon found.
type observed struct {
	socketExists bool   // the socket file exists
	pidAlive     bool   // the recorded buildkitd process is alive
	reachable    bool   // the socket answered an Info call
	version      string // the version it reported
	configStale  bool   // it was started with other arguments than kitbash would use now
}

// action is what to do about a managed daemon, decided like linuxkit's builder
// provisioning: reuse what is right, restart what is wrong, start what is missing.
type action int

const (
	actReuse   action = iota // running, reachable, right version
	actStart                 // nothing running: start (after removing stale files)
	actRestart               // running but wrong version or arguments, or alive and silent: stop, then start
)

func (a action) String() string {
	switch a {
	case actReuse:
		return "reuse"
	case actStart:
		return "start"
	case actRestart:
		return "restart"
	}
	return "unknown"
}

// decide maps an observation to an action. want is the pinned version ("" accepts any).
// cleanStale reports whether leftover socket/pid files must be removed before starting.
func decide(o observed, want string) (a action, cleanStale bool) {
	switch {
	case o.reachable && (want == "" || o.version == want) && !o.configStale:
		return actReuse, false
	case o.reachable:
		return actRestart, false
	case o.pidAlive:
		// Alive but silent past the probe timeout: hung or from another install.
		return actRestart, false
	default:
		return actStart, o.socketExists
	}
}
