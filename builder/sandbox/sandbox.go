// Package sandbox turns one build step into LLB: a shell script run in the SDK image with
// no network (unless the step opts in), no host paths, SOURCE_DATE_EPOCH set, a sorted
// environment, and only its /out directory as the result.
package sandbox

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
)

// Network is a step's network access. The zero value is the safe one: none.
type Network int

const (
	NetworkNone    Network = iota // only loopback inside the step
	NetworkSandbox                // a network namespace with outside access (refused by --release)
)

// OutDir is where a step writes its result; nothing else of the step is kept.
const OutDir = "/out"

// Base is the SDK image a step runs in, served from a local OCI layout through the
// solve session's content store.
type Base struct {
	Ref     string   // name@sha256:... of the SDK manifest in the store
	StoreID string   // key of the content store in SolveOpt.OCIStores
	Env     []string // the image config's environment (KEY=VALUE)
}

// Step is one sandboxed command.
type Step struct {
	Name    string            // progress label, e.g. "containerd: build"
	Script  string            // run with /bin/sh -euc
	Env     map[string]string // extra environment
	Network Network
	Epoch   int64                // SOURCE_DATE_EPOCH
	Inputs  map[string]llb.State // read-only mounts, by target path
	Caches  map[string]string    // persistent cache mounts (compiler caches): target path → cache id
}

// State returns the SDK root filesystem.
func (b Base) State() llb.State {
	return llb.OCILayout(layoutRef(b.Ref), llb.OCIStore("", b.StoreID), llb.WithCustomName("sdk "+b.Ref))
}

// Output returns the state of the step's /out directory.
//
// The command runs under `env -i` with exactly the environment of the definition: BuildKit
// adds variables of its own to every process (OTEL_* and a TRACEPARENT that differs on
// every run), and a build that recorded them would not be reproducible.
func (s Step) Output(base Base) (llb.State, error) {
	exec, err := s.Exec(base.State(), base.Env)
	if err != nil {
		return llb.State{}, err
	}
	return exec.AddMount(OutDir, llb.Scratch()), nil
}

// Exec runs the step on root (the SDK, or the SDK merged with other trees) whose image
// environment is baseEnv. The caller adds the output mount.
func (s Step) Exec(root llb.State, baseEnv []string) (llb.ExecState, error) {
	if s.Name == "" || s.Script == "" {
		return llb.ExecState{}, fmt.Errorf("sandbox step needs a name and a script")
	}
	env := parseEnv(baseEnv)
	for k, v := range map[string]string{
		"SOURCE_DATE_EPOCH": strconv.FormatInt(s.Epoch, 10),
		"TZ":                "UTC",
		"LC_ALL":            "C.UTF-8",
		"HOME":              "/root",
	} {
		env[k] = v
	}
	for k, v := range s.Env {
		env[k] = v
	}
	args := []string{"/usr/bin/env", "-i"}
	for _, k := range sortedKeys(env) {
		args = append(args, k+"="+env[k])
	}
	args = append(args, "/bin/sh", "-euc", s.Script)
	opts := []llb.RunOption{llb.Args(args), network(s.Network), llb.WithCustomName(s.Name)}
	for _, target := range sortedKeys(s.Inputs) {
		opts = append(opts, llb.AddMount(target, s.Inputs[target], llb.Readonly))
	}
	for _, target := range sortedKeys(s.Caches) {
		opts = append(opts, llb.AddMount(target, llb.Scratch(), llb.AsPersistentCacheDir(s.Caches[target], llb.CacheMountShared)))
	}
	return withEnv(root, env).Dir("/").Run(opts...), nil
}

func network(n Network) llb.RunOption {
	if n == NetworkSandbox {
		return llb.Network(llb.NetModeSandbox)
	}
	return llb.Network(llb.NetModeNone)
}

// withEnv applies env in sorted key order so the definition does not depend on map order.
func withEnv(st llb.State, env map[string]string) llb.State {
	for _, k := range sortedKeys(env) {
		st = st.AddEnv(k, env[k])
	}
	return st
}

func parseEnv(kvs []string) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				m[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// layoutRef gives a store name the shape BuildKit's oci-layout source parses: it reads the
// reference as a URL, so a bare "name@sha256:..." would be taken for user@host:port. The
// prefix is cosmetic; the store id and digest select the content.
func layoutRef(ref string) string {
	if strings.Contains(ref, "/") {
		return ref
	}
	return "kitbash/" + ref
}
