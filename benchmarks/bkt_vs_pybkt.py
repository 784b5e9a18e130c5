"""Our BKT against pyBKT, side by side in one run: AUC, RMSE, fit time, for standard BKT and with forgetting.

    python benchmarks/bkt_vs_pybkt.py --train TRAIN.csv --test TEST.csv [--json OUT.json]
    python benchmarks/bkt_vs_pybkt.py --split ../shared/data/assistments2009_builder_train.csv
    python benchmarks/bkt_vs_pybkt.py --scale-rows 10000000 --split ../shared/data/assistments2009_builder_train.csv

pyBKT (1.4.3, its C++/OpenMP build) runs in a venv of its own, made once by
`../shared/tools/pybkt-venv.sh .venv-pybkt`, through benchmarks/pybkt_reference.py.

What is timed, for both libraries: from the training log already in memory (a pandas
frame for pyBKT, a pyarrow table for us) to fitted parameters, with the same number of
random restarts per KC and the same seeds (each library draws its own starts from
them); each library's own data conversion counts (pyBKT converts its
frame inside `fit`; we encode and sort ours in `from_columns`). One untimed warm-up fit
first takes compilation and start-up out of both. Both predict the test log one step
ahead; metrics are computed on the rows both could score. The training log-likelihood
of each library's parameters, computed by the same exact filter, shows that a faster
fit did not stop short: higher is better.

`--split CSV` makes a split by learner (20% of learners in test, seed 0) in a temporary
folder. `--scale-rows N` replicates the training log (each copy with its own learners)
to about N responses and reports our load and fit time and peak memory, in a child process.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from learner_model.log import from_columns, load_log  # noqa: E402
from learner_model.metrics import scores  # noqa: E402
from learner_model.model import DEFAULT, BKTModel, KCFit, Options, fit, log_likelihood, predict  # noqa: E402

MODELS = {"standard": False, "forgets": True}


def split_by_learner(source: Path, folder: Path, test_fraction: float = 0.2, seed: int = 0) -> tuple[Path, Path]:
    table = pacsv.read_csv(source)
    users = np.unique(table.column("user_id").to_numpy())
    rng = np.random.default_rng(seed)
    test_users = users[rng.random(len(users)) < test_fraction]
    in_test = np.isin(table.column("user_id").to_numpy(), test_users)
    paths = folder / "train.csv", folder / "test.csv"
    pacsv.write_csv(table.filter(~in_test), paths[0])
    pacsv.write_csv(table.filter(in_test), paths[1])
    return paths


def ours(train: Path, test: Path, *, forgets: bool, restarts: int, seed: int, tol: float) -> dict:
    options = Options(forgets=forgets, restarts=restarts, seed=seed, tol=tol)
    table = pacsv.read_csv(train)

    def fit_table():
        log = from_columns(
            kcs=table.column("skill_name"), learners=table.column("user_id"), correct=table.column("correct").to_numpy()
        )
        return log, fit(log, options)

    fit_table()  # warm-up: numba compiles (or loads its cache) on first use
    started = time.perf_counter()
    train_log, model = fit_table()
    fit_seconds = time.perf_counter() - started
    test_log = load_log(test)
    started = time.perf_counter()
    predicted = predict(model, test_log)
    predict_seconds = time.perf_counter() - started
    return {
        "library": "ours",
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "predictions": predicted,
        "model": model,
        "train_log": train_log,
        "test_log": test_log,
    }


def pybkt(train: Path, test: Path, *, forgets: bool, restarts: int, seed: int, venv: Path, folder: Path) -> dict:
    python = venv / "bin" / "python"
    if not python.exists():
        sys.exit(f"pyBKT's venv is missing: build it with  ../shared/tools/pybkt-venv.sh {venv}")
    out, predictions = folder / "pybkt.json", folder / "pybkt.npy"
    command = [
        str(python),
        str(ROOT / "benchmarks" / "pybkt_reference.py"),
        "--train",
        str(train),
        "--test",
        str(test),
        "--num-fits",
        str(restarts),
        "--seed",
        str(seed),
        "--warmup",
        "--json",
        str(out),
        "--predictions",
        str(predictions),
    ] + (["--forgets"] if forgets else [])
    subprocess.run(command, check=True)
    result = json.loads(out.read_text())
    result["predictions"] = np.load(predictions)
    return result


def as_our_model(params: dict, forgets: bool) -> BKTModel:
    """pyBKT's fitted parameters in our model, to score them with our exact filter."""
    kcs = {
        str(skill): KCFit(
            prior=p["prior"],
            learn=p["learn"],
            forget=p.get("forget", 0.0),
            guess=p["guess"],
            slip=p["slip"],
            n_responses=0,
            log_likelihood=0.0,
            iterations=0,
        )
        for skill, p in params.items()
    }
    return BKTModel(options=Options(forgets=forgets), kcs=kcs, skipped={}, default=DEFAULT)


