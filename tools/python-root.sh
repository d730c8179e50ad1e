#!/bin/sh
# Debian testing's CPython 3.14 and 3.15 (GIL builds) in a root of their own, for machines that
# cannot build them: Debian's binaries need a newer glibc than the host's, so they run chrooted.
#
#   tools/python-root.sh build          make the root once (a minute or two); print its path
#   tools/python-root.sh path           print the root's path if it is complete, else fail
#   tools/python-root.sh run CMD ARG... run CMD inside the root, in the current directory
#
# The root is ${XDG_CACHE_HOME:-~/.cache}/concbench/roots/forky: `debootstrap --variant=minbase`
# of Debian "forky" (testing) with python3.14, python3.15 and their venv modules, and the host's
# CA bundle (the root's own does not trust the chain the package index presents on some hosts).
# The mirror is the first Debian archive in the system's apt configuration
# (/etc/apt/sources.list, /etc/apt/sources.list.d/*), or $CONCBENCH_DEBIAN_MIRROR.
#
# `run` uses a mount namespace of its own (unshare): the checkout, /tmp, the suite's cache,
# /proc, /dev and /sys are bind-mounted at the same paths inside, so every path (a virtualenv,
# a results file) means the same inside and outside, and the mounts vanish with the process,
# even a killed one.  Exit status 77: this machine cannot make or enter the root (not root, no
# debootstrap and no apt-get to install it, no mirror); the line printed says which.
set -eu

cache="${XDG_CACHE_HOME:-$HOME/.cache}/concbench"
root="$cache/roots/forky"
# what the root holds; a root made from another list is made again.  No C compiler (it would
# double the build, 145 s against 41 s here): tcp_echo's C helpers are compiled on the host into
# the suite's cache, which the root sees.
packages="python3.14,python3.14-venv,python3.15,python3.15-venv"
checkout=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "python-root: $*" >&2; }
cannot() { say "$*"; exit 77; }

mirror() {
    if [ -n "${CONCBENCH_DEBIAN_MIRROR:-}" ]; then echo "$CONCBENCH_DEBIAN_MIRROR"; return; fi
    # one-line entries ("deb [opts] URI suite ...") and deb822 stanzas ("URIs:"); skip security
    # and non-Debian archives
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk '
            /^[[:space:]]*deb[[:space:]]/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }
            /^URIs:/ { for (i = 2; i <= NF; i++) print $i }
        ' "$f"
    done | grep -E '/debian/?$' | head -1
}

build() {
    if [ "$(head -1 "$root/.concbench-complete" 2>/dev/null)" = "$packages" ]; then echo "$root"; return; fi
    [ "$(id -u)" -eq 0 ] || cannot "making the root needs root (debootstrap, chroot)"
    if ! command -v debootstrap >/dev/null 2>&1; then
        command -v apt-get >/dev/null 2>&1 || cannot "no debootstrap, and no apt-get to install it"
        say "installing debootstrap (apt-get)"
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 ||
          { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }; } ||
            cannot "debootstrap did not install"
    fi
    url=$(mirror)
    [ -n "$url" ] || cannot "no Debian mirror in /etc/apt/sources.list* (set CONCBENCH_DEBIAN_MIRROR)"
    script=/usr/share/debootstrap/scripts/sid  # forky is not named in bookworm's debootstrap
    started=$(date +%s)
    rm -rf "$root.partial"
    mkdir -p "$(dirname "$root")"
    log="$cache/roots/debootstrap.log"
    say "debootstrap forky from $url into $root (a minute or two; log: $log)"
    if ! debootstrap --variant=minbase --include="$packages" forky "$root.partial" "$url" "$script" \
            >"$log" 2>&1; then
        say "python3.15 missing? trying without it"
        rm -rf "$root.partial"
        debootstrap --variant=minbase --include="$(echo "$packages" | sed 's/python3.15[^,]*,//g')" forky \
            "$root.partial" "$url" "$script" >"$log" 2>&1 || { tail -5 "$log" >&2; say "debootstrap failed"; exit 1; }
    fi
    cp /etc/ssl/certs/ca-certificates.crt "$root.partial/etc/ssl/certs/ca-certificates.crt"
    touch "$root.partial/etc/resolv.conf"
    versions=$(cd "$root.partial/usr/bin" && ls python3.1[4-9] 2>/dev/null | tr '\n' ' ')
    printf '%s\n%s\n' "$packages" "$versions" > "$root.partial/.concbench-complete"
    rm -rf "$root"
    mv "$root.partial" "$root"
    say "made in $(( $(date +%s) - started )) s: $versions"
    echo "$root"
}

run() {
    [ -e "$root/.concbench-complete" ] || cannot "no root at $root (make python-root makes it)"
    [ "$(id -u)" -eq 0 ] || cannot "entering the root needs root (chroot)"
    [ $# -gt 0 ] || { say "usage: tools/python-root.sh run CMD ARG..."; exit 2; }
    # the bind mounts' targets; made once, harmless when empty
    for d in "$checkout" "$cache"; do mkdir -p "$root$d"; done
    exec unshare --mount --propagation private sh -c '
        root=$1 checkout=$2 cache=$3 cwd=$4; shift 4
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        mount --bind /tmp "$root/tmp"
        mount --bind "$checkout" "$root$checkout"
        mount --bind "$cache" "$root$cache"
        [ -e /etc/resolv.conf ] && mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
        exec chroot "$root" sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
    ' sh "$root" "$checkout" "$cache" "$(pwd)" "$@"
}

case "${1:-}" in
    build) build ;;
    path) [ -e "$root/.concbench-complete" ] && echo "$root" || cannot "no root at $root (make python-root makes it)" ;;
    run) shift; run "$@" ;;
    *) say "usage: tools/python-root.sh build | path | run CMD ARG..."; exit 2 ;;
esac
