"""Bayesian BKT: each KC's parameters with credible intervals, so faculty can see how sure the model is.

    result = fit_bayes(log, forgets=False, interval=0.9)
    result.kcs["fractions"].guess            # Estimate(mean=0.21, low=0.17, high=0.25)
    result.to_json()                         # plain dict for the web app

The generative story, per KC (independent across KCs):

    prior, learn, forget ~ Beta(1, 1)        weak: any value is as plausible as any other
    guess, slip          ~ Beta(2, 5)        mean 0.29, P(> 0.5) = 0.11
    for each learner: mastered_0 ~ Bernoulli(prior), then per answer t
        correct_t ~ Bernoulli(1 - slip if mastered_t else guess)
        mastered_t+1 from mastered_t by learn (U -> L) and forget (L -> U; 0 in standard BKT)

Why Beta(2, 5) on guess and slip: BKT's likelihood has a mirror image in which the
"mastered" state is the one that answers wrongly (guess > 0.5, slip > 0.5), and on small or
odd data maximum likelihood can land there. Such a model says that learners who know the
skill fail it; no teacher would accept it. Beta(2, 5) puts 89% of its mass below 0.5 and
its mode at 0.2, where guess and slip of real items lie, yet it is only as strong as 5
extra answers: a KC with a few hundred answers that really are guessed at 0.6 still gets 0.6.

The hidden mastery states are summed out exactly by the forward algorithm (no sampling of
discrete states), in log space with both states kept, so long runs of right answers never
round P(mastered) to 1. One pass runs over every sequence of every KC at once.

Inference is a Laplace approximation in the unconstrained (logit) space: the posterior mode
found by L-BFGS, and a normal with the inverse Hessian there as covariance. Intervals are the
normal's central quantiles pushed through the sigmoid, which is exact for a monotone map.
Why Laplace and not SVI: it is deterministic, takes a second on a few hundred learners, and
(unlike a mean-field guide, which under-states variance when parameters are correlated, as
guess, slip and prior are) its intervals cover the truth at about the nominal rate: see
tests/learner_model/test_bayes.py.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from pyro.infer import Trace_ELBO
from pyro.infer.autoguide import AutoLaplaceApproximation, init_to_value

from learner_model.log import ResponseLog

PARAMS = ("prior", "learn", "guess", "slip", "forget")
PRIORS = {"prior": (1.0, 1.0), "learn": (1.0, 1.0), "forget": (1.0, 1.0), "guess": (2.0, 5.0), "slip": (2.0, 5.0)}
START = {"prior": 0.5, "learn": 0.1, "guess": 0.2, "slip": 0.1, "forget": 0.05}  # typical, non-degenerate BKT


@dataclass(frozen=True)
class Estimate:
    mean: float  # posterior mean
    low: float  # the central credible interval is [low, high]
    high: float


@dataclass(frozen=True)
class KCPosterior:
    prior: Estimate
    learn: Estimate
    guess: Estimate
    slip: Estimate
    forget: Estimate | None  # None when forgetting is not modelled
    n_responses: int


@dataclass(frozen=True)
class BayesFit:
    kcs: dict[str, KCPosterior]
    skipped: dict[str, int]  # KCs with fewer than `min_responses` answers -> their count; not fitted
    interval: float  # the credible level of every (low, high)
    forgets: bool

    def to_json(self) -> dict:
        return asdict(self)


# The model ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answers:
    """Every sequence's answers arranged for a forward pass over all sequences at once.

    Sequences are sorted longest first, so the sequences still running at step t are the first
    n_t of them: the forward pass just drops the tail as it goes, with no padding to mask.
    """

    seq_kc: torch.Tensor  # [sequences] int64: the fitted KC (0..n_kcs-1) of each sequence
    steps: list[torch.Tensor]  # steps[t]: [n_t] bool, answer t of the first n_t sequences
    step_kc: torch.Tensor  # [sum n_t] int64: the KC of each answer, in the order of torch.cat(steps)
    n_kcs: int


def model(answers: _Answers, forgets: bool) -> None:
    with pyro.plate("kcs", answers.n_kcs):
        p = {name: pyro.sample(name, dist.Beta(*map(_float64, PRIORS[name]))) for name in PARAMS[:4]}
        p["forget"] = pyro.sample("forget", dist.Beta(*map(_float64, PRIORS["forget"]))) if forgets else None
        pyro.factor("answers", _log_likelihood(answers, **p))  # [kcs]: the states summed out


def _log_likelihood(answers: _Answers, prior, learn, guess, slip, forget) -> torch.Tensor:
    """log P(answers | parameters) per KC, by the forward algorithm in log space.

    Every parameter is [kcs]. The two states are kept as separate [sequences] tensors of log
    probabilities (torch.logaddexp on vectors is ~100x faster on a CPU than logsumexp over a
    small dimension).
    """
    k = answers.seq_kc
    right_l, right_u = torch.log1p(-slip)[k], torch.log(guess)[k]  # log P(right | mastered, unmastered)
    wrong_l, wrong_u = torch.log(slip)[k], torch.log1p(-guess)[k]
    learns, stays_u = torch.log(learn)[k], torch.log1p(-learn)[k]
    if forget is None:  # standard BKT: mastered stays mastered (no log 0 = -inf: its second derivative is NaN)
        forgets, stays_l = None, torch.zeros_like(learns)
    else:
        forgets, stays_l = torch.log(forget)[k], torch.log1p(-forget)[k]
    # log P(state at answer t | answers before t), mastered (l) and unmastered (u): [sequences]
    l, u = torch.log(prior)[k], torch.log1p(-prior)[k]
    per_answer = []
    for right in answers.steps:
        n = len(right)  # the sequences longer than t; the rest have ended
        joint_l = l[:n] + torch.where(right, right_l[:n], wrong_l[:n])
        joint_u = u[:n] + torch.where(right, right_u[:n], wrong_u[:n])
        evidence = torch.logaddexp(joint_l, joint_u)  # [n]: log P(answer t | answers before t)
        per_answer.append(evidence)
        post_l, post_u = joint_l - evidence, joint_u - evidence
        l = torch.logaddexp(post_l + stays_l[:n], post_u + learns[:n])
        u = post_u + stays_u[:n]
        if forgets is not None:
            u = torch.logaddexp(u, post_l + forgets[:n])
    total = torch.zeros(answers.n_kcs, dtype=l.dtype)
    return total.index_add(0, answers.step_kc, torch.cat(per_answer))


def _float64(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64)


# Fitting -----------------------------------------------------------------------------------------------


def fit_bayes(
    log: ResponseLog,
    *,
    forgets: bool = False,
    steps: int = 500,
    interval: float = 0.9,
    min_responses: int = 10,
) -> BayesFit:
    """Posterior mean and central `interval` credible interval of each KC's BKT parameters.

    KCs with fewer than `min_responses` answers are not fitted and are listed in `skipped`.
    Raises ValueError for an empty log, or when no KC has enough answers. `steps` bounds the
    L-BFGS iterations that find the posterior mode; RuntimeError if they do not reach it.
    """
    if not 0.0 < interval < 1.0:
        raise ValueError(f"interval must lie strictly between 0 and 1, got {interval}")
    if len(log) == 0:
        raise ValueError("the response log is empty: there is nothing to fit")
    counts = np.bincount(log.kc, minlength=len(log.kcs))
    kept = np.flatnonzero(counts >= min_responses)
    skipped = {log.kcs[k]: int(counts[k]) for k in np.flatnonzero(counts < min_responses)}
    if len(kept) == 0:
        raise ValueError(f"no KC has {min_responses} or more responses to fit (counts: {skipped})")

    answers = _arrange(log, kept)
    names = PARAMS if forgets else PARAMS[:4]
    start = {name: torch.full((len(kept),), START[name], dtype=torch.float64) for name in names}
    guide = AutoLaplaceApproximation(model, init_loc_fn=init_to_value(values=start))
    loc, sd = _laplace(guide, answers, forgets, steps)  # [params, kcs] each, in logit space

    z = torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor((1 + interval) / 2, dtype=torch.float64))
    low, high = torch.sigmoid(loc - z * sd), torch.sigmoid(loc + z * sd)
    mean = _logit_normal_mean(loc, sd)
    kcs = {}
    for j, k in enumerate(kept):
        est = {name: Estimate(float(mean[i, j]), float(low[i, j]), float(high[i, j])) for i, name in enumerate(names)}
        est.setdefault("forget", None)
        kcs[log.kcs[k]] = KCPosterior(**est, n_responses=int(counts[k]))
    return BayesFit(kcs=kcs, skipped=skipped, interval=interval, forgets=forgets)


def _arrange(log: ResponseLog, kept: np.ndarray) -> _Answers:
    fitted = np.full(len(log.kcs), -1, dtype=np.int64)
    fitted[kept] = np.arange(len(kept))
    seq_kc = fitted[log.seq_kc]
    starts, lengths = log.seq_start[:-1], np.diff(log.seq_start)
    keep = seq_kc >= 0
    order = np.argsort(-lengths[keep], kind="stable")
    starts, lengths, seq_kc = starts[keep][order], lengths[keep][order], seq_kc[keep][order]
    running = np.searchsorted(-lengths, -np.arange(lengths[0]), side="right")  # n_t: sequences longer than t
    steps = [torch.from_numpy(log.correct[starts[:n] + t] == 1) for t, n in enumerate(running)]
    step_kc = np.concatenate([seq_kc[:n] for n in running])
    return _Answers(torch.from_numpy(seq_kc), steps, torch.from_numpy(step_kc), len(kept))


def _laplace(guide, answers: _Answers, forgets: bool, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior mode and marginal standard deviations, both [params, kcs], in logit space."""

    def loss():  # -log p(answers, parameters) in logit space, the Jacobian included
        return Trace_ELBO().differentiable_loss(model, guide, answers, forgets)

    with pyro.get_param_store().scope():  # a fresh parameter store: no fit sees another's `loc`
        loss()  # builds the guide, with its latent vector `loc` laid out site by site: [params * kcs]
        optimizer = torch.optim.LBFGS(
            [guide.loc], max_iter=steps, tolerance_grad=1e-6, history_size=20, line_search_fn="strong_wolfe"
        )

        def closure():
            optimizer.zero_grad()
            value = loss()
            value.backward()
            return value

        optimizer.step(closure)
        (grad,) = torch.autograd.grad(loss(), guide.loc, create_graph=True)
    if not torch.isfinite(grad).all() or grad.abs().max() > 1e-3:
        raise RuntimeError(f"the posterior mode was not reached in {steps} L-BFGS steps; raise `steps`")

    # KCs share no parameters, so the Hessian is block diagonal, one [params, params] block per KC.
    # One Hessian-vector product per parameter, with that parameter set to 1 in every KC, gives
    # the same column of every block at once: n_params products instead of n_params * n_kcs.
    n_params, n_kcs = grad.numel() // answers.n_kcs, answers.n_kcs
    columns = []
    for i in range(n_params):
        v = torch.zeros(n_params, n_kcs, dtype=grad.dtype)
        v[i] = 1.0
        (column,) = torch.autograd.grad(grad, guide.loc, v.reshape(-1), retain_graph=True)
        columns.append(column.detach().view(n_params, n_kcs))
    blocks = torch.stack(columns, -1).permute(1, 0, 2)  # [kcs, params, params]
    cov, info = torch.linalg.cholesky_ex(blocks)
    if info.any():
        raise RuntimeError("the posterior is not curved at its mode for some KC; its intervals are undefined")
    cov = torch.cholesky_inverse(cov)
    sd = cov.diagonal(dim1=-2, dim2=-1).sqrt().T  # [params, kcs]
    return guide.loc.detach().view(n_params, n_kcs), sd


_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(40)  # E f(X), X ~ N(0, 1), as sum(w * f(x))


def _logit_normal_mean(loc: torch.Tensor, sd: torch.Tensor) -> torch.Tensor:
    """E sigmoid(X) for X ~ Normal(loc, sd), by Gauss-Hermite quadrature."""
    nodes = torch.from_numpy(_NODES)
    weights = torch.from_numpy(_WEIGHTS / math.sqrt(2 * math.pi))
    return (torch.sigmoid(loc[..., None] + sd[..., None] * nodes) * weights).sum(-1)
