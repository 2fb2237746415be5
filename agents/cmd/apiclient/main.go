// Command apiclient talks to settingsd's settings API over its Unix socket.
//
//	apiclient [--socket PATH] get [KEY...]
//	    print the committed settings (all, or the keys and prefixes named) as JSON
//	apiclient [--socket PATH] set [--no-apply] [--no-commit] KEY=VALUE...
//	    set settings: VALUE is taken as JSON when it parses (80, true, ["a"], null to
//	    unset), else as a string; then commit and apply, unless --no-apply (commit only)
//	    or --no-commit (leave the change pending)
//	apiclient [--socket PATH] apply
//	    render the configuration files and restart the services whose files changed
//	apiclient [--socket PATH] update check
//	    check for an OS update and print the updater's choice as JSON
//	apiclient [--socket PATH] update apply [--reboot] [--no-wait]
//	    apply the chosen update to the inactive slot (--reboot: then reboot into it)
//	    and follow it: one line on stderr per progress report ("update: root NAME:
//	    120.0 of 230.0 MiB"), polled every 500 ms, and a last line; exit 0 once it is
//	    applied (or there was nothing to apply), 1 with the updater's error when it
//	    failed or was cancelled. With --reboot, losing settingsd while the update
//	    applies is the reboot: one line, exit 0. --no-wait prints the status as the
//	    apply starts and returns. Interrupting apiclient does not stop the apply.
//	apiclient [--socket PATH] update cancel
//	    stop the running apply (the inactive slot is left cleared); print the status
//	apiclient [--socket PATH] update status
//	    print the state of the last updater run, its progress, choice, error and log
//	apiclient [--socket PATH] raw METHOD PATH [BODY|-]
//	    send any request (BODY "-" reads it from stdin) and print the response body
//
// When the API refuses a request, apiclient prints the method, path and status, then
// one line per problem ("  net.mtu: 10 is less than the minimum 576"), and exits 1.
// Usage mistakes exit 2.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/api"
)

const defaultSocket = "/run/kitbash/api.sock"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks a usage mistake (exit 2).
var errUsage = errors.New("usage")

// cli is one invocation.
type cli struct {
	socket string
	client *http.Client
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	poll   time.Duration // how often update apply reads the status
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, poll: pollInterval}
	return c.main(args)
}

