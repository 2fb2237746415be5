package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/api"
)

// pollInterval is how often "update apply" reads the update status while it waits.
const pollInterval = 500 * time.Millisecond

// update runs "update check|apply|cancel|status".
func (c *cli) update(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: update needs check, apply, cancel or status", errUsage)
	}
	sub, args := args[0], args[1:]
	if sub == "apply" {
		return c.updateApply(args)
	}
	if len(args) != 0 {
		return fmt.Errorf("%w: update %s takes no arguments", errUsage, sub)
	}
	var out []byte
	var err error
	switch sub {
	case "check":
		out, err = c.call("POST", "/v1/updates/check", nil)
	case "status":
		out, err = c.call("GET", "/v1/updates/status", nil)
	case "cancel":
		if out, err = c.call("POST", "/v1/updates/cancel", nil); err == nil {
			if st, derr := decodeUpdateStatus(out); derr == nil && st.State == api.UpdateApplying {
				fmt.Fprintln(c.stderr, "update: the apply got SIGTERM but is still stopping: see apiclient update status")
			}
		}
	default:
		return fmt.Errorf("%w: unknown update command %q", errUsage, sub)
	}
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(out)
	return err
}

// updateApply starts an apply and, unless --no-wait, follows it to its end.
func (c *cli) updateApply(args []string) error {
	fs := flag.NewFlagSet("update apply", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	reboot := fs.Bool("reboot", false, "reboot into the update once it is applied")
	noWait := fs.Bool("no-wait", false, "print the status as the apply starts and return")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: update apply: %v", errUsage, err)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: update apply takes no arguments besides its flags", errUsage)
	}
	body, err := json.Marshal(api.ApplyUpdateRequest{Reboot: *reboot})
	if err != nil {
		return fmt.Errorf("update apply: %w", err)
	}
	out, err := c.call("POST", "/v1/updates/apply", body)
	if err != nil {
		return err
	}
	if *noWait {
		_, err = c.stdout.Write(out)
		return err
	}
	st, err := decodeUpdateStatus(out)
	if err != nil {
		return err
	}
	return c.waitApply(st, *reboot)
}

// waitApply polls the status of the apply that started as st until it ends, printing
// each new progress report on stderr.
func (c *cli) waitApply(st api.UpdateStatus, reboot bool) error {
	run := st.Run
	var shown api.UpdateProgress
	for {
		if st.Run != run {
			return fmt.Errorf("update: the status is about run %d, not the apply (run %d): see apiclient update status", st.Run, run)
		}
		if st.Progress != nil && *st.Progress != shown {
			shown = *st.Progress
			fmt.Fprintln(c.stderr, progressLine(shown))
		}
		switch st.State {
		case api.UpdateApplying:
		case api.UpdateApplied:
			fmt.Fprintln(c.stderr, appliedLine(st))
			return nil
		case api.UpdateIdle:
			fmt.Fprintf(c.stderr, "update: nothing to apply: %s\n", choiceReason(st.Choice))
			return nil
		case api.UpdateFailed, api.UpdateCancelled:
			return fmt.Errorf("update %s:%s", st.State, indent(st.Error))
		default:
			return fmt.Errorf("update: unexpected state %q", st.State)
		}
		time.Sleep(c.poll)
		out, err := c.call("GET", "/v1/updates/status", nil)
		var ce *connError
		if reboot && errors.As(err, &ce) {
			fmt.Fprintf(c.stderr, "update: settingsd went away while applying with --reboot, the guest is probably rebooting into the update (%v)\n", ce.err)
			return nil
		}
		if err != nil {
			return err
		}
		if st, err = decodeUpdateStatus(out); err != nil {
			return err
		}
	}
}

func decodeUpdateStatus(out []byte) (api.UpdateStatus, error) {
	var st api.UpdateStatus
	if err := json.Unmarshal(out, &st); err != nil || st.State == "" {
		return st, fmt.Errorf("update: unexpected status %q", out)
	}
	return st, nil
}

// progressLine is one progress report for people: "update: root NAME: 120.0 of 230.0 MiB".
func progressLine(p api.UpdateProgress) string {
	switch {
	case p.Target == "" && p.Done && p.Step != "done":
		return fmt.Sprintf("update: %s: done", p.Step)
	case p.Target == "":
		return "update: " + p.Step
	}
	line := fmt.Sprintf("update: %s %s: %s", p.Step, p.Target, mib(p.Downloaded))
	if p.Length > 0 {
		line = fmt.Sprintf("update: %s %s: %s of %s", p.Step, p.Target, mib(p.Downloaded), mib(p.Length))
	}
	line += " MiB"
	if p.Done {
		line += ", verified"
	}
	return line
}

func mib(n int64) string { return fmt.Sprintf("%.1f", float64(n)/(1<<20)) }

// appliedLine says what an applied update's result (updater.Result) was.
func appliedLine(st api.UpdateStatus) string {
	var res struct{ Slot, Version string }
	if err := json.Unmarshal(st.Result, &res); err != nil || res.Version == "" {
		return "update: applied"
	}
	if st.Reboot {
		return fmt.Sprintf("update: applied %s to slot %s; rebooting into it", res.Version, res.Slot)
	}
	return fmt.Sprintf("update: applied %s to slot %s; it boots next, once: reboot to run it", res.Version, res.Slot)
}

// choiceReason is the reason of a choice (updater.Choice).
func choiceReason(choice json.RawMessage) string {
	var ch struct{ Reason string }
	if err := json.Unmarshal(choice, &ch); err != nil || ch.Reason == "" {
		return "no update chosen"
	}
	return ch.Reason
}

// indent puts each line of text on its own indented line, as apiError does.
func indent(text string) string {
	if text == "" {
		return ""
	}
	return "\n  " + strings.ReplaceAll(text, "\n", "\n  ")
}
