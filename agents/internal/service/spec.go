// Package service reads the service files that packages install and runs the services
// they declare: in dependency order, restarted per policy with backoff, reaped (as PID 1
// it reaps every child, orphans included), stopped in reverse order at shutdown.
//
// A service file is JSON at <dir>/<name>.json (dir is /usr/lib/kitbash/services on a
// machine); the name is the file name without ".json". Every field but command is
// optional; unknown fields are errors:
//
//	{
//	  "command": ["/usr/bin/containerd", "--log-level", "info"],  // absolute path first
//	  "after": ["settings"],          // start once these are ready (ordering only)
//	  "requires": ["settings"],       // like after, and fail if one of them fails for good
//	  "restart": "on-failure",        // always | on-failure (default) | never
//	  "restartDelayMs": 500,          // first restart delay (default 500), doubled per
//	                                  // consecutive failure up to MaxRestartDelay
//	  "user": "0:0",                  // numeric uid:gid (default: init's, i.e. root)
//	  "env": {"HOME": "/root"},       // added to the base environment
//	  "ready": {"kind": "socket", "path": "/run/containerd/containerd.sock"},
//	  "required": true,               // counts for the ready line
//	  "oneshot": false                // runs to completion; ready when it exits 0
//	}
//
// Ready kinds: "start" (default for services: ready once the command started), "file"
// (ready once path exists; init removes path before each start), "socket" (ready once a
// unix socket at path accepts a connection), "exit" (the only kind, and the default,
// for oneshot services: ready once the command exited with status 0).
package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Restart is a restart policy.
type Restart string

// Restart policies. The empty policy means RestartOnFailure.
const (
	RestartAlways    Restart = "always"     // after any exit
	RestartOnFailure Restart = "on-failure" // after a non-zero status or a signal
	RestartNever     Restart = "never"
)

// ReadyKind says how init learns that a service is ready.
type ReadyKind string

// Ready kinds. The empty kind means ReadyStart, or ReadyExit for oneshot services.
const (
	ReadyStart  ReadyKind = "start"
	ReadyFile   ReadyKind = "file"
	ReadySocket ReadyKind = "socket"
	ReadyExit   ReadyKind = "exit"
)

// DefaultRestartDelay is the first restart delay when restartDelayMs is 0.
const DefaultRestartDelay = 500 * time.Millisecond

// Ready is a service's readiness condition.
type Ready struct {
	Kind ReadyKind `json:"kind,omitempty"`
	Path string    `json:"path,omitempty"`
}

