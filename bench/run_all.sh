#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs every benchmark, bench/bench_*.m and bench/bench_*.sh, one after the
# other from the repository root (`make bench`).  Octave benchmarks run in
# their own octave-cli after `addpath('m'); nc_setup`, so one that fails does
# not stop the others; the exit status is 1 if any failed.
set -u
cd "$(dirname "$0")/.."
status=0
failed=""
shopt -s nullglob
for f in bench/bench_*.m bench/bench_*.sh; do
    name=$(basename "$f")
    echo "==== $name ($(date +%H:%M:%S))"
    start=$(date +%s)
    # Octave 7.3 prints a spurious "error: ignoring const execution_exception&"
    # on exit from --eval; drop that one line, keep the exit status
    case "$f" in
        *.m) octave-cli --no-gui --norc --eval \
                 "addpath('m'); nc_setup; addpath('bench'); ${name%.m}" 2>&1 |
                 grep --line-buffered -v '^error: ignoring const execution_exception& while preparing to exit$'
             rc=${PIPESTATUS[0]} ;;
        *.sh) bash "$f" 2>&1
              rc=$? ;;
    esac
    echo "==== $name: exit $rc after $(( $(date +%s) - start )) s"
    if [ "$rc" -ne 0 ]; then
        status=1
        failed="$failed $name"
    fi
done
[ -z "$failed" ] || echo "run_all: failed:$failed"
exit $status
