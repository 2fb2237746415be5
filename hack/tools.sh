#!/usr/bin/env bash
# Installs what Kitbash needs on a Debian host and nothing else; safe to re-run.
#   host packages (apt-get): only the missing ones
#   buildkitd, buildctl:     built from the Go module proxy at the version go.mod pins,
#                            inside the downloaded module directory (buildkit's go.mod has
#                            exclude directives, so `go install pkg@version` fails)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bindir=${TOOLS_BIN:-$root/.tools/bin}
mkdir -p "$bindir"

# Debian packages: runc for buildkitd's OCI worker, mmdebstrap for the SDK, docker-registry
# for tests against a real registry on 127.0.0.1; fdisk (sfdisk) and gdisk (sgdisk) to check
# the GPTs kitbash and the initramfs write, cryptsetup-bin (veritysetup) to check kitbash's
# verity trees, cpio to read back the initramfs, mtools to read boot entries off an ESP,
# qemu-system-x86 and ovmf to boot images
# (under TCG here: this machine kind's /dev/kvm cannot run stock kernels); diffoscope-minimal
# (and zstd, for the update images) to show where two builds differ in `make repro`.
packages=(runc mmdebstrap uidmap ca-certificates docker-registry fdisk gdisk cryptsetup-bin cpio qemu-system-x86 ovmf mtools diffoscope-minimal zstd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tools: apt-get install ${missing[*]}"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# apt sources of package specs are fetched through the host's apt configuration: it needs
# package lists (a fresh container has none).
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  echo "tools: apt-get update (no package lists yet)"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq
fi

# Go module tools, pinned by go.mod.
bk_version=$(cd "$root" && go list -m -f '{{.Version}}' github.com/moby/buildkit)
build_buildkit() { # name
  local name=$1 out=$bindir/$1
  if [ -x "$out" ] && "$out" --version 2>/dev/null | grep -qF " $bk_version "; then
    return 0
  fi
  echo "tools: building $name $bk_version from the Go module proxy"
  local dir
  dir=$(cd "$root" && go mod download -json "github.com/moby/buildkit@$bk_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$out.tmp" \
     -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$bk_version -X github.com/moby/buildkit/version.Revision=module" \
     "./cmd/$name")
  mv "$out.tmp" "$out"
}
build_buildkit buildkitd
build_buildkit buildctl

# The cosign CLI, only to prove in the tests that it accepts kitbash's signatures (kitbash
# signs without it). Built inside the downloaded module directory, like buildkit.
cosign_version=v2.6.5
if ! { [ -x "$bindir/cosign" ] && "$bindir/cosign" version 2>/dev/null | grep -qF "$cosign_version"; }; then
  echo "tools: building cosign $cosign_version from the Go module proxy (about 4 minutes on 2 cores)"
  dir=$(cd "$root" && go mod download -json "github.com/sigstore/cosign/v2@$cosign_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$bindir/cosign.tmp" \
     -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$cosign_version" ./cmd/cosign)
  mv "$bindir/cosign.tmp" "$bindir/cosign"
fi
echo "tools: ready in ${bindir#$root/}"
