// Package bootslot reads and changes the A/B boot state of a Kitbash machine: the
// systemd-boot entries on the ESP, with systemd-boot's Automatic Boot Assessment (see
// builder/image/boot, whose package documentation describes the state machine this
// package drives, and notes/boot.md section 3). The command bootslot
// (agents/cmd/bootslot) is its front end.
//
// # Entries
//
// Slot s's entry is loader/entries/kitbash-<s>.conf when known good, or
// kitbash-<s>+LEFT[-DONE].conf while on trial (LEFT boots left, DONE made). Its
// sort-key is the base one ("kitbash", as builder/image/boot writes it), or the base
// one with "~" appended when a downgrade demoted it (see Downgrades). Bless, Tries and
// their parser are copies of builder/image/boot's (the agents module imports nothing
// outside itself and the standard library) and are tested with the same table. Which entry systemd-boot boots next is modelled on its sources
// (compareEntries, versionCompare, NextEntry): entries with no tries left last, then
// by sort-key, version descending; the first one matching loader.conf's "default
// kitbash-*" pattern boots.
//
// # Operations
//
//   - Status: the booted slot, each slot's entry, version and state ("good",
//     "trial", "exhausted", "none") and whether it is demoted, and the slot
//     systemd-boot boots next.
//   - MarkGood: bless the booted entry (one rename, then fsync of loader/entries);
//     nothing to do when it is already good. Init calls it (bootslot mark-good) when
//     the system is ready.
//   - ClearInactive: remove the inactive slot's entry, then its kernel and initramfs.
//   - SetNext: write the inactive slot's entry with a boot counter and the base
//     sort-key, through a temporary name; for an older version (a downgrade), then
//     demote the booted entry; refused unless systemd-boot would then boot the new
//     entry.
//   - RollbackToInactive: mark the booted entry exhausted (kitbash-<s>+0-<D>.conf) so
//     that the inactive, known-good slot boots next.
//   - HasBootEverSucceeded: whether a Kitbash entry is known good.
//
// ClearInactive and SetNext change the inactive slot, which is the booted slot's
// fallback until it is blessed: they refuse unless the booted slot's entry is known
// good.
//
// # Downgrades
//
// systemd-boot orders entries by sort-key before version, and boots the highest
// version only among entries with the same sort-key. To boot an older version next
// (the host runs above the repository's max_version, or is locked to an older
// version), SetNext writes the new entry with the base sort-key, then rewrites the
// booted, known-good entry in place with the sort-key base+"~" (demoteMark), which
// sorts after the base. Entries with no tries left sort before any of that, so when
// the new entry's tries run out without a mark-good the demoted entry boots again: the
// automatic fallback is the same as for an upgrade. Once the new entry is blessed,
// the demoted one is the inactive slot's: RollbackToInactive can still go back to it,
// and the next update replaces it with an entry with the base sort-key, ordered by
// version again. A demoted entry stays demoted until it is replaced; Status reports it
// ("demoted"), and the base is found by stripping the "~" from the booted entry's
// sort-key. SetNext demotes last, after the new entry is in place, so that a power
// cut at any step leaves either the booted entry first (still known good) or the new
// entry first with its tries (see SetNext).
//
// # The machine
//
// Everything goes through Host: the directory where the ESP is mounted, the kernel
// command line, the efivarfs variables (LoaderEntrySelected, which systemd-boot sets
// to the name of the entry it started, before renaming it to count the try) and the
// boot disk's GPT. Paths is the Host of a real or a test machine; FindBootDisk reads
// the GPT from sysfs and /dev (agents/internal/sysblock and agents/internal/gpt).
// Mounting the ESP is the command's job.
package bootslot
