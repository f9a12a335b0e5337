#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the package tarball (make dist), installs it into a temporary prefix
# with Octave's pkg, uses and uninstalls it (install_test.m).
set -u
cd "$(dirname "$0")/../.."
make --no-print-directory -s dist >/dev/null || { echo "package: 0 passed, 1 failed (make dist)"; exit 1; }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
tarball="$PWD/ncufm-$(sed -n 's/^Version: *//p' DESCRIPTION).tar.gz"
cd "$prefix" && octave-cli --no-gui --norc --eval \
    "addpath('$OLDPWD/tests/package'); install_test('$tarball', '$prefix')" 2>&1 |
    grep -v '^error: ignoring const execution_exception& while preparing to exit$'
exit "${PIPESTATUS[0]}"
