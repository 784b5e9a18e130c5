#!/usr/bin/env python3
"""Fit and evaluate pyBKT, the reference BKT library, for a side-by-side benchmark.

Run it with the interpreter of the venv built by ``../shared/tools/pybkt-venv.sh``
(pyBKT 1.4.3 with its C++/OpenMP extension), as a subprocess of the benchmark::

    .venv-pybkt/bin/python benchmarks/pybkt_reference.py \\
        --train TRAIN.csv --test TEST.csv --num-fits 5 --seed 42 \\
        [--forgets] [--warmup] [--threads K] [--predictions OUT.npy] --json OUT.json

The script is standalone on purpose: it imports nothing from this project, only
the standard library, numpy, pandas, scikit-learn and pyBKT.

What is timed
-------------
``fit_seconds`` is ``time.perf_counter()`` around ``Model.fit(data=frame, ...)``
and nothing else. The CSV is read before the timer, with the same
``pd.read_csv(path, low_memory=False, encoding="latin")`` call pyBKT's own loader
makes, and is handed over unchanged (``skill_name`` stays the integer column
pandas infers), so pyBKT's own data-frame conversion (sort by user, ``apply(str)``
on skills, one string comparison over every row per skill, starts/lengths) stays
inside the timed fit, where pyBKT does it. Under cProfile on the 2-core machine
(standard BKT, 330k rows, 123 skills, num_fits=5) that conversion took 2.8 s of the
4.4 s fit, 2.0 s of it in ``Series == skill`` on the string column, and the C++
E-step 0.9 s; the conversion grows with rows x skills.

Why a data frame rather than ``fit(data_path=...)``: the two run the same code,
except that with a path pyBKT calls ``read_csv`` inside the timer (about 0.06 s on
330k rows), so the frame is the faster of the two for pyBKT and times only the
fitting, which is the fair side of a fit-versus-fit comparison. ``--fit-input
path`` times the path form instead, for an end-to-end (CSV in, parameters out)
comparison. Giving ``skill_name`` to pyBKT already as strings, or switching pandas
back to object strings, did not make its fit measurably faster (pandas 3.1).

pyBKT's ``fit`` mutates the frame it is given (sorts it in place by user id and
turns ``skill_name`` into strings), and a second fit on an already-sorted frame
would do less work; so every fit (the ``--warmup`` one too) gets its own
``DataFrame.copy()``, made before the timer. ``--warmup`` runs one untimed fit on
a separate ``Model`` with the same seed and settings first (same parameters, so
it only takes first-call costs such as imports, page faults and OpenMP start-up
out of the timing). A fresh ``Model(seed=S)`` is made for the timed fit, because
a ``Model``'s random state advances with each fit.

Order of responses (pyBKT 1.4.3, ``pyBKT/util/data_helper.py``)
---------------------------------------------------------------
* Without an ``order_id`` column nothing is sorted by time: pyBKT only does a
  stable (mergesort) sort by ``user_id``, so each learner's responses keep their
  file order, and learners may be interleaved in the file. Checked: a file with
  the learners re-interleaved (within-learner order kept) gives identical
  parameters; reversing the rows gives different ones. So the CSV must be in
  chronological order within each learner, as the shared ASSISTments file is.
* With an ``order_id`` column, pyBKT first sorts by it with pandas' default
  (quicksort, not documented as stable) and then stably by ``user_id``. A reversed
  file with the original order in ``order_id`` gives the original parameters.
  Tied ``order_id`` values kept file order in our checks, but that is not
  guaranteed by the sort it uses.
* Within a learner and skill, responses form one sequence in that order; each
  skill is fitted on its own (standard per-skill BKT).

Test rows pyBKT cannot predict
------------------------------
``Model.predict`` keeps every test row; rows whose skill was not fitted get its
"best effort" default P(correct) = 0.5. Such rows are left out of auc/rmse/
log_loss (``n_test_scored`` counts the rows scored; ``n_test_unscored_skill``
the rows left out) and are NaN in ``--predictions``; ``metrics_all_rows`` gives
the metrics over every row with pyBKT's 0.5 kept, for completeness. If no test
skill was fitted at all, pyBKT's predict raises, and all predictions are NaN.
pyBKT matches skills at predict time with a regular expression built by joining
the fitted skill names with ``|``; a name with regex characters (``(``, ``+``,
``*``...) would not match itself and would silently get 0.5. This script escapes
the names (``re.escape``) before predicting, which changes nothing for plain
names such as the integer skill ids of the shared data.

JSON written (``--json``)
-------------------------
``library``, ``version``, ``model`` ("standard" or "forgets"), ``num_fits``,
``seed``, ``fit_seconds``, ``fit_cpu_seconds`` (``time.process_time()`` over the
same span: CPU seconds of all threads, steadier than wall time on a busy machine),
``predict_seconds`` (``Model.predict`` on the test
frame, its own conversion included), ``auc``, ``rmse``, ``log_loss`` (scikit-learn,
on the scored test rows), ``n_train``, ``n_test``, ``n_test_scored``,
``n_test_unscored_skill``, ``unscored_policy``, ``metrics_all_rows``,
``n_train_skills``, ``params`` ({skill: {prior, learn, forget, guess, slip}}; forget
is 0 for the standard model), ``fit_input``, ``warmup``, ``threads`` (the
OMP_NUM_THREADS in effect, or null when left as is), ``cpu_count`` and
``environment`` (python, numpy, pandas, scikit-learn versions).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Fit pyBKT (the reference BKT library) on a training log, predict a test "
            "log, and write timings, metrics and fitted parameters as JSON. CSV "
            "columns: user_id, skill_name, correct (0/1), rows in chronological "
            "order within each learner (an order_id column, if present, is used by "
            "pyBKT to sort). Run with the .venv-pybkt interpreter."
        )
    )
    parser.add_argument("--train", required=True, help="training CSV")
    parser.add_argument("--test", required=True, help="test CSV (predicted one step ahead)")
    parser.add_argument("--num-fits", type=int, required=True, help="EM restarts per skill (pyBKT num_fits)")
    parser.add_argument("--seed", type=int, required=True, help="pyBKT Model seed")
    parser.add_argument("--forgets", action="store_true", help="fit BKT with forgetting (default: standard BKT)")
    parser.add_argument(
        "--predictions",
        metavar="OUT.npy",
        help=(
            "save P(correct) for every test row, in test-file row order, as a float64 "
            ".npy array; rows of skills not seen in training are NaN"
        ),
    )
    parser.add_argument("--json", required=True, metavar="OUT.json", help="where to write results")
    parser.add_argument(
        "--warmup",
        action="store_true",
        help="run one untimed fit (same settings, separate Model) before the timed one",
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="K",
        help="set OMP_NUM_THREADS=K before importing pyBKT (default: leave it as is)",
    )
    parser.add_argument(
        "--fit-input",
        choices=("dataframe", "path"),
        default="dataframe",
        help=(
            "dataframe (default): read the CSV before the timer and time fit(data=frame);"
            " path: time fit(data_path=TRAIN), pyBKT's CSV read included"
        ),
    )
    args = parser.parse_args(argv)
    if args.num_fits < 1:
        parser.error("--num-fits must be at least 1")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # OpenMP reads OMP_NUM_THREADS when libgomp is loaded; scikit-learn loads it too,
    # so set it before importing numpy, pandas, scikit-learn or pyBKT.
    if args.threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)

    import re
    import warnings
    from importlib import metadata

    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.metrics import log_loss, mean_squared_error, roc_auc_score

    # pyBKT 1.4.3 uses pandas APIs that pandas 3 deprecates (inplace=...); keep the
    # benchmark's stderr for real problems.
    warnings.filterwarnings("ignore", module=r"pyBKT(\..*)?$")
    from pyBKT.models import Model

    def read(path: str) -> pd.DataFrame:
        # The same call pyBKT's own loader makes for a local CSV.
        return pd.read_csv(path, low_memory=False, encoding="latin")

    train = read(args.train)
    test = read(args.test)
    fit_kwargs = {"forgets": True} if args.forgets else {}

    def fit_once() -> tuple[Model, float, float]:
        model = Model(seed=args.seed, num_fits=args.num_fits)
        if args.fit_input == "path":
            start, cpu_start = time.perf_counter(), time.process_time()
            model.fit(data_path=args.train, **fit_kwargs)
        else:
            frame = train.copy()  # fit sorts and converts the frame in place
            start, cpu_start = time.perf_counter(), time.process_time()
            model.fit(data=frame, **fit_kwargs)
        return model, time.perf_counter() - start, time.process_time() - cpu_start

    if args.warmup:
        fit_once()
    model, fit_seconds, fit_cpu_seconds = fit_once()

    fitted = model.coef_
    # pyBKT builds its predict-time skill filter as '^(' + '|'.join(skills) + ')$'.
    model.skills = [re.escape(str(s)) for s in fitted]

    test_skills = test["skill_name"].astype(str)
    scored = test_skills.isin(set(fitted)).to_numpy()
    predictions = np.full(len(test), np.nan, dtype=np.float64)
    all_rows = np.full(len(test), 0.5, dtype=np.float64)
    predict_seconds = None
    if scored.any():
        frame = test.copy()
        frame.index = pd.RangeIndex(len(frame))
        start = time.perf_counter()
        out = model.predict(data=frame)
        predict_seconds = time.perf_counter() - start
        # predict returns the frame re-sorted by user; its index is the test row number.
        by_row = out["correct_predictions"].reindex(pd.RangeIndex(len(test)))
        values = by_row.to_numpy(dtype=np.float64)
        if np.isnan(values).any():
            raise RuntimeError("pyBKT's predict dropped test rows")
        all_rows = values
        predictions[scored] = values[scored]

    y = test["correct"].to_numpy()

    def metrics(truth, prob) -> dict:
        if len(truth) == 0:
            return {"auc": None, "rmse": None, "log_loss": None}
        auc = roc_auc_score(truth, prob) if len(np.unique(truth)) == 2 else None
        return {
            "auc": auc,
            "rmse": math.sqrt(mean_squared_error(truth, prob)),
            "log_loss": log_loss(truth, prob, labels=[0, 1]),
        }

    main_metrics = metrics(y[scored], predictions[scored])

    def as_float(x) -> float:
        return float(np.asarray(x).reshape(-1)[0])

    params = {
        str(skill): {
            "prior": as_float(p["prior"]),
            "learn": as_float(p["learns"]),
            "forget": as_float(p["forgets"]),
            "guess": as_float(p["guesses"]),
            "slip": as_float(p["slips"]),
        }
        for skill, p in fitted.items()
    }

    result = {
        "library": "pyBKT",
        "version": metadata.version("pyBKT"),
        "model": "forgets" if args.forgets else "standard",
        "num_fits": args.num_fits,
        "seed": args.seed,
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": fit_cpu_seconds,
        "predict_seconds": predict_seconds,
        **main_metrics,
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "n_test_scored": int(scored.sum()),
        "n_test_unscored_skill": int((~scored).sum()),
        "unscored_policy": (
            "test rows whose skill pyBKT did not fit are excluded from auc/rmse/log_loss"
            " and are NaN in --predictions (pyBKT itself predicts 0.5 for them)"
        ),
        "metrics_all_rows": metrics(y, all_rows),
        "n_train_skills": len(params),
        "fit_input": args.fit_input,
        "warmup": bool(args.warmup),
        "threads": int(os.environ["OMP_NUM_THREADS"]) if os.environ.get("OMP_NUM_THREADS") else None,
        "cpu_count": os.cpu_count(),
        "environment": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "params": params,
    }

    if args.predictions:
        np.save(args.predictions, predictions)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2, allow_nan=False)
        handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
