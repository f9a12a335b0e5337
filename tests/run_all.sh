#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the C unit tests given as arguments, the MATLAB-syntax check of every
# .m file, the Octave suite and the package test (build the tarball, pkg
# install it into a temporary prefix, use it, uninstall it) and a short fuzz
# run, and ends with
# one line "N passed, N failed" summing them all.  Exit status 1 on failure.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for t in "$@"; do
    "$t" 2>&1 | tee -a "$log" || status=1
done
python3 tests/check_matlab_syntax.py m tests bench docs/training 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
octave-cli --no-gui --norc tests/run_octave_tests.m 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
tests/package/run.sh 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
# A short seeded fuzz run (make fuzz is the long one): one check, passed when
# every call ended in a result or an ncufm: error.
if python3 tests/fuzz/fuzz.py --calls 300 --seed 1 --timeout 60 --quiet 2>&1 | tee -a "$log" &&
   [ "${PIPESTATUS[0]}" -eq 0 ]; then
    echo "fuzz: 1 passed, 0 failed" | tee -a "$log"
else
    echo "fuzz: 0 passed, 1 failed" | tee -a "$log"
    status=1
fi
read -r passed failed < <(awk '/: [0-9]+ passed, [0-9]+ failed$/ {
        for (i = 1; i <= NF; ++i) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
    } END { print p + 0, f + 0 }' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || status=1
exit $status
