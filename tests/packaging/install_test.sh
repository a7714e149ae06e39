#!/usr/bin/env bash
# Packaging checks, one mode per ctest test (see tests/packaging/CMakeLists.txt):
#   install  BUILD_DIR VERSION GUI    cmake --install into a temporary prefix; the installed genra
#                                     runs --help and `demo --quick`, free of the build tree
#   desktop  SOURCE_DIR               desktop entry and AppStream metainfo validate and agree
#   manpage  SOURCE_DIR GENRA GUI     man pages render without warnings; genra.1 documents every
#                                     sub-command and option that GENRA lists in its --help
#   deb      BUILD_DIR GUI            cpack -G DEB makes a package with computed Depends
# Exits 0 when every check passes; otherwise prints each failure and exits 1.
set -uo pipefail

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
need_tool() {
    command -v "$1" >/dev/null 2>&1 || { echo "FAIL: $1 is not installed (scripts/setup installs it)" >&2; exit 1; }
}
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
    exit 0
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/genra-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Runs a program the way a user of the installed package would: no variables from the build or
# test environment (LD_LIBRARY_PATH and the like), a fresh HOME, a working directory outside the tree.
run_clean() {
    (cd "$tmp" && env -i PATH=/usr/bin:/bin HOME="$tmp/home" LANG=C.UTF-8 "$@")
}

