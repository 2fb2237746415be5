package variant

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/yamlstrict"
)

// Service is a service definition the variant adds to the image, written as
// /usr/lib/kitbash/services/<name>.json for the agents' init (see
// agents/internal/service for the meaning of each field).
type Service struct {
	Command        []string          `yaml:"command" json:"command" required:"true" fix:"give the command as a list, absolute path first, e.g. command: [/usr/bin/ctr, version]"`
	After          []string          `yaml:"after,omitempty" json:"after,omitempty" fix:"list services to start after, e.g. after: [containerd]"`
	Requires       []string          `yaml:"requires,omitempty" json:"requires,omitempty" fix:"list services this one needs, e.g. requires: [containerd]"`
	Restart        string            `yaml:"restart,omitempty" json:"restart,omitempty" fix:"write always, on-failure or never"`
	RestartDelayMs int               `yaml:"restart-delay-ms,omitempty" json:"restartDelayMs,omitempty" fix:"write a number of milliseconds"`
	Env            map[string]string `yaml:"env,omitempty" json:"env,omitempty" fix:"map variable names to values"`
	Ready          *ServiceReady     `yaml:"ready,omitempty" json:"ready,omitempty"`
	Required       bool              `yaml:"required,omitempty" json:"required,omitempty" fix:"write true when the ready line waits for it"`
	Oneshot        bool              `yaml:"oneshot,omitempty" json:"oneshot,omitempty" fix:"write true for a command that runs once to completion"`
}

// ServiceReady is how init learns that a service is ready.
type ServiceReady struct {
	Kind string `yaml:"kind" json:"kind" required:"true" fix:"write start, file, socket or exit"`
	Path string `yaml:"path,omitempty" json:"path,omitempty" fix:"the file or socket to wait for, an absolute path"`
}

// ServicesDir is where service files live in the image.
const ServicesDir = "usr/lib/kitbash/services"

var serviceNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// JSON returns the service file's content.
func (s Service) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode service: %w", err)
	}
	return append(b, '\n'), nil
}

func validateServices(ps *yamlstrict.Problems, doc *yamlstrict.Doc, svcs map[string]Service) {
	add := func(field, msg, fix string) { ps.Add(doc.Problem(field, msg, fix)) }
	for _, name := range sortedKeys(svcs) {
		s := svcs[name]
		f := yamlstrict.Join("services", name)
		if !serviceNameRE.MatchString(name) {
			add(f, fmt.Sprintf("%q is not a service name", name), "use lowercase letters, digits, '_' and '-'")
		}
		if len(s.Command) == 0 || !path.IsAbs(s.Command[0]) {
			add(f+".command", "the command must start with an absolute path", "write e.g. command: [/usr/bin/ctr, version]")
		}
		switch s.Restart {
		case "", "always", "on-failure", "never":
		default:
			add(f+".restart", fmt.Sprintf("unknown restart policy %q", s.Restart), "write always, on-failure or never")
		}
		if s.RestartDelayMs < 0 {
			add(f+".restart-delay-ms", "must not be negative", "write a number of milliseconds")
		}
		for _, dep := range append(append([]string(nil), s.After...), s.Requires...) {
			if !serviceNameRE.MatchString(dep) {
				add(f, fmt.Sprintf("%q in after/requires is not a service name", dep), "name services by their file name without .json")
			}
		}
		if r := s.Ready; r != nil {
			switch r.Kind {
			case "start", "exit":
			case "file", "socket":
				if !path.IsAbs(r.Path) {
					add(f+".ready.path", fmt.Sprintf("ready kind %s needs an absolute path", r.Kind), "write e.g. path: /run/my.sock")
				}
			default:
				add(f+".ready.kind", fmt.Sprintf("unknown ready kind %q", r.Kind), "write start, file, socket or exit")
			}
			if s.Oneshot && r.Kind != "exit" {
				add(f+".ready.kind", "a oneshot service is ready when it exits", "remove ready, or write kind: exit")
			}
		}
		for k := range s.Env {
			if k == "" || strings.ContainsAny(k, "= \x00") {
				add(f+".env", fmt.Sprintf("%q is not a variable name", k), "use names like HOME")
			}
		}
	}
}
