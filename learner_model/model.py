"""BKT models fitted to a response log: one model, with options.

    model = fit(log, Options(forgets=True, restarts=5))
    p = predict(model, test_log)          # P(correct) per row, in the test file's order
    evaluate(model, test_log)             # {"auc": ..., "rmse": ..., "log_loss": ...}
    model.save("params.json"); BKTModel.load("params.json")

Options (any combination):
- `forgets`: mastered learners may forget (P(L -> U) per KC); standard BKT has none.
- `item_guess_slip`: guess and slip per item (KT-IDEM: items of one KC differ in difficulty).
- `item_learn`: learn rate per item (some items teach more than others).
- `prior_by="cohort"` or `"learner"`: P(mastered) at the first answer per cohort (given
  by a learner -> cohort mapping) or per learner, within each KC. Per learner, a
  prior rests on one sequence and tends to 0 or 1: prefer cohorts.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from learner_model import em
from learner_model.bkt import Params
from learner_model.log import ResponseLog
from learner_model.metrics import scores

FORMAT = "tutor-engine-bkt/1"
PRIOR_BY = ("kc", "cohort", "learner")
# Random starts for EM, drawn uniformly from these ranges (close to pyBKT's): low guess and slip,
# so that the mastered state starts as the one that answers right.
INIT = {"prior": (0.01, 0.99), "learn": (0.01, 0.4), "guess": (0.01, 0.4), "slip": (0.01, 0.3), "forget": (0.01, 0.1)}


@dataclass(frozen=True)
class Options:
    forgets: bool = False
    item_guess_slip: bool = False
    item_learn: bool = False
    prior_by: str = "kc"
    restarts: int = 5
    seed: int = 0
    max_iter: int = 100
    tol: float = 1e-5  # a KC's EM stops when its log-likelihood gains less than this per response
    min_responses: int = 10  # a KC with fewer keeps the default parameters and is reported

    def __post_init__(self):
        if self.prior_by not in PRIOR_BY:
            raise ValueError(f"prior_by must be one of {', '.join(PRIOR_BY)}, not {self.prior_by!r}")
        if self.restarts < 1 or self.max_iter < 1:
            raise ValueError("restarts and max_iter must be at least 1")


@dataclass
class KCFit:
    prior: float
    learn: float
    forget: float
    guess: float
    slip: float
    n_responses: int
    log_likelihood: float
    iterations: int
    items: dict[str, dict[str, float]] = field(default_factory=dict)  # item -> {"guess", "slip", "learn"}
    priors: dict[str, float] = field(default_factory=dict)  # cohort or learner -> prior

    def params(self) -> Params:
        """Parameters for the online filter (learner_model.bkt)."""
        return Params(prior=self.prior, learn=self.learn, guess=self.guess, slip=self.slip, forget=self.forget)


DEFAULT = KCFit(prior=0.1, learn=0.2, forget=0.0, guess=0.2, slip=0.1, n_responses=0, log_likelihood=0.0, iterations=0)


@dataclass
class BKTModel:
    options: Options
    kcs: dict[str, KCFit]
    skipped: dict[str, int]  # KCs with too few responses -> their count; they use `default`
    default: KCFit = field(default_factory=lambda: DEFAULT)
    cohorts: dict[str, str] = field(default_factory=dict)  # learner -> cohort, for prior_by="cohort"

    def kc(self, name: str) -> KCFit:
        return self.kcs.get(name, self.default)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "options": asdict(self.options),
            "default": asdict(self.default),
            "kcs": {name: asdict(fit) for name, fit in self.kcs.items()},
            "skipped": self.skipped,
            "cohorts": self.cohorts,
        }

    @classmethod
    def from_json(cls, data: dict) -> "BKTModel":
        if data.get("format") != FORMAT:
            raise ValueError(f"not a parameter file of this library (format {data.get('format')!r}, expected {FORMAT})")
        return cls(
            options=Options(**data["options"]),
            kcs={name: KCFit(**fit) for name, fit in data["kcs"].items()},
            skipped=data.get("skipped", {}),
            default=KCFit(**data["default"]),
            cohorts=data.get("cohorts", {}),
        )

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> "BKTModel":
        return cls.from_json(json.loads(Path(path).read_text()))


# Fitting ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Codes:
    """Parameter codes per row and per sequence, each KC's codes a contiguous range."""

    row_gs: np.ndarray
    row_learn: np.ndarray
    seq_prior: np.ndarray
    gs_range: np.ndarray
    learn_range: np.ndarray
    prior_range: np.ndarray
    gs_key: np.ndarray  # the item code behind each gs code (or -1 at KC level)
    learn_key: np.ndarray
    prior_key: np.ndarray  # the learner or cohort code behind each prior code (or -1)