# Prints the long options (--name) of the first column of a CLI11 help text's Options section.
help_options() {
    sed -n '/^Options:/,/^[A-Z][a-z]*:$/p' | grep -E '^ +-' | sed -E 's/^ +//; s/  .*$//' |
        grep -oE -- '--[A-Za-z0-9][A-Za-z0-9-]*' | grep -vx -- '--help' | sort -u
}
# Prints the names in a CLI11 help text's Subcommands section.
help_subcommands() {
    sed -n '/^Subcommands:/,/^$/p' | grep -E '^  [a-z]' | awk '{print $1}'
}
# Prints the text of the man page section `.SS "genra WORDS ..."`, with troff escapes removed.
man_section() {
    local page=$1 words=$2
    sed -E 's/\\-/-/g; s/\\f[BIRP]//g' "$page" | awk -v head=".SS \"genra $words" '
        index($0, head) == 1 && substr($0, length(head) + 1, 1) ~ /^( |"|$)/ { on = 1; next }
        on && /^\.S[SH]/ { exit }
        on { print }'
}

mode=${1:-}
case "$mode" in
install)
    build=$2 version=$3 gui=$4
    need_tool readelf
    prefix="$tmp/prefix"
    mkdir -p "$tmp/home"
    if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
        cat "$tmp/install.log" >&2
        fail "cmake --install $build --prefix $prefix"
        finish
    fi
    pass "cmake --install into $prefix"

    expected=(bin/genra share/man/man1/genra.1.gz share/doc/genra-workbench/README.md)
    if [ "$gui" = ON ]; then
        expected+=(bin/genra-workbench share/man/man1/genra-workbench.1.gz
            share/applications/genra-workbench.desktop
            share/metainfo/io.github.genra.Workbench.metainfo.xml
            share/icons/hicolor/scalable/apps/genra-workbench.svg)
    fi
    for f in "${expected[@]}"; do
        [ -f "$prefix/$f" ] || fail "$f is not installed"
    done
    for page in "$prefix"/share/man/man1/*.gz; do
        gzip -t "$page" 2>/dev/null || fail "$page is not a valid gzip file"
    done
    if [ "$gui" = ON ] && command -v appstreamcli >/dev/null; then
        # Checks the installed tree as software centres see it: the launchable's desktop file is there.
        out=$(appstreamcli validate-tree --no-net --no-color "$prefix" 2>&1) ||
            fail "appstreamcli validate-tree $prefix: $out"
    fi

    # The installed programs must not reach into the build or source tree for libraries.
    source_dir=$(cd "$(dirname "$0")/../.." && pwd)
    build_dir=$(cd "$build" && pwd)
    before=$failures
    for exe in "$prefix"/bin/*; do
        dyn=$(readelf -d "$exe" 2>&1) || { fail "readelf -d $exe: $dyn"; continue; }
        rpaths=$(echo "$dyn" | grep -E '\((RPATH|RUNPATH)\)' || true)
        if grep -qE -e "$build_dir" -e "$source_dir" <<<"$rpaths"; then
            fail "$(basename "$exe") keeps a build-tree RPATH: $rpaths"
        fi
        missing=$(run_clean ldd "$exe" | grep -E 'not found|'"$build_dir" || true)
        [ -z "$missing" ] || fail "$(basename "$exe") resolves libraries badly: $missing"
    done
    [ "$failures" -eq "$before" ] && pass "installed programs have no build-tree RPATH and resolve every library"

    genra="$prefix/bin/genra"
    before=$failures
    if help=$(run_clean "$genra" --help 2>&1); then
        for cmd in init datasets import make-shapes tokenize model models embed recipe train runs eval export tsne demo; do
            grep -qx -- "$cmd" <<<"$(help_subcommands <<<"$help")" || fail "genra --help does not list '$cmd'"
        done
        [ "$failures" -eq "$before" ] && pass "installed genra --help lists the sub-commands"
    else
        fail "installed genra --help exited non-zero: $help"
    fi
    got=$(run_clean "$genra" --version 2>&1)
    [ "$got" = "$version" ] || fail "installed genra --version printed '$got', expected '$version'"
    if [ "$gui" = ON ]; then
        got=$(run_clean QT_QPA_PLATFORM=offscreen "$prefix/bin/genra-workbench" --version 2>/dev/null)
        [ "$got" = "GenRA Workbench $version" ] ||
            fail "installed genra-workbench --version printed '$got', expected 'GenRA Workbench $version'"
    fi

    ws="$tmp/ws"
    if run_clean "$genra" demo --quick --workspace "$ws" >"$tmp/demo.log" 2>&1; then
        report="$ws/exports/report.md"
        if [ -s "$report" ]; then
            grep -q "report: $report" "$tmp/demo.log" || fail "demo did not print the report path $report"
            pass "installed genra demo --quick wrote $report ($(wc -l <"$report") lines)"
        else
            fail "demo --quick exited 0 but $report is missing or empty"
        fi
        [ -f "$ws/workspace.sqlite" ] || fail "demo --quick left no $ws/workspace.sqlite"
    else
        tail -n 40 "$tmp/demo.log" >&2
        fail "installed genra demo --quick --workspace $ws failed"
    fi
    ;;

desktop)
    src=$2
    need_tool desktop-file-validate
    need_tool appstreamcli
    desktop="$src/packaging/genra-workbench.desktop"
    metainfo="$src/packaging/io.github.genra.Workbench.metainfo.xml"
    if out=$(desktop-file-validate "$desktop" 2>&1); then
        pass "desktop-file-validate $desktop${out:+ ($out)}"
    else
        fail "desktop-file-validate: $out"
    fi
    if out=$(appstreamcli validate --no-net --no-color "$metainfo" 2>&1); then
        pass "appstreamcli validate --no-net $metainfo"
        echo "$out"
    else
        fail "appstreamcli validate: $out"
    fi
    # The three files name each other: metainfo launchable -> desktop file id -> icon and program.
    launchable=$(sed -nE 's/.*<launchable type="desktop-id">([^<]*)<\/launchable>.*/\1/p' "$metainfo")
    [ "$launchable" = "$(basename "$desktop")" ] ||
        fail "metainfo launchable '$launchable' is not the desktop file id $(basename "$desktop")"
    icon=$(sed -nE 's/^Icon=(.*)$/\1/p' "$desktop")
    [ -f "$src/resources/$icon.svg" ] || fail "desktop Icon=$icon has no resources/$icon.svg"
    exec_name=$(sed -nE 's/^Exec=([^ ]*).*$/\1/p' "$desktop")
    [ "$exec_name" = genra-workbench ] || fail "desktop Exec runs '$exec_name', not genra-workbench"
    grep -q "<binary>$exec_name</binary>" "$metainfo" || fail "metainfo does not provide the binary $exec_name"
    ;;