// Service is one decoded service file. Name and Path are not in the file.
type Service struct {
	Name string `json:"-"` // file name without .json
	Path string `json:"-"` // the file it came from (for errors)

	Command        []string          `json:"command"`
	After          []string          `json:"after,omitempty"`
	Requires       []string          `json:"requires,omitempty"`
	Restart        Restart           `json:"restart,omitempty"`
	RestartDelayMs int               `json:"restartDelayMs,omitempty"`
	User           string            `json:"user,omitempty"`
	Env            map[string]string `json:"env,omitempty"`
	Ready          Ready             `json:"ready,omitzero"`
	Required       bool              `json:"required,omitempty"`
	Oneshot        bool              `json:"oneshot,omitempty"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Parse decodes and checks one service file's content; path names it in errors and
// its base name (without .json) is the service's name. Defaults are filled in.
func Parse(path string, data []byte) (*Service, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	s := &Service{Name: strings.TrimSuffix(filepath.Base(path), ".json"), Path: path}
	if err := dec.Decode(s); err != nil {
		return nil, decodeError(path, data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s:%d: unexpected data after the JSON object", path, lineAt(data, dec.InputOffset()))
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeError turns a json error into "path:line: problem" naming the field.
func decodeError(path string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%s:%d: invalid JSON: %v", path, lineAt(data, syn.Offset), syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fmt.Errorf("%s:%d: a service file is a JSON object, not %s", path, lineAt(data, typ.Offset), typ.Value)
		}
		return fmt.Errorf("%s:%d: %s: got a JSON %s, want %s", path, lineAt(data, typ.Offset), field, typ.Value, jsonKind(typ.Type.String()))
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty file; want a JSON object with at least \"command\"", path)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: truncated JSON", path)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "unknown field") {
		msg += "; known fields: command, after, requires, restart, restartDelayMs, user, env, ready, required, oneshot"
	}
	return fmt.Errorf("%s: %s", path, msg)
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array of strings"
	case strings.HasPrefix(goType, "map["):
		return "an object of strings"
	case goType == "int":
		return "an integer"
	case goType == "bool":
		return "true or false"
	case goType == "service.Ready":
		return `an object {"kind": ..., "path": ...}`
	}
	return "a string"
}

func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// Check validates s and fills in defaults (restart policy, ready kind). Errors name
// s.Path and the field.
func (s *Service) Check() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", s.Path, field, fmt.Sprintf(format, a...)))
	}
	if !nameRE.MatchString(s.Name) {
		bad("name", "%q is not a service name (lower case letters, digits, '.', '_', '-'; from the file name)", s.Name)
	}
	switch {
	case len(s.Command) == 0:
		bad("command", "missing; want [\"/absolute/program\", \"args\"...]")
	case !filepath.IsAbs(s.Command[0]):
		bad("command", "%q is not an absolute path", s.Command[0])
	}
	for _, f := range []struct {
		field string
		deps  []string
	}{{"after", s.After}, {"requires", s.Requires}} {
		for i, d := range f.deps {
			switch {
			case d == s.Name:
				bad(fmt.Sprintf("%s[%d]", f.field, i), "a service cannot depend on itself")
			case !nameRE.MatchString(d):
				bad(fmt.Sprintf("%s[%d]", f.field, i), "%q is not a service name", d)
			case slices.Index(f.deps, d) < i:
				bad(fmt.Sprintf("%s[%d]", f.field, i), "%q is listed twice", d)
			}
		}
	}
	switch s.Restart {
	case "":
		s.Restart = RestartOnFailure
	case RestartAlways, RestartOnFailure, RestartNever:
	default:
		bad("restart", "%q is not one of always, on-failure, never", s.Restart)
	}
	if s.Oneshot && s.Restart == RestartAlways {
		bad("restart", `"always" restarts a oneshot service forever; use on-failure or never`)
	}
	if s.RestartDelayMs < 0 {
		bad("restartDelayMs", "%d is negative", s.RestartDelayMs)
	}
	if s.User != "" {
		if _, _, err := ParseUser(s.User); err != nil {
			bad("user", "%v", err)
		}
	}
	for k := range s.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			bad("env", "%q is not a variable name", k)
		}
	}
	s.checkReady(bad)
	return errors.Join(errs...)
}

func (s *Service) checkReady(bad func(field, format string, a ...any)) {
	if s.Ready.Kind == "" {
		s.Ready.Kind = ReadyStart
		if s.Oneshot {
			s.Ready.Kind = ReadyExit
		}
	}
	switch s.Ready.Kind {
	case ReadyStart, ReadyExit:
		if s.Ready.Path != "" {
			bad("ready.path", "not used with kind %q; remove it", s.Ready.Kind)
		}
	case ReadyFile, ReadySocket:
		if !filepath.IsAbs(s.Ready.Path) {
			bad("ready.path", "kind %q needs an absolute path, got %q", s.Ready.Kind, s.Ready.Path)
		}
	default:
		bad("ready.kind", "%q is not one of start, file, socket, exit", s.Ready.Kind)
		return
	}
	if s.Oneshot && s.Ready.Kind != ReadyExit {
		bad("ready.kind", "a oneshot service is ready when it exits; use \"exit\" or leave it out")
	}
	if !s.Oneshot && s.Ready.Kind == ReadyExit {
		bad("ready.kind", `"exit" is for oneshot services; set "oneshot": true or use start, file or socket`)
	}
}

// ParseUser parses "uid:gid" (decimal numbers).
func ParseUser(s string) (uid, gid uint32, err error) {
	u, g, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not uid:gid", s)
	}
	un, err1 := strconv.ParseUint(u, 10, 32)
	gn, err2 := strconv.ParseUint(g, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not uid:gid with decimal numbers", s)
	}
	return uint32(un), uint32(gn), nil
}

// RestartDelay is the first restart delay.
func (s *Service) RestartDelay() time.Duration {
	if s.RestartDelayMs == 0 {
		return DefaultRestartDelay
	}
	return time.Duration(s.RestartDelayMs) * time.Millisecond
}

// Deps is every service s waits for: after, then requires, without duplicates.
func (s *Service) Deps() []string {
	out := slices.Clone(s.After)
	for _, r := range s.Requires {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
