#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails on Octave-only syntax in .m files, so that every file also parses
and runs in MATLAB.  Prints "file:line: what" for each finding and ends with
a line "matlab syntax: N passed, N failed" (one check per file).

Octave's test blocks (lines starting with %!) are comments to MATLAB and are
not checked.  A call that exists only in Octave is allowed inside a block
opened by `if exist('OCTAVE_VERSION', 'builtin')` (or its negation with an
else branch), which MATLAB never executes.

Usage: check_matlab_syntax.py FILE_OR_DIR...
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from msyntax import split_line  # noqa: E402

OCTAVE_KEYWORDS = ("endfunction endif endfor endwhile endswitch end_try_catch "
                   "end_unwind_protect unwind_protect unwind_protect_cleanup endparfor "
                   "until").split()

# Functions Octave has and MATLAB lacks (or has with another meaning).
OCTAVE_FUNCTIONS = set((
    "printf puts fputs fdisp rows columns is_function_handle print_usage unlink rename "
    "nproc getpid ifelse merge postpad prepad hash confirm_recursive_rmdir graphics_toolkit "
    "available_graphics_toolkits sumsq fflush stdout stderr isargout nthargout index "
    "usleep sizemax argn yes_or_no kbhit waitpid fork popen mkstemp canonicalize_file_name "
    "make_absolute_filename is_absolute_filename file_in_loadpath dir_in_loadpath ostrsplit "
    "substr lookup vec isna NA print_empty_dimensions page_screen_output "
    "crash_dumps_octave_core beep_on_error struct_levels_to_print do_string_escapes "
    "undo_string_escapes program_name program_invocation_name octave_config_info getuid "
    "symlink readlink putenv unsetenv toupper tolower fskipl numfields "
    "native_float_format OCTAVE_HOME OCTAVE_EXEC_HOME viridis cubehelix").split())

OCTAVE_GUARD = re.compile(r"^\s*if\s*\(?\s*exist\s*\(\s*'OCTAVE_VERSION'\s*,\s*'builtin'\s*\)")
# `if ~ exist ('OCTAVE_VERSION', 'builtin'), return; end`: the rest of the
# function runs in Octave only.
MATLAB_RETURN = re.compile(r"^\s*if\s*\(?\s*~\s*exist\s*\(\s*'OCTAVE_VERSION'\s*,\s*'builtin'\s*\)")
OPENERS = re.compile(r"^\s*(if|for|parfor|while|switch|try|function)\b")
END_STMT = re.compile(r"(^|[;,])\s*end\s*(?=$|[;,%])")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def statements_open_close(code):
    """How many blocks the code of one line opens and closes (keywords at the
    start of a statement only: `x(end)` is an index, not a block end)."""
    opens = closes = 0
    for stmt in re.split(r"[;,]", code):
        s = stmt.strip()
        if re.match(r"(if|for|parfor|while|switch|try|function)\b", s):
            opens += 1
        if re.fullmatch(r"end", s):
            closes += 1
    return opens, closes


def assigned_names(lines):
    """Identifiers the file assigns or takes as arguments: a variable called
    `index` or `rows` is not a call of Octave's function of that name."""
    names = set()
    for line in lines:
        code = "".join(t for k, t in split_line(line) if k == "code")
        for m in re.finditer(r"(?:^|[;,])\s*\[?([A-Za-z_][\w, ]*)\]?\s*=(?!=)", code):
            names.update(IDENT.findall(m.group(1)))
        m = re.match(r"\s*function\b(.*)$", code)
        if m:
            names.update(IDENT.findall(m.group(1)))
    return names


