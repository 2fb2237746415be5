package bootslot

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/kitbash-dev/kitbash/agents/internal/initramfs"
)

// How Load found the booted slot (State.BootedFrom).
const (
	FromGPT           = "cmdline-gpt"           // kitbash.root's partition is named ROOT-<S>
	FromEntryOptions  = "cmdline-entry-options" // kitbash.root is the root of slot S's entry
	FromEntrySelected = "loader-entry-selected" // LoaderEntrySelected is slot S's entry
)

// State is what bootslot knows of the machine's boot: read once, then checked and
// changed by the operations.
type State struct {
	ESP        string
	Entries    []Entry // every entry in loader/entries, in systemd-boot's order
	Default    string  // loader.conf's default pattern, "" when none
	Root       string  // the PARTUUID of kitbash.root on the kernel command line, or ""
	Selected   string  // LoaderEntrySelected, or "" when not known
	Partitions []Partition
	Booted     string // the slot that booted, "" when not known
	BootedFrom string // how Booted was found (FromGPT, ...)
	Warnings   []string
}

// Load reads the state through h. Only a failure to read the ESP's entries is an
// error; the command line, the GPT and the EFI variables each add a warning when they
// cannot be read, and Booted is found from what is left:
//
//  1. kitbash.root on the command line and the GPT name of that partition (ROOT-A
//     is slot a): the root file system that is running;
//  2. else kitbash.root and the kitbash.root of the Kitbash entries' options;
//  3. else LoaderEntrySelected, the entry systemd-boot started.
//
// When LoaderEntrySelected names the other slot than 1 or 2 found, a warning says so
// (and MarkGood refuses to bless anything).
func Load(h Host) (*State, error) {
	st := &State{ESP: h.ESPDir()}
	var err error
	if st.Entries, err = readEntries(st.ESP); err != nil {
		return nil, err
	}
	if st.Default, err = readDefault(st.ESP); err != nil {
		return nil, err
	}
	warn := func(format string, a ...any) { st.Warnings = append(st.Warnings, fmt.Sprintf(format, a...)) }
	if cl, err := h.Cmdline(); err != nil {
		warn("%v", err)
	} else if p, err := initramfs.ParseCmdline(cl); err != nil {
		warn("kernel command line: %v", err)
	} else {
		st.Root = p.Root
	}
	if b, err := h.EFIVar("LoaderEntrySelected", LoaderGUID); err == nil {
		st.Selected = EFIString(b)
	} else if !errors.Is(err, fs.ErrNotExist) {
		warn("%v", err)
	}
	for _, v := range []string{"LoaderEntryOneShot", "LoaderEntryDefault"} {
		if b, err := h.EFIVar(v, LoaderGUID); err == nil {
			warn("EFI variable %s is set (%q): systemd-boot boots that entry, not the one Kitbash's rules pick", v, EFIString(b))
		}
	}
	if st.Root != "" {
		if st.Partitions, err = h.Partitions(); err != nil {
			warn("%v", err)
		}
		for _, p := range st.Partitions {
			if p.UUID == st.Root {
				if s, ok := strings.CutPrefix(p.Name, "ROOT-"); ok && Other(strings.ToLower(s)) != "" {
					st.Booted, st.BootedFrom = strings.ToLower(s), FromGPT
				} else {
					warn("kitbash.root %s is partition %q, not ROOT-A or ROOT-B", st.Root, p.Name)
				}
			}
		}
		if st.Booted == "" {
			for _, e := range st.Entries {
				if e.Slot != "" && e.Root() == st.Root {
					st.Booted, st.BootedFrom = e.Slot, FromEntryOptions
					break
				}
			}
		}
	}
	sel, selOK := SlotOf(st.Selected)
	switch {
	case st.Selected == "":
	case !selOK:
		warn("LoaderEntrySelected %q is not a Kitbash entry", st.Selected)
	case st.Booted == "":
		st.Booted, st.BootedFrom = sel, FromEntrySelected
	case sel != st.Booted:
		warn("LoaderEntrySelected %q is slot %s, but the running root is slot %s", st.Selected, sel, st.Booted)
	}
	return st, nil
}

