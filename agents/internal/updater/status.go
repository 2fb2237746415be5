package updater

import (
	"fmt"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
)

// Update states (Status.State).
const (
	StateIdle    = "idle"    // nothing pending: the inactive slot is empty or a known-good fallback
	StateTrial   = "trial"   // the booted slot is on trial: it boots from an update, not yet marked good
	StateStaged  = "staged"  // the inactive slot holds an update systemd-boot boots next: reboot to run it
	StateFailed  = "failed"  // the inactive slot's update used its tries without reaching ready: rolled back
	StateUnknown = "unknown" // the booted slot is not known
)

// Status is what "updater status" prints.
type Status struct {
	Variant  string          `json:"variant"`
	Arch     string          `json:"arch"`
	Running  string          `json:"running_version"`
	State    string          `json:"state"`
	Detail   string          `json:"detail"`
	Inactive string          `json:"inactive_slot,omitempty"`
	Staged   string          `json:"staged_version,omitempty"` // the inactive slot's version, when it has an entry
	Boot     bootslot.Status `json:"boot"`
}

// ReadStatus reads the update state from the boot entries through h.
func ReadStatus(h bootslot.Host, c Config) (Status, error) {
	st, err := bootslot.Load(h)
	if err != nil {
		return Status{}, err
	}
	out := Status{Variant: c.Variant, Arch: c.Arch, Running: c.Version, Boot: st.Status()}
	var booted, inactive *bootslot.SlotStatus
	for i := range out.Boot.Slots {
		s := &out.Boot.Slots[i]
		switch {
		case s.Slot == st.Booted:
			booted = s
		case st.Booted != "" && s.Slot == bootslot.Other(st.Booted):
			inactive = s
		}
	}
	if booted == nil || inactive == nil {
		out.State, out.Detail = StateUnknown, "the booted slot is not known"
		return out, nil
	}
	out.Inactive, out.Staged = inactive.Slot, inactive.Version
	switch {
	case booted.State == "trial" || booted.State == "exhausted":
		out.State = StateTrial
		out.Detail = fmt.Sprintf("slot %s (%s) is on trial until the system is ready and marks it good", booted.Slot, booted.Version)
	case inactive.State == "trial" && inactive.Next:
		out.State = StateStaged
		out.Detail = fmt.Sprintf("slot %s holds %s and boots next: reboot to run it", inactive.Slot, inactive.Version)
	case inactive.State == "exhausted":
		out.State = StateFailed
		out.Detail = fmt.Sprintf("slot %s's %s did not reach ready; %s runs %s", inactive.Slot, inactive.Version, booted.Slot, booted.Version)
	case inactive.State == "none":
		out.State, out.Detail = StateIdle, fmt.Sprintf("slot %s is empty", inactive.Slot)
	default:
		out.State = StateIdle
		out.Detail = fmt.Sprintf("slot %s holds %s (%s)", inactive.Slot, inactive.Version, inactive.State)
	}
	return out, nil
}
