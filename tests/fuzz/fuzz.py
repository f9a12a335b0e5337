#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzzer for every public ncufm function.

Generates, from a seed, calls with malformed arguments (wrong classes and
shapes, NaN/Inf/huge/tiny/negative/complex/sparse/empty/struct/cell/char
values, missing and extra arguments, unknown options and bad option
values, corrupted .npy and IDX files, damaged streaming states and
checkpoints), runs them in batches in separate Octave processes, and checks
that every call either succeeds or raises an error whose identifier starts
with "ncufm:".  The exceptions allowed are listed in ALLOWED below.

A call that runs longer than --timeout seconds is a hang; a process that
dies (a crash, or a sanitizer report with halt_on_error) is re-run to find
the reproducing call: first that call alone in a fresh process, then, if
it needs the calls before it, the shortest run of them that still dies.
Every failure is printed with the exact Octave expression that reproduces
it (run from the repository root after
"addpath('tests/fuzz'); fuzz_start(pwd, '')").

Call i depends only on (seed, i), so "--seed S --show I" prints it.
"""

import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ_DIR = os.path.join(ROOT, "tests", "fuzz")

# --------------------------------------------------------------- values ---

# Values that are wrong for almost every argument.
BAD_VALUES = [
    "[]", "NaN", "Inf", "-Inf", "-1", "0", "0.5", "1e300", "-1e300", "1e-300", "realmin",
    "realmax", "eps", "2^31", "2^31-1", "2^32", "2^53", "2^63", "1e18", "-0", "4.5e15",
    "1+2i", "complex(1,0)", "'x'", "''", "'train'", "{1}", "{}", "{'a','b'}",
    "struct('a',1)", "struct([])", "struct('a',{1,2})", "sparse(1)", "sparse([1 2 3])",
    "single(NaN)", "single(1)", "single(1e38)", "int8(-3)", "uint8(200)", "int32(7)",
    "int64(9223372036854775807)", "uint64(18446744073709551615)", "true", "false",
    "zeros(0,3)", "zeros(3,0)", "zeros(1,0)", "ones(3,3,2)", "ones(1,1,3)", "NaN(2)",
    "Inf(1,3)", "eye(3)", "1:5", "(1:5)'", "-(1:5)", "char(zeros(1,3))", "['a' 0 'b']",
    "repmat('a',1,5000)", "['ab';'cd']", "@sin", "1e6", "1e7", "1e9", "100000", "2",
    "[1 NaN]", "[1 Inf 3]", "[2 2 2]", "[1 1e300]", "[0 0]", "magic(4)",
    "reshape(1:8,2,2,2)", "cell(2,2)", "int16([1 2 3])", "logical([1 0 1])",
]

# Ways of spoiling a good value E (each a template on {e}).
PERTURBATIONS = [
    "fuzz_poke({e}, {k}, NaN)", "fuzz_poke({e}, {k}, Inf)", "fuzz_poke({e}, {k}, -Inf)",
    "fuzz_poke({e}, {k}, -1)", "fuzz_poke({e}, {k}, 0)", "fuzz_poke({e}, {k}, 1e300)",
    "fuzz_poke({e}, {k}, -1e300)", "fuzz_poke({e}, {k}, 1e-300)", "fuzz_poke({e}, {k}, 0.5)",
    "fuzz_poke({e}, {k}, 2^31)", "fuzz_poke({e}, {k}, 1e10)", "fuzz_poke({e}, {k}, 1i)",
    "fuzz_poke({e}, {k}, 2^53+2)", "fuzz_poke({e}, {k}, 1e7)",
    "single({e})", "int32({e})", "uint8({e})", "int64({e})", "logical({e})", "complex({e})",
    "sparse({e})", "({e})'", "reshape({e}, 1, 1, [])", "{e}(:)", "[{e}, {e}]", "[{e}; {e}]",
    "({e})*1e300", "({e})*1e-300", "-({e})", "({e})+0.5", "({e})*0", "({e})(1)",
    "({e})([])", "repmat({e}, 1, 50)", "num2cell({e})", "{{{e}}}", "struct('v', {{{e}}})",
    "char(65 + mod(abs(round({e})), 26))", "({e}) > 0", "({e})*1e6", "({e})*1e15",
    "round(({e})*1e9)", "({e})(end:-1:1)", "cat(3, {e}, {e})",
]

# Ways of spoiling a good string S (each a template on {s}).
STRING_PERTURBATIONS = [
    "upper({s})", "[{s} 'x']", "({s})(1:end-1)", "''", "[{s} char(0)]", "[char(0) {s}]",
    "({s})'", "reshape({s}, 1, 1, [])", "{{{s}}}", "double({s})", "repmat({s}, 1, 40)",
    "[{s}; {s}]", "[' ' {s}]", "[{s} ' ']", "char(double({s}) + 128)", "single({s})",
]

# For arguments that set the amount of work (sizes, iteration and epoch
# budgets): values that are refused, or small.  A mid-sized value such as
# MaxIter = 2^31 - 1 or d = 1e7 is work the caller asked for, not a hang.
HEAVY_SAFE = [
    "[]", "NaN", "Inf", "-Inf", "-1", "0", "0.5", "1e300", "-1e300", "1e-300", "2^31", "2^32",
    "2^53", "2^63", "1e18", "1e10", "1+2i", "'x'", "''", "{1}", "struct('a',1)", "sparse(1)",
    "single(NaN)", "single(3)", "int8(-3)", "int32(3)", "uint64(18446744073709551615)", "true",
    "zeros(0,3)", "ones(3,3,2)", "ones(1,1,3)", "NaN(2)", "1:5", "@sin", "2", "3", "[1 NaN]",
]
HEAVY_PERTURBATIONS = [
    "fuzz_poke({e}, {k}, NaN)", "fuzz_poke({e}, {k}, Inf)", "fuzz_poke({e}, {k}, -1)",
    "fuzz_poke({e}, {k}, 0)", "fuzz_poke({e}, {k}, 1e300)", "fuzz_poke({e}, {k}, 0.5)",
    "fuzz_poke({e}, {k}, 2^53+2)", "fuzz_poke({e}, {k}, 1i)", "fuzz_poke({e}, {k}, 1e18)",
    "single({e})", "int32({e})", "complex({e})", "sparse({e})", "({e})'",
    "reshape({e}, 1, 1, [])", "{e}(:)", "-({e})", "({e})+0.5", "({e})*0", "({e})([])",
    "num2cell({e})", "{{{e}}}", "({e}) > 0", "({e})*1e300",
]

OPTION_NAME_SPOILS = [
    "upper({s})", "lower({s})", "[{s} 'x']", "({s})(1:end-1)", "''", "[{s} char(0) 'x']",
    "({s})'", "reshape({s}, 1, 1, [])", "{{{s}}}", "double({s})", "1", "[]", "'NoSuchOption'",
    "repmat('A', 1, 200)", "[{s}; {s}]",
]


def q(text):
    """An Octave single-quoted string literal."""
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------- specs ---

class Spec:
    """A public function: good positional argument lists (variants), its
    options with good values, and how it may be called."""

    def __init__(self, name, variants, options=None, nargout=1, kind="mex",
                 budget=(), string_args=(), fixed_tail=(), weight=1.0, special=None,
                 max_in=None, heavy=(), special_rate=0.35):
        self.name = name
        self.variants = variants          # lists of argument expressions
        self.options = options or {}      # name -> list of good value expressions
        self.nargout = nargout            # most outputs
        self.kind = kind                  # "mex" or "m"
        self.budget = set(budget)         # options that set the amount of work
        self.string_args = set(string_args)  # positions holding strings
        self.fixed_tail = list(fixed_tail)   # appended to every call (e.g. a safe Out)
        self.weight = weight
        self.special = special            # extra generator: rng -> (setup, call, tags)
        self.max_in = max_in
        self.heavy = set(heavy)           # positions that set the amount of work
        self.special_rate = special_rate  # share of calls from the special generator


H = "reshape(sin(1:48), 4, 12)"
Y = "repmat(1:3, 1, 4)"
W = "reshape(cos(1:12), 3, 4)"
B = "[0.1; -0.2; 0.1]"
Z3 = "[2 -1 -1; -1 2 -1; -1 -1 2]"
X = "single(reshape(mod(1:64*30, 7)/7, 64, 30))"
XY = "repmat(1:3, 1, 10)"


def metrics_stream(rng):
    """A streaming nc_metrics session with one step spoiled."""
    state_fields = ["kind", "d", "K", "weighting", "rank_tol", "pass", "rank", "counts",
                    "sums", "means", "centre", "basis"]
    init_args = ["4", "3"]
    if rng.random() < 0.5:
        init_args += [W, B]
    steps = ["S = nc_metrics('init', %s);" % ", ".join(init_args),
             "S = nc_metrics(S, H, y);", "S = nc_metrics(S, 'pass2');",
             "S = nc_metrics(S, H, y);", "R = nc_metrics(S);"]
    cut = rng.randrange(1, len(steps))
    spoil = rng.choice(["field", "chunk", "order", "verb", "empty"])
    if spoil == "field":
        f = rng.choice(state_fields + ["nosuch"])
        v = rng.choice(BAD_VALUES + ["'<remove>'"])
        steps.insert(cut, "S = fuzz_set(S, %s, %s);" % (q(f), v))
    elif spoil == "chunk":
        hv = rng.choice([H, "zeros(4,0)", "H(:, 1:5)", "single(H)", "H(1:3, :)", "NaN(4, 2)"] +
                        [p.format(e="H", k=rng.randint(1, 48)) for p in PERTURBATIONS[:14]])
        yv = rng.choice([Y, "y(1:5)", "zeros(1,0)", "[NaN 1i]", "y + 10", "y - 1", "[]"])
        steps.insert(cut, "S = nc_metrics(S, %s, %s);" % (hv, yv))
    elif spoil == "order":
        steps = steps[:1] + rng.sample(steps[1:], len(steps) - 1)
    elif spoil == "verb":
        steps.insert(cut, "S = nc_metrics(S, %s);" % rng.choice(
            ["'pass3'", "'PASS2'", "'init'", "1", "[]", "'pass2', 1"]))
    else:
        steps.insert(cut, "S = nc_metrics(S, zeros(4, 0), zeros(1, 0));")
    return "H = %s; y = %s;" % (H, Y), " ".join(steps), ["stream"]


def read_npy_corpus(rng):
    seed = rng.randrange(1, 10 ** 6)
    opts = rng.choice(["", ", 'HeaderOnly', true", ", 'Transpose', true",
                       ", 'Rows', [1 2]", ", 'Rows', [2 1]", ", 'Rows', [1 1e18]",
                       ", 'Rows', [0 1]", ", 'Transpose', true, 'Rows', [1 1]"])
    nout = rng.choice(["X = ", "[X, info] = ", ""])
    return "f = fuzz_npy(%d);" % seed, "%snc_read_npy(f%s);" % (nout, opts), ["corpus"]


def fmnist_corpus(rng):
    seed = rng.randrange(1, 10 ** 6)
    split = rng.choice(["'train'", "'test'"])
    return "d = fuzz_idx(%d);" % seed, "[X, y] = nc_fmnist(%s, 'Dir', d);" % split, ["corpus"]


def mlp_checkpoint(rng):
    seed = rng.randrange(1, 10 ** 6)
    base = "%s, %s, 'Epochs', 1, 'Hidden', 8, 'Verbose', false" % (X, XY)
    setup = "f = fuzz_tmp('ckpt_%d.bin'); if exist(f, 'file'), delete(f); end" % seed
    call = ("nc_mlp_train(%s, 'Checkpoint', f); fuzz_corrupt(f, %d); "
            "nc_mlp_train(%s, 'Checkpoint', f, 'Epochs', 2);" % (base, seed, base))
    return setup, call, ["corpus"]


SPECS = [
    Spec("nc_solve", [["[50 20 5]", "1e-3", "0.01"], ["[10 10]", "0.05", "0"]],
         {"Tol": ["1e-6", "1e-9"], "MaxIter": ["100", "1000"], "Zbar0": ["zeros(3)", "[]"],
          "b0": ["zeros(3,1)", "[]"], "Verbose": ["0", "false"]}, nargout=3),
    Spec("nc_theory", [["[2 3]", "[50 5]", "1e-3", "0.01"], ["2", "[10]", "0.01", "0"]],
         nargout=1),
    Spec("nc_thresholds", [["[2 3]", "[50 5]", "0.01"], ["[2 3]", "[50 5]"]],
         {"LambdaZ": ["1e-3"]}),
    Spec("nc_limit", [["[2 3]", "[2 1]", "5", "[10 100]", "0.01"]]),
    # the count vector sets the work (a path costs a few solves per class)
    Spec("nc_collapse_path", [["[50 20 5]", "0.01"], ["[10 10 3]", "0"]],
         {"Tol": ["1e-6", "1e-10"], "MaxProbes": ["5", "20"], "Verbose": ["0"]},
         budget=("MaxProbes",), heavy=(0,)),
    Spec("nc_oversample", [["[50 20 5]", "0.01"], ["[50 20 5]", "0.002", "0"]], heavy=(0,)),
    Spec("nc_longtail", [["'exponential'", "5", "10", "100"], ["'step'", "4", "2", "10"],
                         ["'pareto'", "6", "8", "80"]],
         {"Fraction": ["0.5"], "Alpha": ["6"]}, string_args=(0,), heavy=(1,)),
    Spec("nc_metrics", [[H, Y], [H, Y, W, B], [H, Y, W], [H, Y, "[]", "[]"],
                        ["single(%s)" % H, Y]],
         {"Weighting": ["'samples'", "'classes'"], "RankTol": ["0", "1e-8"], "K": ["3", "5"],
          "Verbose": ["false"]}, special=metrics_stream, weight=1.5),
    Spec("nc_read_npy", [["fuzz_npy(7)"]],
         {"Rows": ["[1 1]"], "Transpose": ["true", "false"], "HeaderOnly": ["false"]},
         nargout=2, special=read_npy_corpus, weight=2.0, special_rate=0.7),
    Spec("nc_ufm_train", [["[6 3 2]", "4", "1e-3", "1e-4", "0.01"]],
         {"MaxIter": ["50", "200"], "Tol": ["1e-6"], "LearningRate": ["0", "0.1"],
          "Momentum": ["0.9", "0"], "InitScale": ["0.1"], "Seed": ["3"],
          "HistoryEvery": ["10", "0"], "Verbose": ["false"]},
         budget=("MaxIter", "Tol", "LearningRate", "Momentum", "InitScale", "HistoryEvery"),
         heavy=(0, 1)),
    Spec("nc_fmnist", [["'test'"], []], {"Dir": ["fuzz_idx(11)"]}, nargout=2,
         string_args=(0,), special=fmnist_corpus, weight=1.0, special_rate=0.5),
    Spec("nc_subset", [[Y, "[2 2 2]", "1"], [Y, "'Dataset_1'", "0"]], {"Scale": ["1", "0.5"]},
         string_args=()),
    Spec("nc_mlp_train", [[X, XY]],
         {"Epochs": ["1"], "Hidden": ["8", "[8 4]"], "BatchSize": ["10"],
          "LearningRate": ["0.01"], "LrDrop": ["0.1"], "DropAt": ["0"], "Momentum": ["0.9"],
          "LambdaW": ["1e-3"], "LambdaH": ["1e-6"], "LambdaB": ["1e-2"],
          "WeightDecay": ["5e-4"], "Seed": ["1"], "Verbose": ["false"],
          "CheckpointEvery": ["1"], "TestX": [X], "TestY": [XY], "Features": ["true"],
          "Conv": ["[]", "2"], "ImageSize": ["[8 8]"]},
         budget=("Epochs", "BatchSize", "Hidden", "Conv", "ImageSize", "DropAt",
                 "CheckpointEvery"),
         special=mlp_checkpoint, weight=1.5, special_rate=0.15),
    Spec("nc_lambda", [["5e-3", "5e-5"], ["[1 4]", "1"]], kind="m", max_in=2),
    Spec("nc_factor", [[Z3, "[50 20 5]", "5e-3", "5e-5"]], nargout=2, kind="m", max_in=4),
    Spec("nc_zbar_stats", [[Z3, "[2 1]"], [Z3]], kind="m", max_in=2),
    Spec("nc_compare", [[Z3, "%s + 0.1" % Z3, "[1; -1; 0]", "[1; -1; 0.5]"],
                        [Z3, "%s + 0.1" % Z3]], kind="m", max_in=4),
    # A valid parse runs the figures: a last 'Out' that cannot be created
    # stops every call right after option parsing.
    Spec("nc_figures", [[]], {"Profile": ["'smoke'", "'quick'"], "Figures": ["'fig1'",
                                                                          "{'fig1', 'phase'}"],
                              "Verbose": ["false"], "Out": ["'/proc/ncufm-fuzz/out'"]},
         nargout=0, kind="m", fixed_tail=["'Out'", "'/proc/ncufm-fuzz/out'"], weight=0.7),
    Spec("nc_version", [[]], kind="m", max_in=0, weight=0.2),
    # A valid call would rebuild the MEX files under test, or put m/ ahead
    # of them on the path: both always get a last argument they refuse.
    Spec("nc_build", [[]], {"Out": ["'/proc/ncufm-fuzz/out'"], "Verbose": ["false"],
                            "GslPrefix": ["'/usr'"]},
         nargout=0, kind="m", fixed_tail=["'NoSuchOption'", "1"], weight=0.3),
    Spec("nc_setup", [[]], nargout=0, kind="m", fixed_tail=["1"], max_in=0, weight=0.2),
]

SPEC = {s.name: s for s in SPECS}

# Errors without an ncufm: identifier that are allowed, and only these:
# argument-count errors of .m functions keep the interpreter's identifier
# (too many inputs or outputs, or an input left undefined by a short call).
ALLOWED = [
    ("m", "Octave:invalid-fun-call", r"called with too many (inputs|outputs)"),
    ("m", "Octave:undefined-function", r"'\w+' undefined"),
]


def allowed(spec, tags, ident, msg):
    for kind, want_id, pattern in ALLOWED:
        if spec.kind == kind and ident == want_id and re.search(pattern, msg):
            if want_id == "Octave:undefined-function" and "argcount" not in tags:
                continue
            return True
    return False


# ------------------------------------------------------------ generator ---

def spoil_value(rng, expr, is_string=False, heavy=False):
    if heavy:
        if rng.random() < 0.5:
            return rng.choice(HEAVY_SAFE)
        return rng.choice(HEAVY_PERTURBATIONS).format(e=expr, k=rng.randint(1, 6))
    if is_string and rng.random() < 0.6:
        return rng.choice(STRING_PERTURBATIONS).format(s=expr)
    if rng.random() < 0.5:
        return rng.choice(BAD_VALUES)
    return rng.choice(PERTURBATIONS).format(e=expr, k=rng.randint(1, 6))


def generate(seed, index):
    """Call number INDEX of run SEED: (function, setup, call, display, tags)."""
    rng = random.Random("%d:%d" % (seed, index))
    spec = rng.choices(SPECS, weights=[s.weight for s in SPECS])[0]
    if spec.special and rng.random() < spec.special_rate:
        setup, call, tags = spec.special(rng)
        return spec.name, setup, call, setup + " " + call, tags
    args = list(rng.choice(spec.variants))
    opts = []
    names = list(spec.options)
    # a few good options, so that combinations are exercised
    for name in rng.sample(names, min(len(names), rng.randint(0, 2))):
        opts.append([q(name), rng.choice(spec.options[name])])
    if spec.name == "nc_ufm_train":
        opts.append(["'MaxIter'", "50"])
    if spec.name == "nc_mlp_train":
        opts += [["'Epochs'", "1"], ["'Hidden'", "8"], ["'Verbose'", "false"]]
    if spec.name == "nc_fmnist" and rng.random() < 0.95:
        # the installed data take seconds to read: mostly small corpus folders
        opts.append(["'Dir'", "fuzz_idx(%d)" % rng.randrange(1, 10 ** 6)])
    tags = []
    budget_spoiled = False
    nout = spec.nargout if rng.random() < 0.9 else rng.randint(0, spec.nargout)
    # some calls keep every argument good, so that success paths run too
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
        op = rng.choice(["arg", "arg", "arg", "drop", "extra", "optname", "optvalue",
                         "optvalue", "odd", "nargout"])
        if op == "arg" and args:
            p = rng.randrange(len(args))
            args[p] = spoil_value(rng, args[p], p in spec.string_args, p in spec.heavy)
            tags.append("arg%d" % (p + 1))
        elif op == "drop" and args:
            args = args[:rng.randrange(len(args))]
            opts = []
            tags.append("argcount")
        elif op == "extra":
            args += [rng.choice(BAD_VALUES) for _ in range(rng.randint(1, 3))]
            tags.append("argcount")
        elif op == "optname":
            name = rng.choice(names) if names else "Tol"
            opts.append([rng.choice(OPTION_NAME_SPOILS).format(s=q(name)),
                         rng.choice(BAD_VALUES + spec.options.get(name, ["1"]))])
            tags.append("optname")
        elif op == "optvalue" and names:
            name = rng.choice(names)
            if name in spec.budget:
                if budget_spoiled:
                    continue
                budget_spoiled = True
                tags.append("budget")
            good = rng.choice(spec.options[name])
            # case-insensitive names are part of the contract
            shown = rng.choice([name, name.lower(), name.upper()])
            opts.append([q(shown), spoil_value(rng, good, heavy=name in spec.budget)])
            tags.append("opt:" + name)
        elif op == "odd":
            opts.append([rng.choice([q(n) for n in names] + ["'Tol'", "1"])])
            tags.append("odd")
        elif op == "nargout":
            nout = rng.randint(0, spec.nargout + 3)
            tags.append("nargout")
    flat = args + [v for pair in opts for v in pair] + spec.fixed_tail
    if nout > spec.nargout and spec.kind == "m":
        tags.append("argcount")
    lhs = ""
    if nout == 1:
        lhs = "o1 = "
    elif nout > 1:
        lhs = "[%s] = " % ", ".join("o%d" % i for i in range(1, nout + 1))
    setup = "A__ = {%s};" % ", ".join(flat)
    call = "%s%s(A__{:});" % (lhs, spec.name)
    display = "%s%s(%s);" % (lhs, spec.name, ", ".join(flat))
    return spec.name, setup, call, display, tags


# --------------------------------------------------------------- runner ---

class Outcome:
    def __init__(self, index, status, ident="", msg="", seconds=0.0):
        self.index, self.status, self.ident, self.msg, self.seconds = (
            index, status, ident, msg, seconds)


def octave_command(args, batchfile):
    mexdir = args.mexdir or ""
    script = ("addpath('%s'); fuzz_start('%s', '%s'); fuzz_batch('%s');" %
              (FUZZ_DIR, ROOT, mexdir, batchfile))
    return [args.octave, "--no-gui", "--norc", "--quiet", "--eval", script]


def run_batch(args, cases):
    """Runs CASES (index, setup, call) in one Octave process.  Returns
    (outcomes, end) with end = ("done",), ("hang", index), or
    ("died", index or None, returncode, stderr text)."""
    tmp = tempfile.mkdtemp(prefix="ncufm-fuzz-")
    batchfile = os.path.join(tmp, "cases.txt")
    with open(batchfile, "w") as f:
        for index, setup, call in cases:
            f.write("%d\t%s\t%s\n" % (index, setup.replace("\t", " "), call.replace("\t", " ")))
    errpath = os.path.join(tmp, "stderr.txt")
    env = dict(os.environ, NCUFM_FUZZ_TMP=tmp, OPENBLAS_NUM_THREADS="1")
    env.update(args.child_env)
    outcomes = []
    current, started = None, time.time()
    deadline = args.startup
    with open(errpath, "w") as err:
        proc = subprocess.Popen(octave_command(args, batchfile), stdout=subprocess.PIPE,
                                stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    buf = b""
    end = None
    while end is None:
        wait = max(0.0, deadline - (time.time() - started))
        ready, _, _ = select.select([proc.stdout], [], [], min(wait, 1.0))
        if not ready:
            if time.time() - started > deadline:
                if current is None:
                    end = ("died", None, "startup timeout", "")
                else:
                    end = ("hang", current)
                interrupted = stop(proc)
                if end[0] == "hang":
                    end = ("hang", current, interrupted)
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            proc.wait()
            with open(errpath, errors="replace") as f:
                end = ("died", current, proc.returncode, stderr_excerpt(f.read()))
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode(errors="replace")
            if not text.startswith("@@FUZZ "):
                continue
            parts = text.split(" ", 5)
            if parts[1] == "B":
                current, started, deadline = int(parts[2]), time.time(), args.timeout
            elif parts[1] == "E":
                status, ident = parts[3], parts[4]
                outcomes.append(Outcome(int(parts[2]), status, "" if ident == "-" else ident,
                                        parts[5] if len(parts) > 5 else "",
                                        time.time() - started))
                current, started = None, time.time()
            elif parts[1] == "DONE":
                end = ("done",)
                break
    if end[0] == "done":
        proc.wait()
    shutil.rmtree(tmp, ignore_errors=True)
    return outcomes, end


def stop(proc):
    """Ctrl-C first (a gateway that honours it returns within a second),
    then SIGKILL.  Returns True when Ctrl-C alone ended the process."""
    try:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=3)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def dies(args, cases):
    _, end = run_batch(args, cases)
    return end[0] == "died", end


SANITIZER = re.compile(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                       r"ERROR: UndefinedBehaviorSanitizer)")


def culprit(args, prefix):
    """The shortest tail of PREFIX (whose last call killed a process) that
    still kills one: the last call alone, else a bisection on the start."""
    died, end = dies(args, prefix[-1:])
    if died:
        return prefix[-1:], end
    died, end = dies(args, prefix)
    if not died:
        return None, end
    lo, hi = 0, len(prefix) - 1   # prefix[lo:] dies, prefix[hi:] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        d, e = dies(args, prefix[mid:])
        if d:
            lo, end = mid, e
        else:
            hi = mid
    return prefix[lo:], end


def selftest(args):
    """Checks the machinery on calls whose outcome is known: a sanitizer
    report in the middle of a batch (fuzz_selftest, built with the
    sanitizers) is a death named after its call, a call that does not
    return is a hang, and an error without an identifier is counted."""
    ok = True
    cases = [(0, "", "nc_lambda(1, 1);"), (1, "", "fuzz_selftest(1e300, 1);"),
             (2, "", "nc_lambda(2, 2);")]
    outcomes, end = run_batch(args, cases)
    tail, dend = culprit(args, cases[:2]) if end[0] == "died" else (None, None)
    report = (dend[3] if dend and len(dend) > 3 else "") or ""
    good = (end[0] == "died" and end[1] == 1 and tail is not None and len(tail) == 1 and
            tail[0][0] == 1 and SANITIZER.search(report) is not None)
    print("fuzz selftest: sanitizer report named after its call: %s" % ("ok" if good else
                                                                       "FAILED %r" % (end,)))
    ok = ok and good
    saved, args.timeout = args.timeout, 3.0
    outcomes, end = run_batch(args, [(0, "", "pause(600);")])
    args.timeout = saved
    good = end[0] == "hang" and end[1] == 0
    print("fuzz selftest: a call that does not return is a hang: %s" % ("ok" if good else
                                                                        "FAILED %r" % (end,)))
    ok = ok and good
    outcomes, end = run_batch(args, [(0, "", "error('no identifier');")])
    good = (end[0] == "done" and len(outcomes) == 1 and outcomes[0].status == "err" and
            outcomes[0].ident == "")
    print("fuzz selftest: an error without an identifier is seen: %s" % ("ok" if good else
                                                                         "FAILED"))
    return 0 if ok and good else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0, help="index of the first call")
    ap.add_argument("--batch", type=int, default=500, help="calls per Octave process")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per call")
    ap.add_argument("--startup", type=float, default=120.0, help="seconds for Octave to start")
    ap.add_argument("--mexdir", default="", help="folder of MEX files to test (default m/)")
    ap.add_argument("--octave", default=os.environ.get("OCTAVE", "octave-cli"))
    ap.add_argument("--log", default="", help="write one JSON line per call here")
    ap.add_argument("--show", type=int, default=None, help="print call SHOW and exit")
    ap.add_argument("--quiet", action="store_true", help="failures and the counts only")
    ap.add_argument("--selftest", action="store_true",
                    help="check the machinery (needs fuzz_selftest in --mexdir)")
    ap.add_argument("--child-env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment of the Octave processes only (e.g. LD_PRELOAD)")
    args = ap.parse_args()
    args.child_env = dict(item.split("=", 1) for item in args.child_env)
    if args.mexdir:
        args.mexdir = os.path.abspath(args.mexdir)

    if args.selftest:
        return selftest(args)
    if args.show is not None:
        name, setup, call, display, tags = generate(args.seed, args.show)
        print(display)
        return 0

    calls = {}
    for i in range(args.first, args.first + args.calls):
        calls[i] = generate(args.seed, i)
    order = sorted(calls)
    log = open(args.log, "w") if args.log else None
    counts = dict(calls=0, ok=0, ncufm=0, allowed=0, deaths=0, sanitizer=0, hangs=0,
                  bad_id=0, setup=0, processes=0)
    failures = []
    skipped = []
    slowest = []
    per_function = {}
    t0 = time.time()
    pos = 0
    while pos < len(order):
        chunk = order[pos:pos + args.batch]
        cases = [(i, calls[i][1], calls[i][2]) for i in chunk]
        outcomes, end = run_batch(args, cases)
        counts["processes"] += 1
        for o in outcomes:
            name, _, _, display, tags = calls[o.index]
            spec = SPEC[name]
            counts["calls"] += 1
            stat = per_function.setdefault(name, dict(calls=0, ok=0, ncufm=0, other=0))
            stat["calls"] += 1
            verdict = "ok"
            if o.status == "ok":
                counts["ok"] += 1
                stat["ok"] += 1
            elif o.status == "setup":
                # spoiling twice can make a value Octave itself refuses to
                # build (logical(NaN)): nothing of ours was called
                counts["setup"] += 1
                verdict = "setup"
                if len(skipped) < 5:
                    skipped.append("%s   [%s] %s" % (display, o.ident, o.msg))
            elif o.ident.startswith("ncufm:"):
                counts["ncufm"] += 1
                stat["ncufm"] += 1
            elif allowed(spec, tags, o.ident, o.msg):
                counts["allowed"] += 1
                verdict = "allowed"
            else:
                counts["bad_id"] += 1
                stat["other"] += 1
                verdict = "bad_id"
                failures.append(("error without an ncufm: identifier", display,
                                 "[%s] %s" % (o.ident, o.msg)))
            slowest = sorted(slowest + [(o.seconds, display)], reverse=True)[:5]
            if log:
                log.write(json.dumps(dict(i=o.index, f=name, status=o.status, id=o.ident,
                                          verdict=verdict, s=round(o.seconds, 4),
                                          call=display)) + "\n")
        done = {o.index for o in outcomes}
        if end[0] == "done":
            pos += len(chunk)
        else:
            at = end[1]
            if at is None and not done:   # Octave did not start
                failures.append(("process died before its first call",
                                 "(calls %d to %d not run)" % (chunk[0], chunk[-1]),
                                 str(end[2:])[:3000]))
                counts["deaths"] += 1
                pos += len(chunk)
                continue
            if at is None:
                # died between calls, or on exit: the last call finished is
                # the suspect, and re-running finds whether it is guilty
                at = max(done)
            else:
                name = calls[at][0]
                counts["calls"] += 1
                per_function.setdefault(name, dict(calls=0, ok=0, ncufm=0, other=0))["calls"] += 1
            name, _, _, display, _ = calls[at]
            if end[0] == "hang":
                counts["hangs"] += 1
                failures.append(("hang (> %g s; %s)" % (args.timeout,
                                 "Ctrl-C ended it" if end[2] else "Ctrl-C did not end it"),
                                 display, ""))
            else:
                counts["deaths"] += 1
                k = chunk.index(at)
                prefix = [(i, calls[i][1], calls[i][2]) for i in chunk[:k + 1]]
                tail, dend = culprit(args, prefix)
                report = end[3] if len(end) > 3 else ""
                if dend and len(dend) > 3 and dend[3]:
                    report = dend[3]
                if SANITIZER.search(report or ""):
                    counts["sanitizer"] += 1
                if tail is None:
                    what = display + "   (did not die again when re-run)"
                elif len(tail) == 1:
                    what = display
                else:
                    what = " ".join(calls[i][3] for i, _, _ in tail)
                failures.append(("process died (exit %s)" % (end[2],), what,
                                 sanitizer_excerpt(report)))
            pos = order.index(at) + 1
        if log:
            log.flush()
        elapsed = time.time() - t0
        if not args.quiet:
            sys.stderr.write("fuzz: %d/%d calls, %.0f s, %d failures\n" %
                             (counts["calls"], len(order), elapsed, len(failures)))
    if log:
        log.close()

    if not args.quiet:
        for call in skipped:
            print("fuzz: skipped (Octave refused to build the arguments): %s" % call)
        for seconds, call in slowest:
            print("fuzz: slow call (%.2f s): %s" % (seconds, call))
    for what, call, detail in failures:
        print("FAIL %s:\n    %s\n    %s" % (what, call, detail.replace("\n", "\n    ")))
    if not args.quiet:
        print("fuzz: per function (calls / succeeded / ncufm: errors / other errors):")
        for name in sorted(per_function):
            s = per_function[name]
            print("    %-14s %6d %6d %6d %4d" % (name, s["calls"], s["ok"], s["ncufm"],
                                                s["other"]))
    print("fuzz: seed %d, %d calls in %d processes, %.0f s: %d succeeded, %d ncufm: errors, "
          "%d allowed exceptions; %d deaths, %d sanitizer reports, %d hangs, "
          "%d errors without an ncufm: identifier; %d skipped" %
          (args.seed, counts["calls"], counts["processes"], time.time() - t0, counts["ok"],
           counts["ncufm"], counts["allowed"], counts["deaths"], counts["sanitizer"],
           counts["hangs"], counts["bad_id"], counts["setup"]))
    return 1 if failures else 0


def stderr_excerpt(text):
    """From the first sanitizer report on (they end in long stacks), else the end."""
    m = SANITIZER.search(text)
    start = max(0, text.rfind("\n", 0, m.start()) + 1) if m else max(0, len(text) - 3000)
    return text[start:start + 3000]


def sanitizer_excerpt(report):
    lines = (report or "").splitlines()
    for i, line in enumerate(lines):
        if SANITIZER.search(line):
            return "\n".join(lines[i:i + 12])
    return "\n".join(lines[-8:])


if __name__ == "__main__":
    sys.exit(main())