manpage)
    src=$2 genra=$3 gui=$4
    need_tool groff
    pages=("$src/packaging/genra.1")
    [ "$gui" = ON ] && pages+=("$src/packaging/genra-workbench.1")
    for page in "${pages[@]}"; do
        if out=$(groff -man -ww -z "$page" 2>&1) && [ -z "$out" ]; then
            pass "groff -man -ww renders $(basename "$page") without warnings"
        else
            fail "groff -man -ww $(basename "$page"): $out"
        fi
        rendered=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>"$tmp/man.err")
        [ -s "$tmp/man.err" ] && fail "man -l $(basename "$page"): $(cat "$tmp/man.err")"
        grep -q '^NAME' <<<"$rendered" || fail "man -l $(basename "$page") has no NAME section"
    done

    # genra.1 documents what the program offers: a section per (sub-)command, every option in it.
    page="$src/packaging/genra.1"
    export OMP_WAIT_POLICY=PASSIVE
    checked=0
    check_command() {
        local words=$1 help section opt
        if ! help=$("$genra" $words --help 2>&1); then
            fail "genra $words --help exited non-zero"
            return
        fi
        section=$(man_section "$page" "$words")
        if [ -z "$section" ]; then
            fail "genra.1 has no section .SS \"genra $words\""
            return
        fi
        for opt in $(help_options <<<"$help"); do
            grep -qE -- "$opt([^A-Za-z0-9-]|$)" <<<"$section" ||
                fail "genra.1 section 'genra $words' does not document $opt"
        done
        checked=$((checked + 1))
    }
    for cmd in $("$genra" --help | help_subcommands); do
        check_command "$cmd"
        for sub in $("$genra" "$cmd" --help 2>/dev/null | help_subcommands); do
            check_command "$cmd $sub"
        done
    done
    [ "$checked" -ge 20 ] || fail "only $checked commands found in genra --help"
    [ "$failures" -eq 0 ] && pass "genra.1 documents the $checked commands of $genra and their options"
    ;;

deb)
    build=$2 gui=$3
    need_tool dpkg-deb
    need_tool dpkg-shlibdeps
    need_tool file
    if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
        cat "$tmp/cpack.log" >&2
        fail "cpack -G DEB"
        finish
    fi
    deb=$(find "$tmp/out" -maxdepth 1 -name 'genra-workbench_*.deb' | head -n 1)
    [ -n "$deb" ] || { fail "cpack made no genra-workbench_*.deb: $(ls "$tmp/out")"; finish; }
    pass "cpack -G DEB made $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
    info=$(dpkg-deb -I "$deb")
    field() { echo "$info" | sed -nE "s/^ $1: (.*)$/\1/p"; }
    [ "$(field Package)" = genra-workbench ] || fail "Package is '$(field Package)'"
    [ "$(field Section)" = science ] || fail "Section is '$(field Section)'"
    [ -n "$(field Maintainer)" ] || fail "no Maintainer"
    depends=$(field Depends)
    echo "Depends: $depends"
    wanted=(libc6 'libtorch[0-9.]*' 'libopencv-core[0-9.]*' 'libsqlite3-0')
    [ "$gui" = ON ] && wanted+=(libqt6widgets6)
    for pkg in "${wanted[@]}"; do
        grep -qE "(^|, )$pkg( |,|$)" <<<"$depends" || fail "Depends lacks $pkg: $depends"
    done
    contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
    files=(./usr/bin/genra ./usr/share/man/man1/genra.1.gz)
    [ "$gui" = ON ] && files+=(./usr/bin/genra-workbench ./usr/share/applications/genra-workbench.desktop
        ./usr/share/metainfo/io.github.genra.Workbench.metainfo.xml
        ./usr/share/icons/hicolor/scalable/apps/genra-workbench.svg)
    for f in "${files[@]}"; do
        grep -qx -- "$f" <<<"$contents" || fail "the package lacks $f"
    done
    # Stripped, and no build-tree RPATH: the package must work on a machine without the build.
    mkdir -p "$tmp/x" && dpkg-deb -x "$deb" "$tmp/x"
    for exe in "$tmp"/x/usr/bin/*; do
        grep -q 'not stripped' <<<"$(file -b "$exe")" && fail "$(basename "$exe") in the package is not stripped"
        grep -qE '\((RPATH|RUNPATH)\)' <<<"$(readelf -d "$exe")" && fail "$(basename "$exe") in the package has an RPATH"
    done
    ;;

*)
    echo "usage: $0 install|desktop|manpage|deb ARGS..." >&2
    exit 2
    ;;
esac
finish
