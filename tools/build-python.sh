#!/bin/sh
# Build CPython from its source tarball into concbench's cache, free-threaded and/or its GIL
# twin, with identical configure flags so that a GIL / no-GIL comparison is fair.
#
#   tools/build-python.sh [--twin] [VERSION]      (default 3.13.5)
#
# Installs into ${XDG_CACHE_HOME:-~/.cache}/concbench/pythons/<VERSION>t (free-threaded,
# --disable-gil) and, with --twin, <VERSION> (the same flags without --disable-gil); prints the
# interpreter paths.  An interpreter already built is reused.  Neither build uses PGO or LTO
# (the pyenv interpreters here have neither; the run records it in every benchmark's metadata).
#
# The source: $CONCBENCH_PYTHON_TARBALL if set (any Python-<VERSION>.tar.xz), else the upstream
# tarball of Debian's python3.<minor> source package (apt-get source, from a deb-src entry for
# Debian 13 "trixie" in a private apt directory: the system's apt configuration is not touched).
# Build dependencies (a C compiler and the -dev packages of ssl, zlib, ffi, ...) are installed
# with apt-get when missing and apt-get is there.
set -eu

twin=no
if [ "${1:-}" = "--twin" ]; then twin=yes; shift; fi
version="${1:-3.13.5}"
minor="${version%.*}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/concbench/pythons"
src="$cache/src"
mkdir -p "$src"

say() { echo "build-python: $*" >&2; }

need_build_deps() {
    missing=""
    for pkg in gcc make libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev libsqlite3-dev \
               libreadline-dev uuid-dev xz-utils; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        if ! command -v apt-get >/dev/null 2>&1; then
            say "missing build dependencies:$missing (and no apt-get to install them)"; exit 1
        fi
        say "installing build dependencies:$missing"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    fi
}

tarball() {
    if [ -n "${CONCBENCH_PYTHON_TARBALL:-}" ]; then echo "$CONCBENCH_PYTHON_TARBALL"; return; fi
    found=$(ls "$src"/python"$minor"_"$version".orig.tar.xz 2>/dev/null || true)
    if [ -z "$found" ]; then
        say "fetching the source of Debian's python$minor ($version) with apt-get source"
        apt_dir="$src/apt"
        mkdir -p "$apt_dir/lists/partial"
        echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
            > "$apt_dir/sources.list"
        opts="-o Dir::Etc::SourceList=$apt_dir/sources.list -o Dir::Etc::SourceParts=- -o Dir::State::Lists=$apt_dir/lists"
        # shellcheck disable=SC2086
        apt-get $opts -qq update
        # shellcheck disable=SC2086
        (cd "$src" && apt-get $opts -qq source --download-only "python$minor" >/dev/null 2>&1)
        found=$(ls "$src"/python"$minor"_"$version".orig.tar.xz 2>/dev/null || true)
        if [ -z "$found" ]; then
            say "Debian's python$minor source package is not version $version: $(ls "$src" | tr '\n' ' ')"
            exit 1
        fi
    fi
    echo "$found"
}

build() {  # build PREFIX CONFIGURE-FLAGS...
    prefix="$1"; shift
    if [ -e "$prefix/.concbench-complete" ]; then
        say "reusing $prefix"
        return
    fi
    need_build_deps
    archive=$(tarball)
    work=$(mktemp -d "$src/build-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    say "building $prefix (configure $*); a few minutes on 2 cores"
    tar -xf "$archive" -C "$work"
    cd "$work"/Python-"$version"*
    ./configure --prefix="$prefix" --with-ensurepip=install "$@" >"$work/configure.log" 2>&1 \
        || { tail -20 "$work/configure.log" >&2; exit 1; }
    make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
    rm -rf "$prefix"  # a build interrupted before its marker was written
    make install >"$work/install.log" 2>&1 || { tail -20 "$work/install.log" >&2; exit 1; }
    "$prefix/bin/python$minor" -c "import ssl, venv, hashlib, sqlite3" \
        || { say "$prefix was built without a module venvs need"; exit 1; }
    cd /
    echo "configure $*" > "$prefix/.concbench-complete"
    rm -rf "$work"
    trap - EXIT
}

started=$(date +%s)
build "$cache/${version}t" --disable-gil
if [ "$twin" = yes ]; then build "$cache/$version"; fi
say "done in $(( $(date +%s) - started )) s"
echo "$cache/${version}t/bin/python${minor}t"
if [ "$twin" = yes ]; then echo "$cache/$version/bin/python$minor"; fi
