// Package espmount opens the machine's ESP for bootslot and the updater: it takes the
// lock they share, loads the FAT and efivarfs modules when they are modules, mounts
// efivarfs and the ESP (found by its GPT type on the disk of the booted root) when they
// are not mounted yet, and gives a bootslot.Host on them; closing unmounts what it
// mounted and unlocks.
package espmount
