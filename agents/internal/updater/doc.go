// Package updater finds and applies Kitbash OS updates: it reads manifest.json from the
// TUF repository (through Repository), chooses an update for the running variant,
// architecture and version (Choose), and writes it into the inactive A/B slot (Apply),
// then asks bootslot to boot that slot next, once.
//
// # Choosing (Choose, Check)
//
// manifest.json is builder/tufrepo's (Bottlerocket's) format. Updates of another
// variant or architecture are ignored. An update is available when its version is at
// most its max_version, it matches the version lock ("latest": any; else exactly that
// version) and the host's wave has started, unless ignoreWaves. The highest available
// version is chosen when it is newer than the running one. A host running a version
// above max_version is steered down to max_version, and a lock on an older version
// asks for that version: both are downgrades, which Apply installs like an update
// (bootslot.SetNext orders the older entry first; see package bootslot).
//
// Waves: manifest.json maps seed bounds to start times; a host with seed S (0..2048)
// may update from the time interpolated linearly between the bounds around S
// (Waves.StartFor): seeds up to the first bound from the first start, seeds above the
// last bound from the last start, no waves: at once. Unlike Bottlerocket's updog, the
// waves also apply to a version lock (unless ignoreWaves).
//
// Migrations: the targets listed for the path from the running version to the chosen
// one (the "(FROM, TO)" pairs, walked as updog does), those of this variant and arch
// (<variant>-<arch>-<version>-migration.json; the pairs are shared by the variants of a
// repository). Apply stages them in PRIVATE (/.private/migrations/<version>/, each as
// <its version>.json, then the file "staged" naming the move) before the slot is made
// bootable; the migrator uses them at boot, forward or, after a downgrade or a
// rollback, backward (see package migrate).
//
// # Applying (Apply)
//
// The inactive slot is cleared first (bootslot.ClearInactive: no entry, no kernel), so
// a half-written slot is never bootable. Then, streaming each target through a zstd
// decoder: the root image onto ROOT-<S>, the hash tree onto HASH-<S> (the partitions
// are found by GPT name; an image larger than its partition is refused; the devices
// are fsynced), and the boot image, a tar of boot.json, vmlinuz and initrd:
// the kernel and initramfs go to /<s>/ on the ESP under temporary names and are
// renamed into place once the download verified. The Repository verifies each
// target's length and hashes at the end of its download; only when all of them did
// does Apply write the entry (Entry: a copy of builder/image/boot.Entry, with
// boot.json's parameters, root hash, salt and data blocks, the slot's ROOT and HASH
// GUIDs and the PRIVATE and DATA GUIDs) through bootslot.SetNext with one try. Any
// failure, or a cancelled context, clears the slot again and returns an error naming
// the step (clear, root, hash, boot, migrations, set-next).
//
// # Configuration
//
// Config is read from /run/kitbash/updater.json, which settingsd renders from the
// updates.* settings (metadataUrl, targetsUrl, seed, versionLock, ignoreWaves), and
// the running system from os-release (VARIANT_ID, VERSION_ID).
package updater
