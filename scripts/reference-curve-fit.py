#!/usr/bin/env python3
"""Reference least-squares fits for quicklearn's learning-curve golden test: scipy.optimize.least_squares.

Reads a JSON list of problems on stdin, each {"family", "budgets", "scores", "weights", "max_score",
"starts": [[a, b, c(, d)], ...]} (parameters of the formula on the raw budget, as in issue 21), fits the
family with the same bounds quicklearn uses (non-decreasing, asymptote <= max_score) by the trust-region
reflective method from every start and from scipy's own default start, and prints a JSON list with the
lowest weighted sum of squared errors per problem: [{"sse": ..., "params": [...]}, ...].

mmf4's "start value a <= asymptote c" is not a box constraint: it is fitted as (e, b, c, d) with a = c - e,
e >= 0, the same feasible set.

Needs scipy (engine/requirements-dev.txt).
"""

import json
import sys

import numpy as np
from scipy.optimize import least_squares

EXP_MAX = 5.0
INF = np.inf


def model(family, q, x):
    if family == "pow3":
        a, b, c = q
        return a - b * x ** (-c)
    if family == "pow4":
        a, b, c, d = q
        return a - b * (x + d) ** (-c)
    if family == "mmf4":
        e, b, c, d = q
        a = c - e
        return (a * b + c * x**d) / (b + x**d)
    if family == "exp3":
        a, b, c = q
        return a - b * np.exp(-c * x)
    if family == "log2":
        a, b = q
        return a + b * np.log(x)
    if family == "rectified":
        a, b, c, d = q
        return a - b / (d + x**c)
    raise ValueError(family)


def bounds(family, m, scale):
    if family == "pow3":
        return [-INF, 0, 0], [m, INF, EXP_MAX]
    if family == "pow4":
        return [-INF, 0, 0, 0], [m, INF, EXP_MAX, 100 * scale]
    if family == "mmf4":
        return [0, 1e-300, -INF, 0], [INF, INF, m, EXP_MAX]
    if family == "exp3":
        return [-INF, 0, 0], [m, INF, 200 / scale]
    if family == "log2":
        return [-INF, 0], [INF, INF]
    if family == "rectified":
        return [-INF, 0, 0, 0], [m, INF, EXP_MAX, INF]
    raise ValueError(family)


def to_fit_space(family, q):
    if family == "mmf4":
        a, b, c, d = q
        return [max(0.0, c - a), b, c, d]
    return list(q)


def from_fit_space(family, q):
    if family == "mmf4":
        e, b, c, d = q
        return [c - e, b, c, d]
    return list(q)


def fit(problem):
    family = problem["family"]
    x = np.asarray(problem["budgets"], dtype=float)
    y = np.asarray(problem["scores"], dtype=float)
    sw = np.sqrt(np.asarray(problem["weights"], dtype=float))
    lo, hi = bounds(family, problem["max_score"], float(x.max()))
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)

    def residuals(q):
        with np.errstate(all="ignore"):
            r = sw * (model(family, q, x) - y)
        return np.where(np.isfinite(r), r, 1e150)

    starts = [to_fit_space(family, s) for s in problem["starts"]]
    starts.append(np.ones(len(lo)))  # scipy's curve_fit default start
    best = None
    for s in starts:
        s = np.clip(np.asarray(s, dtype=float), lo, hi)
        # least_squares needs a start strictly inside the bounds.
        span = np.where(np.isfinite(hi - lo), hi - lo, np.maximum(1.0, np.abs(s)))
        s = np.clip(s, lo + 1e-9 * span, hi - 1e-9 * span)
        try:
            res = least_squares(
                residuals, s, bounds=(lo, hi), method="trf", ftol=1e-10, xtol=1e-10, gtol=1e-10, max_nfev=1000
            )
        except (ValueError, FloatingPointError):
            continue
        sse = float(np.sum(residuals(res.x) ** 2))
        if best is None or sse < best["sse"]:
            best = {"sse": sse, "params": from_fit_space(family, res.x.tolist())}
    return best


def main():
    problems = json.load(sys.stdin)
    json.dump([fit(p) for p in problems], sys.stdout)


if __name__ == "__main__":
    main()