def check_file(path):
    problems = []
    try:
        lines = open(path, encoding="utf-8").read().split("\n")
    except UnicodeDecodeError:
        return ["%s:1: not UTF-8" % path]
    variables = assigned_names(lines)
    code_lines = ["".join(t for k, t in split_line(l) if k == "code").strip()
                  for l in lines if not l.strip().startswith("%!")]
    code_lines = [c for c in code_lines if c]
    if code_lines and not code_lines[0].startswith("function") and any(
            re.match(r"function\b", c) for c in code_lines):
        problems.append("%s:1: a script with local functions: Octave needs them before their use "
                        "and MATLAB at the end; make the file a function" % path)
    if lines and not lines[0].startswith("% SPDX-License-Identifier:"):
        problems.append("%s:1: the first line must be the SPDX licence line" % path)
    depth = 0
    guard_depth = []      # block depths at which an Octave guard opened
    pending_return, saw_return = None, False
    in_block_comment = False
    for no, line in enumerate(lines, 1):
        where = "%s:%d: " % (path, no)
        stripped = line.strip()
        if in_block_comment:
            if stripped == "%}":
                in_block_comment = False
            continue
        if stripped == "%{":
            in_block_comment = True
            continue
        if stripped.startswith("%!"):
            continue
        if "-*- texinfo -*-" in line:
            problems.append(where + "texinfo help (MATLAB shows it raw): write plain % help")
        code_text = []
        for kind, text in split_line(line):
            if kind == "comment" and text.startswith("#"):
                problems.append(where + "'#' comment: use '%'")
            elif kind == "dq":
                problems.append(where + "double-quoted string %s: use single quotes" % text)
            elif kind == "code":
                code_text.append(text)
            elif kind == "sq":
                code_text.append("''")
        code = "".join(code_text)
        if not code.strip():
            continue
        raw_code = "".join(text for kind, text in split_line(line) if kind != "comment")
        if pending_return is not None and re.search(r"\breturn\b", code):
            saw_return = True
        if re.search(r"^\s*(persistent|global)\b[^%]*=", code):
            problems.append(where + "initialised persistent/global declaration: assign after "
                            "'if isempty (x)'")
        if re.search(r"\b__\w+__\b", code) and not guard_depth and not OCTAVE_GUARD.search(raw_code):
            problems.append(where + "Octave-internal function outside an OCTAVE_VERSION guard")
        if re.search(r"[)\]][({]", code):
            problems.append(where + "indexing the result of a call or an index, e.g. f(x){1}: "
                            "MATLAB needs a temporary")
        if re.search(r"\bwarning\s*\(.*'local'", raw_code) and not guard_depth \
                and not OCTAVE_GUARD.search(raw_code):
            problems.append(where + "warning (..., 'local') is Octave-only: save the state and "
                            "restore it with onCleanup")
        if "!" in code:
            problems.append(where + "'!' operator: use '~' (and '~=')")
        if re.search(r"\+\+|(?<![\w)\]}.'\s])--|\+=|-=|\*=|/=|\^=|\*\*", code):
            problems.append(where + "Octave-only operator (++, +=, **, ...): write x = x + 1")
        if re.search(r"\\\s*$", code):
            problems.append(where + "backslash line continuation: use '...'")
        guarded = bool(guard_depth)
        for word in IDENT.findall(code):
            if word in OCTAVE_KEYWORDS:
                problems.append(where + "Octave-only keyword '%s': use 'end' / try-catch / onCleanup"
                                % word)
            elif (word in OCTAVE_FUNCTIONS and word not in variables and not guarded
                  and not OCTAVE_GUARD.search(raw_code)):
                problems.append(where + "Octave-only function '%s' outside an OCTAVE_VERSION guard"
                                % word)
        opens, closes = statements_open_close(code)
        if OCTAVE_GUARD.search(raw_code):
            guard_depth.append(depth)
        if MATLAB_RETURN.search(raw_code):
            pending_return, saw_return = depth, bool(re.search(r"\breturn\b", code))
        depth += opens - closes
        while guard_depth and depth <= guard_depth[-1]:
            guard_depth.pop()
        if pending_return is not None and depth <= pending_return:
            if saw_return:
                guard_depth.append(pending_return - 1)
            pending_return = None
    return problems


def m_files(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, files in os.walk(a):
                for f in sorted(files):
                    if f.endswith(".m"):
                        yield os.path.join(root, f)
        else:
            yield a


def main(argv):
    passed = failed = 0
    for path in m_files(argv[1:]):
        problems = check_file(path)
        if problems:
            failed += 1
            print("\n".join(problems))
        else:
            passed += 1
    print("matlab syntax: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
