# SPDX-License-Identifier: GPL-3.0-or-later
"""Lexer for the subset of the Octave/MATLAB language the checker needs.

It splits one source line into code, string and comment pieces, telling a
quote that opens a string from one that transposes (a quote right after an
identifier, a number, a closing bracket, a dot or another transpose is a
transpose, as both languages decide it).
"""

import re

TRANSPOSE_AFTER = re.compile(r"[A-Za-z0-9_)\]}.']$")


def split_line(line):
    """Pieces of LINE as (kind, text): kind is 'code', 'sq' (single-quoted
    string, quotes included), 'dq' (double-quoted), 'comment' (from the
    comment character to the end of the line)."""
    pieces = []
    code = []
    i, n = 0, len(line)

    def flush():
        if code:
            pieces.append(("code", "".join(code)))
            code.clear()

    while i < n:
        c = line[i]
        if c in "%#":
            flush()
            pieces.append(("comment", line[i:]))
            return pieces
        if c == '"':
            j = i + 1
            while j < n:
                if line[j] == "\\" and j + 1 < n:
                    j += 2
                    continue
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        j += 2
                        continue
                    break
                j += 1
            flush()
            pieces.append(("dq", line[i:j + 1]))
            i = j + 1
            continue
        if c == "'":
            if TRANSPOSE_AFTER.search("".join(code)):
                code.append(c)
                i += 1
                continue
            j = i + 1
            while j < n:
                if line[j] == "'":
                    if j + 1 < n and line[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            flush()
            pieces.append(("sq", line[i:j + 1]))
            i = j + 1
            continue
        code.append(c)
        i += 1
    flush()
    return pieces
