// Package boot generates the systemd-boot configuration of a Kitbash image: the
// loader/loader.conf file and one Boot Loader Specification Type #1 entry per slot in
// loader/entries/, with the kernel command line the initramfs reads (see
// agents/internal/initramfs). It only renders bytes and names; writing them to the ESP
// is the image builder's and the updater's job.
//
// # Entries
//
// Slot "a" of OS "kitbash" is the entry kitbash-a.conf (or kitbash-a+N.conf while it
// is on trial):
//
//	title kitbash 0.1.0 (slot a)
//	sort-key kitbash
//	version 0.1.0
//	linux /a/vmlinuz
//	initrd /a/initrd
//	options console=ttyS0 kitbash.root=PARTUUID=… kitbash.hash=PARTUUID=… …
//
// Every entry carries a sort-key (Config.SortKey, or OSName when that is empty): without
// one systemd-boot orders entries by reverse id only ("b" beats "a" whatever the
// versions), with one on both entries it orders them by sort-key, then by version,
// newest first, so with the same sort-key the slot with the newer OS wins (see
// notes/boot.md, section 3). The builder always writes the same sort-key; only the
// in-guest bootslot set-next changes one, for a downgrade (see "Downgrades" below).
//
// The command line is the variant's parameters, in their order, then the kitbash.* keys
// in a fixed order: kitbash.root, kitbash.hash, kitbash.roothash, kitbash.salt,
// kitbash.datablocks, then kitbash.private and kitbash.data when their GUID is not all
// zero. GUIDs are given as [16]byte in their on-disk (mixed-endian) encoding, as in
// builder/image/gpt, and written with gpt.GUIDString (lower case, the form Linux shows
// for PARTUUIDs); there is one formatter in the module, not two. The root hash and
// salt are lower-case hex; an empty salt is written "-".
//
// Entry, Cmdline and LoaderConf trust their input and are deterministic: the same
// Config and Slot give the same bytes. Validate checks the input first.
//
// # loader.conf
//
//	timeout <Config.Timeout>
//	console-mode keep
//	editor no
//	default <os>-*
//
// "editor no" keeps the command line (and so the verity root hash) from being edited
// at the boot menu. The default pattern matches the Kitbash entries only (never an
// automatic entry such as the firmware setup); among the entries it matches
// systemd-boot takes the first in its sort order: entries with no tries left last,
// then the lowest sort-key, then the highest version (so, unless a downgrade demoted an
// entry, the highest version that still has tries left). The agents
// never set the LoaderEntryDefault or LoaderEntryOneShot EFI variables, which would
// override it.
//
// # Boot counting (systemd-boot Automatic Boot Assessment)
//
// An entry whose file name ends in "+LEFT[-DONE].conf" is on trial: LEFT boots are
// left, DONE have been made. A name without a counter is known good and never changes.
// The states of the two slots' entries:
//
//  1. Fresh image: only kitbash-a.conf (Tries 0: known good, no counter), version
//     0.1.0. Slot B is empty and has no entry. A boots, forever.
//
//  2. Update: the updater writes slot B (root, hash, kernel, initrd), then B's entry
//     with Tries 1 and the new version: kitbash-b+1.conf, version 0.2.0 (higher;
//     for a lower one see "Downgrades").
//     It writes the entry under a name that does not end in ".conf" and renames it
//     into place (so a power cut leaves no half-written entry systemd-boot would
//     read), after removing any older entry of slot B.
//
//  3. Next boot: both entries have the same sort-key, so systemd-boot orders by
//     version and picks B (0.2.0 > 0.1.0, tries left). Before starting it, it renames the file
//     one step down: kitbash-b+1.conf -> kitbash-b+0-1.conf. It records the entry it
//     picked in the LoaderEntrySelected EFI variable under its name before the
//     rename ("kitbash-b+1.conf").
//
//  4. Success: when the system reaches "ready", init (bootslot mark-good) blesses the
//     booted entry by one rename on the ESP, what systemd-bless-boot does:
//     kitbash-b+0-1.conf -> kitbash-b.conf (Bless). B is now known good and, with the
//     higher version, boots from now on. Init finds the file to rename as the entry
//     in loader/entries whose Bless name equals the Bless name of
//     LoaderEntrySelected; it blesses only the entry that was booted. An entry that is
//     already known good has nothing to bless (Bless returns false).
//
//  5. Failure: the boot fails before "ready" (KITBASH-BOOT-FAILED from the initramfs
//     and a reboot, a kernel panic, a hang ended by a watchdog or by hand). The entry
//     stays kitbash-b+0-1.conf: with no tries left it sorts last, so the next boot
//     picks A (kitbash-a.conf, known good) and keeps picking it. That is the
//     automatic rollback; the updater sees B's exhausted entry and reports the failed
//     update. Blessing an exhausted entry (kitbash-b+0-1.conf -> kitbash-b.conf) is
//     still allowed, and is what makes a slot that booted as the last resort good.
//
//  6. The next update targets the inactive slot, now A: kitbash-a.conf is replaced by
//     kitbash-a+1.conf with a version higher than B's, and the cycle repeats.
//
// With Tries N > 1 a new slot gets N boots before systemd-boot falls back; Kitbash
// gives one (DESIGN.md, "A variant image").
//
// # Downgrades
//
// The image builder only writes entries with the configured sort-key. An update to an
// older version (a downgrade) would lose to the booted entry on version, so the
// agents' bootslot set-next (agents/internal/bootslot.SetNext) writes the new entry
// with that sort-key and then rewrites the booted, known-good entry in place with the
// sort-key followed by "~" ("kitbash~"), which sorts after it: the new entry boots
// next whatever the versions. A failed downgrade falls back as in 5 (entries with no
// tries left sort before any sort-key), and once blessed the demoted entry is the
// inactive slot's, replaced by the next update. Validate accepts no '~' in a
// sort-key, so the mark never collides with a configured one.
package boot