def _pair_codes(kc: np.ndarray, other: np.ndarray | None, n_kcs: int):
    """Codes for (kc, other) pairs sorted by KC, each KC's codes contiguous; plain KC codes if `other` is None."""
    # Codes are int32: the kernels read one per response per EM iteration, and memory traffic is their cost.
    if other is None:
        return kc.astype(np.int32), np.arange(n_kcs + 1, dtype=np.int64), np.full(n_kcs, -1, dtype=np.int64)
    key = kc.astype(np.int64) * (int(other.max()) + 1) + other
    unique, codes = np.unique(key, return_inverse=True)
    kc_of_code = unique // (int(other.max()) + 1)
    ranges = np.searchsorted(kc_of_code, np.arange(n_kcs + 1)).astype(np.int64)
    return codes.astype(np.int32), ranges, unique % (int(other.max()) + 1)


def _codes(log: ResponseLog, options: Options, cohort_of_learner: np.ndarray | None) -> _Codes:
    n_kcs = len(log.kcs)
    row_gs, gs_range, gs_key = _pair_codes(log.kc, log.item if options.item_guess_slip else None, n_kcs)
    row_learn, learn_range, learn_key = _pair_codes(log.kc, log.item if options.item_learn else None, n_kcs)
    seq_kc = log.seq_kc
    if options.prior_by == "kc":
        group = None
    elif options.prior_by == "learner":
        group = log.seq_learner
    else:
        group = cohort_of_learner[log.seq_learner]
    seq_prior, prior_range, prior_key = _pair_codes(seq_kc, group, n_kcs)
    return _Codes(row_gs, row_learn, seq_prior, gs_range, learn_range, prior_range, gs_key, learn_key, prior_key)


def fit(log: ResponseLog, options: Options = Options(), *, cohorts: dict[str, str] | None = None) -> BKTModel:
    """Fit BKT to `log` by EM with `options.restarts` random starts per KC; keep the best start per KC."""
    if options.prior_by == "cohort" and not cohorts:
        raise ValueError("prior_by='cohort' needs cohorts: a mapping from each learner to a cohort")
    cohort_names, cohort_of_learner = (), None
    if options.prior_by == "cohort":
        missing = [learner for learner in log.learners if learner not in cohorts]
        if missing:
            raise ValueError(f"{len(missing)} learner(s) have no cohort, e.g. {missing[0]!r}")
        cohort_names = tuple(sorted(set(cohorts[learner] for learner in log.learners)))
        index = {name: i for i, name in enumerate(cohort_names)}
        cohort_of_learner = np.array([index[cohorts[learner]] for learner in log.learners], dtype=np.int64)

    codes = _codes(log, options, cohort_of_learner)
    n_kcs = len(log.kcs)
    kc_seqs = np.searchsorted(log.seq_kc, np.arange(n_kcs + 1)).astype(np.int64)
    rng = np.random.default_rng(options.seed)
    R = options.restarts

    def start(low, high, ranges):
        # One draw per (restart, KC), shared by the KC's item or cohort codes.
        draw = rng.uniform(low, high, size=(R, n_kcs))
        return np.repeat(draw, np.diff(ranges), axis=1)

    prior = start(*INIT["prior"], codes.prior_range)
    learn = start(*INIT["learn"], codes.learn_range)
    guess = start(*INIT["guess"], codes.gs_range)
    slip = start(*INIT["slip"], codes.gs_range)
    forget = rng.uniform(*INIT["forget"], size=(R, n_kcs)) if options.forgets else np.zeros((R, n_kcs))

    loglik, iters = em.em_fit(
        log.correct,
        codes.row_gs,
        codes.row_learn,
        log.seq_start,
        codes.seq_prior,
        kc_seqs,
        prior,
        learn,
        forget,
        guess,
        slip,
        options.forgets,
        options.max_iter,
        options.tol,
        codes.prior_range,
        codes.learn_range,
        codes.gs_range,
    )
    # A start that ran into NaN (it should not) must never be the one kept.
    best = np.argmax(np.where(np.isfinite(loglik), loglik, -np.inf), axis=0)
    counts = np.bincount(log.kc, minlength=n_kcs)
    prior_names = {"learner": log.learners, "cohort": cohort_names}.get(options.prior_by, ())
    kcs, skipped = {}, {}
    for k, name in enumerate(log.kcs):
        if counts[k] < options.min_responses:
            skipped[name] = int(counts[k])
            continue
        r = best[k]
        gs = slice(codes.gs_range[k], codes.gs_range[k + 1])
        lr = slice(codes.learn_range[k], codes.learn_range[k + 1])
        pr = slice(codes.prior_range[k], codes.prior_range[k + 1])
        fit_k = KCFit(
            prior=float(prior[r, pr].mean()),
            learn=float(learn[r, lr].mean()),
            forget=float(forget[r, k]),
            guess=float(guess[r, gs].mean()),
            slip=float(slip[r, gs].mean()),
            n_responses=int(counts[k]),
            log_likelihood=float(loglik[r, k]),
            iterations=int(iters[r, k]),
        )
        if options.item_guess_slip or options.item_learn:
            fit_k.items = _item_table(log, codes, r, gs, lr, guess, slip, learn, options)
        if prior_names:
            fit_k.priors = {prior_names[key]: float(p) for key, p in zip(codes.prior_key[pr], prior[r, pr])}
        kcs[name] = fit_k
    return BKTModel(options=options, kcs=kcs, skipped=skipped, cohorts=dict(cohorts or {}))