// slotEntries returns slot s's entries, in systemd-boot's order.
func (st *State) slotEntries(s string) []Entry {
	var out []Entry
	for _, e := range st.Entries {
		if e.Slot == s {
			out = append(out, e)
		}
	}
	return out
}

// slotEntry returns the entry of slot s systemd-boot would prefer, and false when the
// slot has none.
func (st *State) slotEntry(s string) (Entry, bool) {
	es := st.slotEntries(s)
	if len(es) == 0 {
		return Entry{}, false
	}
	return es[0], true
}

// Next returns the entry systemd-boot boots next (see NextEntry).
func (st *State) Next() (Entry, bool) { return NextEntry(st.Entries, st.Default) }

// EverSucceeded reports whether a Kitbash entry is known good.
func (st *State) EverSucceeded() bool {
	for _, e := range st.Entries {
		if e.Slot != "" && !e.Counted {
			return true
		}
	}
	return false
}

// Status is what "bootslot status" prints as JSON.
type Status struct {
	Booted        string       `json:"booted"`      // "a", "b" or "" when not known
	BootedFrom    string       `json:"booted_from"` // how booted was found, see Load
	Root          string       `json:"root_partuuid,omitempty"`
	Selected      string       `json:"loader_entry_selected,omitempty"`
	Next          string       `json:"next"`       // the slot systemd-boot boots next, "" for none or another OS
	NextEntry     string       `json:"next_entry"` // its entry file
	EverSucceeded bool         `json:"boot_ever_succeeded"`
	Slots         []SlotStatus `json:"slots"`
	Warnings      []string     `json:"warnings,omitempty"`
}

// SlotStatus is one slot in Status.
type SlotStatus struct {
	Slot      string   `json:"slot"`
	Partition string   `json:"partition,omitempty"`     // "ROOT-A", when the GPT was read
	PartUUID  string   `json:"partuuid,omitempty"`      // its unique GUID
	Entry     string   `json:"entry,omitempty"`         // entry file name, "" when the slot has none
	Version   string   `json:"version,omitempty"`       // the entry's version
	State     string   `json:"state"`                   // "good", "trial", "exhausted" or "none"
	Demoted   bool     `json:"demoted,omitempty"`       // the sort-key has the demotion mark (see SetNext)
	TriesLeft *int     `json:"tries_left,omitempty"`    // when the entry counts boots
	TriesDone *int     `json:"tries_done,omitempty"`    // when the entry counts boots
	Booted    bool     `json:"booted"`                  // this slot is running
	Next      bool     `json:"next"`                    // systemd-boot boots this slot next
	Extra     []string `json:"extra_entries,omitempty"` // more entries of the slot (should not happen)
}

// Status summarises st.
func (st *State) Status() Status {
	out := Status{
		Booted: st.Booted, BootedFrom: st.BootedFrom, Root: st.Root, Selected: st.Selected,
		EverSucceeded: st.EverSucceeded(), Slots: []SlotStatus{}, Warnings: slices.Clone(st.Warnings),
	}
	next, ok := st.Next()
	if ok {
		out.Next, out.NextEntry = next.Slot, next.File
	}
	for _, s := range Slots() {
		ss := SlotStatus{Slot: s, State: "none", Booted: s == st.Booted}
		for _, p := range st.Partitions {
			if p.Name == "ROOT-"+strings.ToUpper(s) {
				ss.Partition, ss.PartUUID = p.Name, p.UUID
			}
		}
		for i, e := range st.slotEntries(s) {
			if i > 0 {
				ss.Extra = append(ss.Extra, e.File)
				continue
			}
			ss.Entry, ss.Version, ss.State, ss.Demoted = e.File, e.Version, e.State(), e.demoted()
			if e.Counted {
				l, d := e.Left, e.Done
				ss.TriesLeft, ss.TriesDone = &l, &d
			}
			ss.Next = ok && next.File == e.File
		}
		if len(ss.Extra) > 0 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("slot %s has more than one entry: %s and %s", s, ss.Entry, strings.Join(ss.Extra, ", ")))
		}
		out.Slots = append(out.Slots, ss)
	}
	return out
}
