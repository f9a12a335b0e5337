#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Baseline (b) of the solver benchmark: a generic interior-point solver.

Solves the reduced program of docs/theory.md eq. (2.2),

    min_{Zbar, b}  (1/N) sum_k n_k CE(zbar_k + b, k)
                   + lZ ||Zbar diag(sqrt(n))||_* + lb ||b||^2,

with CVXOPT's cp (nonlinear convex objective, cone constraints).  Log-sum-exp
is not a CVXOPT cone, so the cross entropy stays in the nonlinear objective
f0 with its exact gradient and Hessian; the nuclear norm goes through its
semidefinite epigraph

    lZ ||Y||_* <= (tr U + tr V) / 2  iff some U, V make [[U, lZ Y], [lZ Y', V]] PSD,

with Y = Zbar diag(sqrt(n)) linear in the variables.  The scaling matters:
variables are kept in the Zbar scale (entries of order the logits) and lZ
sits inside the cone, so U and V are of order lZ ||Y|| like the loss.  With
the plain epigraph ||Y||_* <= (tr U + tr V)/2 and lZ in the cost, U and V
are ~1/lZ times larger and cp stalls ("unknown" after 200 iterations at
the Figure 1 lambdas, lZ = 6.3e-5); scaled, it converges there.  The job
field "scaled": false selects the plain form, to show that.

Only CVXOPT and the standard library are used (Debian's python3-cvxopt does
not pull in numpy).

Usage: cvxopt_solve.py IN.json OUT.json
IN:  {"n": [...], "lambda_Z": x, "lambda_b": x, "tol": x, "max_time": s,
      "max_iters": m, "scaled": true}
OUT: {"status": cvxopt status | "timeout" | "error", "message": str,
      "Zbar": K*K column-major, "b": K, "objective": exact objective of the
      returned point (true nuclear norm, not the epigraph variable),
      "time": solver seconds (monitoring excluded), "evaluations": number
      of Hessian evaluations (cp makes about two per iteration),
      "history": [[seconds, objective], ...] at every Hessian evaluation,
      i.e. at the interior-point iterates, so the caller can read off when
      an accuracy was reached}

The time cap is enforced between iterations (the objective callback raises);
the caller should also wrap the process in timeout(1) because one Newton
system of a large instance can outlast the cap on its own.
"""
import json
import math
import os
import sys
import time

from cvxopt import lapack, matrix, solvers, spmatrix


class Timeout(Exception):
    pass


def build_cone(n, lZ):
    """G with G x + s = 0, s = vec([[U, lZ Y], [lZ Y', V]]) in the PSD cone.

    x = [vec(Zbar) (K*K, column-major), b (K), lower triangle of U, of V]."""
    K = len(n)
    sq = [lZ * math.sqrt(v) for v in n]
    pairs = [(i, j) for j in range(K) for i in range(j, K)]
    m = len(pairs)
    iU = K * K + K
    iV = iU + m
    M = 2 * K
    rows, cols, vals = [], [], []

    def put(r, c, var, val):
        rows.append(r + c * M)
        cols.append(var)
        vals.append(-val)

    for k in range(K):
        for l in range(K):
            var = l + k * K
            put(l, K + k, var, sq[k])          # upper-right block: lZ Y
            put(K + k, l, var, sq[k])          # lower-left block: lZ Y'
    trace = [0.0] * (iV + m)
    for t, (i, j) in enumerate(pairs):
        put(i, j, iU + t, 1.0)
        put(K + i, K + j, iV + t, 1.0)
        if i != j:
            put(j, i, iU + t, 1.0)
            put(K + j, K + i, iV + t, 1.0)
        else:
            trace[iU + t] = 0.5
            trace[iV + t] = 0.5
    nvar = iV + m
    return spmatrix(vals, rows, cols, (M * M, nvar)), trace, nvar


def softmax_terms(x, K, w, lb):
    """Smooth part of the objective and the softmax columns P[k] at x."""
    b = [x[K * K + l] for l in range(K)]
    f = lb * sum(v * v for v in b)
    P = []
    for k in range(K):
        v = [x[l + k * K] + b[l] for l in range(K)]
        m = max(v)
        e = [math.exp(t - m) for t in v]
        s = sum(e)
        f += w[k] * (m + math.log(s) - v[k])
        P.append([t / s for t in e])
    return f, P, b


def nuclear(x, K, sq):
    Y = matrix([x[l + k * K] * sq[k] for k in range(K) for l in range(K)], (K, K))
    s = matrix(0.0, (K, 1))
    lapack.gesvd(Y, s)
    return sum(s)


def solve(n, lZ, lb, tol, max_time, max_iters, scaled=True):
    K = len(n)
    N = sum(n)
    w = [v / N for v in n]
    sq = [math.sqrt(v) for v in n]
    G, trace, nvar = build_cone(n, lZ if scaled else 1.0)
    lin = trace if scaled else [lZ * t for t in trace]
    h = matrix(0.0, (G.size[0], 1))
    dims = {"l": 0, "q": [], "s": [2 * K]}
    nb = K * K
    state = {"monitor": 0.0, "history": [], "best": None, "t0": None}

    def exact_objective(x):
        return softmax_terms(x, K, w, lb)[0] + lZ * nuclear(x, K, sq)

    def F(x=None, z=None):
        if x is None:
            return 0, matrix([1.0 if t > 0 else 0.0 for t in trace])  # U = V = I
        fs, P, b = softmax_terms(x, K, w, lb)
        f = fs + sum(lin[i] * x[i] for i in range(nb + K, nvar))
        grad = list(lin)
        for k in range(K):
            for l in range(K):
                r = w[k] * (P[k][l] - (l == k))
                grad[l + k * K] = r
                grad[nb + l] += r
        for l in range(K):
            grad[nb + l] += 2 * lb * b[l]
        Df = matrix(grad, (1, nvar))
        if z is None:
            return f, Df
        # an iterate: record its exact objective and time, off the clock
        tm = time.perf_counter()
        obj = fs + lZ * nuclear(x, K, sq)
        state["history"].append([tm - state["t0"] - state["monitor"], obj])
        if state["best"] is None or obj < state["best"][0]:
            state["best"] = (obj, matrix(x))
        state["monitor"] += time.perf_counter() - tm
        if tm - state["t0"] - state["monitor"] > max_time:
            raise Timeout()
        # class k touches (zbar_k, b) through v_k = zbar_k + b with
        # curvature w_k (diag p_k - p_k p_k')
        z0 = z[0]
        H = matrix(0.0, (nvar, nvar))
        for l in range(K):
            H[nb + l, nb + l] = z0 * 2 * lb
        for k in range(K):
            p = P[k]
            c = z0 * w[k]
            for i in range(K):
                for j in range(K):
                    s = c * ((p[i] if i == j else 0.0) - p[i] * p[j])
                    H[i + k * K, j + k * K] = s
                    H[i + k * K, nb + j] = s
                    H[nb + i, j + k * K] = s
                    H[nb + i, nb + j] += s
        return f, Df, H

    solvers.options.update({"show_progress": False, "maxiters": int(max_iters),
                            "abstol": tol, "reltol": tol, "feastol": tol})
    state["t0"] = time.perf_counter()
    try:
        sol = solvers.cp(F, G=G, h=h, dims=dims)
        status, message = sol["status"], ""
        x = sol["x"]
        # cp's last point can be worse than its best iterate when it stalls
        if state["best"] is not None and state["best"][0] < exact_objective(x):
            x = state["best"][1]
    except Timeout:
        status, message = "timeout", "time cap of %g s reached" % max_time
        x = state["best"][1]
    except (ArithmeticError, ValueError) as err:
        status, message = "error", str(err)
        x = state["best"][1] if state["best"] is not None else matrix(0.0, (nvar, 1))
    elapsed = time.perf_counter() - state["t0"] - state["monitor"]
    return {"status": status, "message": message,
            "Zbar": [x[i] for i in range(nb)], "b": [x[nb + i] for i in range(K)],
            "objective": exact_objective(x), "time": elapsed,
            "evaluations": len(state["history"]), "history": state["history"]}


def main():
    with open(sys.argv[1]) as fh:
        job = json.load(fh)
    n = job["n"]
    n = [float(v) for v in (n if isinstance(n, list) else [n])]
    out = solve(n, float(job["lambda_Z"]), float(job["lambda_b"]),
                float(job.get("tol", 1e-9)), float(job.get("max_time", 120)),
                int(job.get("max_iters", 200)), bool(job.get("scaled", True)))
    tmp = sys.argv[2] + ".part"
    with open(tmp, "w") as fh:
        json.dump(out, fh)
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