def _item_table(log, codes, r, gs, lr, guess, slip, learn, options) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    if options.item_guess_slip:
        for key, g, s in zip(codes.gs_key[gs], guess[r, gs], slip[r, gs]):
            table.setdefault(log.items[key], {}).update(guess=float(g), slip=float(s))
    if options.item_learn:
        for key, value in zip(codes.learn_key[lr], learn[r, lr]):
            table.setdefault(log.items[key], {})["learn"] = float(value)
    return table


# Prediction ------------------------------------------------------------------------------------------


def predict(model: BKTModel, log: ResponseLog) -> np.ndarray:
    """P(correct) for every response of `log` given the answers before it, in the file's row order.

    KCs, items, learners or cohorts the model has not seen use the KC's (or the default) values.
    """
    kc_fits = [model.kc(name) for name in log.kcs]
    per_kc = {
        name: np.array([getattr(f, name) for f in kc_fits]) for name in ("prior", "learn", "forget", "guess", "slip")
    }
    row_guess = per_kc["guess"][log.kc]
    row_slip = per_kc["slip"][log.kc]
    row_learn = per_kc["learn"][log.kc]
    if model.options.item_guess_slip or model.options.item_learn:
        row_guess, row_slip, row_learn = _item_rows(log, kc_fits, row_guess, row_slip, row_learn)
    seq_prior = per_kc["prior"][log.seq_kc]
    if model.options.prior_by != "kc":
        seq_prior = _prior_rows(model, log, kc_fits, seq_prior)
    rows = em.predict_rows(
        log.correct, log.seq_start, seq_prior, row_learn, per_kc["forget"][log.kc], row_guess, row_slip
    )
    return log.in_file_order(rows)


def _item_rows(log, kc_fits, row_guess, row_slip, row_learn):
    pair = log.kc.astype(np.int64) * len(log.items) + log.item
    unique, inverse = np.unique(pair, return_inverse=True)
    values = np.empty((len(unique), 3))
    for i, key in enumerate(unique):
        fit_k = kc_fits[key // len(log.items)]
        item = fit_k.items.get(log.items[key % len(log.items)], {})
        values[i] = (item.get("guess", fit_k.guess), item.get("slip", fit_k.slip), item.get("learn", fit_k.learn))
    return values[inverse, 0], values[inverse, 1], values[inverse, 2]


def _prior_rows(model, log, kc_fits, seq_prior):
    group_names = log.learners if model.options.prior_by == "learner" else None
    out = seq_prior.copy()
    for s, (k, learner) in enumerate(zip(log.seq_kc, log.seq_learner)):
        name = group_names[learner] if group_names else model.cohorts.get(log.learners[learner])
        out[s] = kc_fits[k].priors.get(name, kc_fits[k].prior)
    return out


def log_likelihood(model: BKTModel, log: ResponseLog) -> float:
    """log P(all answers of `log` | model): the sum of the log one-step-ahead predictions."""
    p = predict(model, log)
    answers = log.in_file_order(log.correct).astype(bool)
    return float(np.log(np.where(answers, p, 1.0 - p)).sum())


def evaluate(model: BKTModel, log: ResponseLog) -> dict[str, float]:
    """AUC, RMSE and log loss of the model's predictions on `log`."""
    return scores(log.in_file_order(log.correct), predict(model, log))
