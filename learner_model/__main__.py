"""Command line: fit BKT to a response log, evaluate it, cross-validate it.

    python -m learner_model fit LOG.csv --out params.json [--forgets] [--restarts 5]
    python -m learner_model evaluate --train A.csv --test B.csv [--forgets]
    python -m learner_model evaluate --params params.json --test B.csv
    python -m learner_model crossval LOG.csv --folds 5
    python -m learner_model bayes LOG.csv --out intervals.json [--forgets] [--interval 0.9]

Logs use pyBKT's columns: user_id, skill_name, correct, optional order_id and item_id/template_id.
"""

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from learner_model.crossval import cross_validate
from learner_model.log import LogError, load_log
from learner_model.model import PRIOR_BY, BKTModel, Options, evaluate, fit


def _model_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("model")
    group.add_argument("--forgets", action="store_true", help="let mastered learners forget")
    group.add_argument("--item-guess-slip", action="store_true", help="guess and slip per item (KT-IDEM)")
    group.add_argument("--item-learn", action="store_true", help="learn rate per item")
    group.add_argument(
        "--prior-by",
        choices=PRIOR_BY,
        default="kc",
        help="P(mastered) at the first answer per KC (default), or per cohort or learner within each KC",
    )
    group.add_argument("--cohorts", help="with --prior-by cohort: a CSV with columns user_id,cohort")
    group.add_argument("--restarts", type=int, default=5, help="random starts of EM per KC (default 5)")
    group.add_argument("--seed", type=int, default=0)
    group.add_argument("--max-iter", type=int, default=100, help="EM iterations at most (default 100)")
    group.add_argument(
        "--tol",
        type=float,
        default=Options.tol,
        help=f"stop EM when the log-likelihood gains less than this per response ({Options.tol})",
    )
    group.add_argument(
        "--min-responses",
        type=int,
        default=10,
        help="KCs with fewer responses keep default parameters and are reported (default 10)",
    )


def _cohorts(args) -> dict[str, str] | None:
    if args.prior_by != "cohort":
        return None
    if not args.cohorts:
        raise ValueError("--prior-by cohort needs --cohorts FILE.csv (columns user_id,cohort)")
    with open(args.cohorts, newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows or not {"user_id", "cohort"} <= set(rows[0]):
        raise ValueError(f"{args.cohorts}: needs the columns user_id and cohort")
    return {row["user_id"]: row["cohort"] for row in rows}


def _options(args) -> Options:
    return Options(
        forgets=args.forgets,
        item_guess_slip=args.item_guess_slip,
        item_learn=args.item_learn,
        prior_by=args.prior_by,
        restarts=args.restarts,
        seed=args.seed,
        max_iter=args.max_iter,
        tol=args.tol,
        min_responses=args.min_responses,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m learner_model", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    fit_cmd = commands.add_parser("fit", help="fit parameters per KC and write them as JSON")
    fit_cmd.add_argument("log", help="response log (CSV)")
    fit_cmd.add_argument("--out", required=True, help="where to write the parameters (JSON)")
    _model_options(fit_cmd)

    eval_cmd = commands.add_parser("evaluate", help="AUC, RMSE and log loss on a test log")
    source = eval_cmd.add_mutually_exclusive_group(required=True)
    source.add_argument("--train", help="fit on this log first")
    source.add_argument("--params", help="use parameters written by `fit`")
    eval_cmd.add_argument("--test", required=True, help="the log to predict")
    _model_options(eval_cmd)

    cv_cmd = commands.add_parser("crossval", help="cross-validation split by learner")
    cv_cmd.add_argument("log", help="response log (CSV)")
    cv_cmd.add_argument("--folds", type=int, default=5)
    _model_options(cv_cmd)

    bayes_cmd = commands.add_parser("bayes", help="Bayesian fit (pyro): posterior means and credible intervals")
    bayes_cmd.add_argument("log", help="response log (CSV)")
    bayes_cmd.add_argument("--out", required=True, help="where to write the estimates (JSON)")
    bayes_cmd.add_argument("--forgets", action="store_true", help="let mastered learners forget")
    bayes_cmd.add_argument("--interval", type=float, default=0.9, help="credible interval mass (default 0.9)")
    bayes_cmd.add_argument("--min-responses", type=int, default=10, help="KCs with fewer are reported, not fitted")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (LogError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(args) -> int:
    if args.command == "fit":
        log = load_log(args.log)
        started = time.perf_counter()
        model = fit(log, _options(args), cohorts=_cohorts(args))
        seconds = time.perf_counter() - started
        model.save(args.out)
        print(f"fitted {len(model.kcs)} KCs on {len(log):,} responses in {seconds:.2f} s; wrote {args.out}")
        for name, count in sorted(model.skipped.items()):
            print(f"  KC {name!r}: only {count} responses, kept the default parameters")
        return 0
    if args.command == "bayes":
        from learner_model.bayes import fit_bayes  # pyro and torch load only for this command

        result = fit_bayes(
            load_log(args.log), forgets=args.forgets, interval=args.interval, min_responses=args.min_responses
        )
        Path(args.out).write_text(json.dumps(result.to_json(), indent=1))
        print(f"fitted {len(result.kcs)} KCs with {args.interval:.0%} intervals; wrote {args.out}")
        return 0
    if args.command == "evaluate":
        if args.params:
            model = BKTModel.load(args.params)
        else:
            model = fit(load_log(args.train), _options(args), cohorts=_cohorts(args))
        print(json.dumps(evaluate(model, load_log(args.test)), indent=1))
        return 0
    results = cross_validate(
        load_log(args.log), _options(args), folds=args.folds, seed=args.seed, cohorts=_cohorts(args)
    )
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