def compare(train: Path, test: Path, args, folder: Path) -> list[dict]:
    """One row per (model, library, seed)."""
    rows = []
    for name, forgets in MODELS.items():
        for seed in args.seeds:
            mine = ours(train, test, forgets=forgets, restarts=args.restarts, seed=seed, tol=args.tol)
            theirs = pybkt(
                train, test, forgets=forgets, restarts=args.restarts, seed=seed, venv=args.pybkt_venv, folder=folder
            )
            answers = mine["test_log"].in_file_order(mine["test_log"].correct)
            both = ~np.isnan(theirs["predictions"])  # rows pyBKT could score (its skills were fitted)
            for library, predictions, seconds, model in (
                ("ours", mine["predictions"], mine["fit_seconds"], mine["model"]),
                ("pyBKT", theirs["predictions"], theirs["fit_seconds"], as_our_model(theirs["params"], forgets)),
            ):
                rows.append(
                    {
                        "model": name,
                        "library": library,
                        "seed": seed,
                        **scores(answers[both], predictions[both]),
                        "fit_seconds": seconds,
                        "train_log_likelihood": log_likelihood(model, mine["train_log"]),
                    }
                )
    return rows


def summary(rows: list[dict]) -> list[dict]:
    """Per (model, library): mean metrics over the seeds, median fit time; ours with the ratios."""
    table = []
    for name in MODELS:
        for library in ("ours", "pyBKT"):
            mine = [row for row in rows if row["model"] == name and row["library"] == library]
            table.append(
                {
                    "model": name,
                    "library": library,
                    "seeds": len(mine),
                    **{
                        key: float(np.mean([row[key] for row in mine]))
                        for key in ("auc", "rmse", "log_loss", "train_log_likelihood")
                    },
                    "fit_seconds": float(np.median([row["fit_seconds"] for row in mine])),
                }
            )
        ours_row, pybkt_row = table[-2], table[-1]
        ours_row["speedup"] = pybkt_row["fit_seconds"] / ours_row["fit_seconds"]
        ours_row["auc_difference"] = ours_row["auc"] - pybkt_row["auc"]
    return table


def scale_run(train: Path, rows: int, args) -> dict:
    """Replicate the training log to about `rows` responses; load and fit it in a child process."""
    table = pacsv.read_csv(train)
    copies = max(1, round(rows / table.num_rows))
    big = Path(tempfile.mkdtemp(prefix="bkt-scale-")) / "big.csv"
    users = table.column("user_id").to_numpy()
    span = int(users.max()) + 1
    copies_of = {
        "user_id": np.concatenate([users + copy * span for copy in range(copies)]),
        "skill_name": np.tile(table.column("skill_name").to_numpy(), copies),
        "correct": np.tile(table.column("correct").to_numpy(), copies),
    }
    pacsv.write_csv(pa.table(copies_of), big)
    child = (
        "import json, resource, sys, time\n"
        "from learner_model.log import load_log\n"
        "from learner_model.model import Options, fit\n"
        f"options = Options(forgets={args.scale_forgets}, restarts={args.restarts}, seed={args.seeds[0]},"
        f" tol={args.tol})\n"
        "fit(load_log(sys.argv[2]), options)  # compile (numba caches on disk) on the small log\n"
        "t = time.perf_counter(); log = load_log(sys.argv[1]); load = time.perf_counter() - t\n"
        "t = time.perf_counter(); model = fit(log, options); seconds = time.perf_counter() - t\n"
        "print(json.dumps({'rows': len(log), 'load_seconds': load, 'fit_seconds': seconds,\n"
        "  'peak_memory_gib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", child, str(big), str(train)], cwd=ROOT, check=True, capture_output=True, text=True
    )
    big.unlink()
    return {"copies": copies, "restarts": args.restarts, "forgets": args.scale_forgets, **json.loads(result.stdout)}


def print_table(rows: list[dict]) -> None:
    print("Means over the seeds; fit_s is the median; speedup = pyBKT's fit_s / ours.")
    print(
        f"{'model':9} {'library':8} {'auc':>7} {'rmse':>7} {'log_loss':>9} {'train_LL':>12} {'fit_s':>7} {'speedup':>8}"
    )
    for row in rows:
        speedup = f"{row['speedup']:.1f}x" if "speedup" in row else ""
        print(
            f"{row['model']:9} {row['library']:8} {row['auc']:7.4f} {row['rmse']:7.4f} {row['log_loss']:9.4f} "
            f"{row['train_log_likelihood']:12.1f} {row['fit_seconds']:7.2f} {speedup:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--train", type=Path, help="training log (CSV: user_id, skill_name, correct)")
    data.add_argument("--split", type=Path, help="make a split by learner of this log (20%% of learners in test)")
    parser.add_argument("--test", type=Path, help="test log (with --train)")
    parser.add_argument("--restarts", type=int, default=5, help="random restarts per KC, for both (default 5)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one fit of each per seed")
    parser.add_argument("--tol", type=float, default=Options.tol, help="our EM tolerance per response")
    parser.add_argument("--pybkt-venv", type=Path, default=ROOT / ".venv-pybkt")
    parser.add_argument("--scale-rows", type=int, help="instead: our load and fit time and memory at this size")
    parser.add_argument("--scale-forgets", action="store_true", help="the scale run with forgetting")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    if args.train and not args.test:
        parser.error("--train needs --test")

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        train, test = (args.train, args.test) if args.train else split_by_learner(args.split, folder)
        if args.scale_rows:
            result = {"scale": scale_run(train, args.scale_rows, args)}
            print(json.dumps(result, indent=1))
        else:
            rows = compare(train, test, args, folder)
            table = summary(rows)
            print_table(table)
            result = {
                "summary": table,
                "runs": rows,
                "restarts": args.restarts,
                "seeds": args.seeds,
                "tol": args.tol,
                "cpu_count": os.cpu_count(),
            }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
