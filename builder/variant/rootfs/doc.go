// Package rootfs assembles a variant's root filesystem from package tars into one
// deterministic tar, which a later BuildKit step turns into an erofs image.
//
// The packages (each one's deterministic tar from the package store or a kit layer, see
// builder/pkg) are read in the order given, which is dependency order, into an in-memory
// tree; file contents stay in the package tars and are copied only when the output is
// written, so assembling needs neither root nor a scratch copy of the tree. Extra files
// of the variant ([File]: os-release, settings defaults, service files) are applied after
// the packages, sorted by path.
//
// Rules, checked while the tree is built (every violation is an error naming the path
// and the packages involved, and saying how to fix it; see [ConflictError]):
//
//   - A directory may be installed by several packages if its mode and owner (uid, gid)
//     agree everywhere; [Result.Owners] names the first package that installed it.
//   - Any other path installed by two packages is an error.
//   - Parent directories a package omits are implied: 0755, owned by 0:0, and not in
//     [Result.Owners]. A package that does declare such a directory later sets its mode
//     and owner, whatever the package order.
//   - Symlinks are kept as they are and never followed: a path whose parent (or any
//     ancestor) is a symlink, or a file that is not a directory, is rejected, so no package
//     can write through a symlink another package (or itself) installed. Symlinks are
//     always mode 0777 in the output.
//   - A hardlink must point to a regular file of the same package (directly or through
//     other hardlinks). In the output the path that sorts first of each hardlinked set
//     carries the content and the others link to it, so every link follows its target.
//   - An extra file may not replace a package's entry unless it is the same (type, mode,
//     owner, content or link target, no capabilities); then the package stays its owner.
//     The one exception is the variant's identity: at exactly etc/os-release and
//     usr/lib/os-release an extra file or symlink replaces the package's file or symlink
//     (never a directory). Extra directories follow the directory rule above.
//   - Extra files may be regular files, directories, symlinks or fifos; a path given
//     twice is an error. Device nodes come only from packages.
//
// The output tar: entries sorted by name (directories named with a trailing "/", as in
// builder/pkg), PAX format, every mtime the epoch ([WithEpoch], default the Unix epoch),
// no access or change times, uid/gid as declared, empty user and group names, and no PAX
// records except the "security.capability" extended attribute of regular files
// ("SCHILY.xattr.security.capability"), which carries file capabilities and is kept when
// a package tar has it; every other xattr is dropped. The root directory itself is not
// an entry. The same packages and extra files give the same bytes, whatever the order in
// which the extra files are given.
package rootfs
