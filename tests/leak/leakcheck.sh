#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs tests/leak/leakcheck.m in Octave under valgrind's memcheck: heap
# growth per call of every gateway path, and memcheck's errors whose stack
# passes through ncufm's own sources.  Usage: leakcheck.sh [N [MEXDIR]]
# (build/leakcheck must hold leak_probe.mex: `make leakcheck` builds it).
# Exit status 1 on a leak or an error in ncufm's code.
set -u
cd "$(dirname "$0")/../.."
n=${1:-20}
mexdir=${2:-}
[ -n "$mexdir" ] && mexdir=$(cd "$mexdir" && pwd)
out=build/leakcheck
log="$out/valgrind.log"
NCUFM_THREADS=1 OPENBLAS_NUM_THREADS=1 valgrind --tool=memcheck --leak-check=no \
    --error-limit=no --num-callers=40 --log-file="$log" \
    octave-cli --no-gui --norc --quiet --eval \
    "addpath('tests/leak', '$out'); exit(~leakcheck(pwd, '$mexdir', $n))"
status=$?
# memcheck reports one error per block of lines between blank "==PID==" lines;
# it is ncufm's when a frame of its stack is in a file of mex/ or src/.
python3 - "$log" mex/*.c src/*.c <<'PY' || status=1
import os, re, sys
log, ours = sys.argv[1], {os.path.basename(f) for f in sys.argv[2:]}
frame = re.compile(r"\((%s):\d+\)" % "|".join(map(re.escape, ours)))
blocks = re.split(r"\n==\d+== *\n", open(log, errors="replace").read())
mine = [b for b in blocks if " at 0x" in b and "LEAK SUMMARY" not in b and frame.search(b)]
for b in mine:
    print("\n".join(l.split("== ", 1)[-1] for l in b.splitlines()[:12]) + "\n")
print("leakcheck: %d memcheck errors in ncufm code (valgrind log: %s)" % (len(mine), log))
sys.exit(1 if mine else 0)
PY
exit $status
