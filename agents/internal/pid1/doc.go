// Package pid1 is what init does as the machine's first process besides running the
// services: it mounts the API file systems, sets the hostname, brings up the network,
// serves the control API on a unix socket, turns signals and API requests into a
// power-off or reboot, and at the end stops the services, syncs and calls reboot(2).
//
// Signals: SIGTERM and SIGPWR power off; SIGINT (what the kernel sends PID 1 for
// Ctrl-Alt-Del once init turned CAD off) and SIGUSR1 reboot.
//
// The ready line, printed once on the console when every required service is ready:
//
//	KITBASH-READY {"services":N,"bootMs":M}
//
// N is the number of required services; M is milliseconds since the kernel booted
// (CLOCK_BOOTTIME) on a machine, since init started in test mode.
package pid1