// main runs the command line args and returns the exit status.
func (c *cli) main(args []string) int {
	stderr := c.stderr
	global := flag.NewFlagSet("apiclient", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.StringVar(&c.socket, "socket", defaultSocket, "settingsd's socket")
	global.Usage = func() { usage(stderr) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		usage(stderr)
		return 2
	}
	c.client = api.UnixClient(c.socket, 2*time.Minute)
	var err error
	switch rest[0] {
	case "get":
		err = c.get(rest[1:])
	case "set":
		err = c.set(rest[1:])
	case "apply":
		if len(rest) != 1 {
			err = fmt.Errorf("%w: apply takes no arguments", errUsage)
		} else {
			err = c.apply()
		}
	case "update":
		err = c.update(rest[1:])
	case "raw":
		err = c.raw(rest[1:])
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, rest[0])
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "apiclient: %v\n", err)
		usage(stderr)
		return 2
	default:
		fmt.Fprintf(stderr, "apiclient: %v\n", err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: apiclient [--socket PATH] COMMAND
  get [KEY...]                                 print settings as JSON
  set [--no-apply] [--no-commit] KEY=VALUE...  set, commit and apply settings
  apply                                        render files, restart changed services
  update check                                 print the update chosen, as JSON
  update apply [--reboot] [--no-wait]          apply it, following its progress
  update cancel                                stop the running apply
  update status                                print the update status as JSON
  raw METHOD PATH [BODY|-]                     send a request, print the response
`)
}

func (c *cli) get(keys []string) error {
	path := "/v1/settings"
	if len(keys) > 0 {
		path += "?keys=" + url.QueryEscape(strings.Join(keys, ","))
	}
	body, err := c.call("GET", path, nil)
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(body)
	return err
}

func (c *cli) set(args []string) error {
	fs := flag.NewFlagSet("set", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	noApply := fs.Bool("no-apply", false, "commit but do not apply")
	noCommit := fs.Bool("no-commit", false, "leave the change pending")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: set: %v", errUsage, err)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: set needs KEY=VALUE arguments", errUsage)
	}
	tree, err := buildTree(fs.Args())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	body, err := json.Marshal(tree)
	if err != nil {
		return fmt.Errorf("set: %w", err)
	}
	if _, err := c.call("PATCH", "/v1/settings", body); err != nil {
		return err
	}
	if *noCommit {
		return nil
	}
	out, err := c.call("POST", "/v1/tx/commit", nil)
	if err != nil {
		return err
	}
	var cr api.CommitResult
	if err := json.Unmarshal(out, &cr); err == nil && len(cr.Changed) > 0 {
		fmt.Fprintf(c.stdout, "changed: %s\n", strings.Join(cr.Changed, ", "))
	}
	if *noApply {
		return nil
	}
	return c.apply()
}

func (c *cli) apply() error {
	out, err := c.call("POST", "/v1/tx/apply", nil)
	if err != nil {
		return err
	}
	var res api.ApplyResult
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("apply: unexpected response %q", out)
	}
	if len(res.Rendered) > 0 {
		fmt.Fprintf(c.stdout, "rendered: %s\n", strings.Join(res.Rendered, ", "))
	}
	if len(res.Restarted) > 0 {
		fmt.Fprintf(c.stdout, "restarted: %s\n", strings.Join(res.Restarted, ", "))
	}
	return nil
}

func (c *cli) raw(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return fmt.Errorf("%w: raw METHOD PATH [BODY|-]", errUsage)
	}
	var body []byte
	if len(args) == 3 {
		body = []byte(args[2])
		if args[2] == "-" {
			b, err := io.ReadAll(io.LimitReader(c.stdin, api.MaxBody+1))
			if err != nil {
				return fmt.Errorf("raw: stdin: %w", err)
			}
			body = b
		}
	}
	out, err := c.call(strings.ToUpper(args[0]), args[1], body)
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(out)
	return err
}

// buildTree turns KEY=VALUE arguments into a settings tree.
func buildTree(args []string) (map[string]any, error) {
	root := map[string]any{}
	for _, a := range args {
		key, val, ok := strings.Cut(a, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("%q is not KEY=VALUE", a)
		}
		var v any = val
		if json.Valid([]byte(val)) {
			v = json.RawMessage(val)
		}
		segs := strings.Split(key, ".")
		m := root
		for i, s := range segs {
			if s == "" {
				return nil, fmt.Errorf("%q: empty part in the key", key)
			}
			if i == len(segs)-1 {
				if _, dup := m[s]; dup {
					return nil, fmt.Errorf("%s is given twice, or is also a prefix of another key", key)
				}
				m[s] = v
				break
			}
			next, ok := m[s].(map[string]any)
			if !ok {
				if _, taken := m[s]; taken {
					return nil, fmt.Errorf("%s: %s is a setting, not a prefix", key, strings.Join(segs[:i+1], "."))
				}
				next = map[string]any{}
				m[s] = next
			}
			m = next
		}
	}
	return root, nil
}

// call sends one request; a status of 400 or more becomes an error that lists the
// API's problems.
func (c *cli) call(method, path string, body []byte) ([]byte, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%w: path %q must start with /", errUsage, path)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://localhost"+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, &connError{fmt.Sprintf("cannot reach settingsd at %s", c.socket), unwrapURL(err)}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &connError{fmt.Sprintf("%s %s: reading the response", method, path), err}
	}
	if resp.StatusCode >= 400 {
		return nil, apiError(method, path, resp.Status, out)
	}
	return out, nil
}

// connError is a request settingsd did not answer in full (it is not running, or
// stopped on the way).
type connError struct {
	what string
	err  error
}

func (e *connError) Error() string { return e.what + ": " + e.err.Error() }
func (e *connError) Unwrap() error { return e.err }

// apiError formats a refusal: the request, the status, then a line per problem.
func apiError(method, path, status string, body []byte) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", method, path, status)
	var eb api.ErrorBody
	if err := json.Unmarshal(body, &eb); err == nil && len(eb.Errors) > 0 {
		for _, p := range eb.Errors {
			if p.Path != "" {
				fmt.Fprintf(&b, "\n  %s: %s", p.Path, p.Reason)
			} else {
				fmt.Fprintf(&b, "\n  %s", p.Reason)
			}
		}
	} else if text := strings.TrimSpace(string(body)); text != "" {
		fmt.Fprintf(&b, "\n  %s", text)
	}
	return errors.New(b.String())
}

// unwrapURL drops the *url.Error wrapper, whose message repeats the fake URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
