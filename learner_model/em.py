"""Expectation-maximization for BKT, compiled with numba: one job per (KC, restart).

Each job runs its own EM loop over the sequences of its KC: a scaled forward-backward
pass per sequence accumulates expected counts, then the M-step turns them into new
parameters, until the log-likelihood stops improving. Jobs share nothing they write,
so they run in parallel on every core.

The hidden state is mastered (L) or not (U). Parameters are looked up through index
arrays, which is how one kernel serves every model option:

    prior[seq_prior[s]]     P(L) at the first answer of sequence s (per KC, cohort or learner)
    learn[row_learn[t]]     P(U -> L) after answering row t (per KC, or per item: items that teach more)
    forget[kc]              P(L -> U) after each answer (0 and not fitted in standard BKT)
    guess[row_gs[t]]        P(correct | U) at row t (per KC, or per item: KT-IDEM)
    slip[row_gs[t]]         P(wrong | L) at row t

Parameter codes of one KC are contiguous ranges (`*_range[k]:*_range[k + 1]`).
"""

import numba
import numpy as np
from numba import njit, prange

EPS = 1e-6  # parameters stay inside (EPS, 1 - EPS): a probability of exactly 0 or 1 would freeze EM


@njit(cache=True, nogil=True)
def _clip(x):
    return min(max(x, EPS), 1.0 - EPS)


@njit(cache=True, nogil=True)
def _em_step(k, r, offset, data, params, ranges, scratch, fit_forget):
    """One EM step for KC k, restart r: parameters updated in place; returns the log-likelihood before it.

    `scratch` holds four arrays over the KC's rows, which start at row `offset`.
    """
    correct, row_gs, row_learn, seq_start, seq_prior, kc_seqs = data
    prior, learn, forget, guess, slip = params
    prior_range, learn_range, gs_range = ranges
    alpha_l, alpha_u, emit_l, emit_u = scratch
    n_prior = prior_range[k + 1] - prior_range[k]
    n_learn = learn_range[k + 1] - learn_range[k]
    n_gs = gs_range[k + 1] - gs_range[k]
    prior_num = np.zeros(n_prior)
    prior_den = np.zeros(n_prior)
    learn_num = np.zeros(n_learn)
    learn_den = np.zeros(n_learn)
    guess_num = np.zeros(n_gs)
    unmastered = np.zeros(n_gs)
    slip_num = np.zeros(n_gs)
    mastered = np.zeros(n_gs)
    prior_num[:] = 0.0
    prior_den[:] = 0.0
    learn_num[:] = 0.0
    learn_den[:] = 0.0
    guess_num[:] = 0.0
    unmastered[:] = 0.0
    slip_num[:] = 0.0
    mastered[:] = 0.0
    forget_num = 0.0
    forget_den = 0.0
    loglik = 0.0
    likelihood = 1.0
    f = forget[r, k]
    for s in range(kc_seqs[k], kc_seqs[k + 1]):
        a, b = seq_start[s], seq_start[s + 1]
        # Forward: alpha = P(state at t | answers to t); emit = P(answer t | state) / P(answer t | answers before).
        # Both state probabilities are kept: 1 - p would round to 0 after long runs of right answers.
        pl = prior[r, seq_prior[s]]
        pu = 1.0 - pl
        for t in range(a, b):
            g = guess[r, row_gs[t]]
            sl = slip[r, row_gs[t]]
            if correct[t]:
                el, eu = 1.0 - sl, g
            else:
                el, eu = sl, 1.0 - g
            c = pl * el + pu * eu
            inv = 1.0 / c
            emit_l[t - offset] = el * inv
            emit_u[t - offset] = eu * inv
            # Floored at 1e-300 so that no state becomes impossible: the backward pass divides by
            # the posterior's total, which must not be 0 * 0.
            al = max(pl * el * inv, 1e-300)
            au = max(pu * eu * inv, 1e-300)
            alpha_l[t - offset] = al
            alpha_u[t - offset] = au
            likelihood *= c
            if likelihood < 1e-250:  # take the log rarely: it costs more than the rest of the step
                loglik += np.log(likelihood)
                likelihood = 1.0
            lr = learn[r, row_learn[t]]
            pl = al * (1.0 - f) + au * lr
            pu = au * (1.0 - lr) + al * f
        # Backward with the same scaling: beta_l, beta_u = P(later answers | state) / their scales.
        beta_l = 1.0
        beta_u = 1.0
        for t in range(b - 1, a - 1, -1):
            # With beta rescaled (below), gamma must be normalized.
            gamma_l = alpha_l[t - offset] * beta_l
            gamma_u = alpha_u[t - offset] * beta_u
            norm = 1.0 / (gamma_l + gamma_u)
            gamma_l *= norm
            gamma_u *= norm
            j = row_gs[t] - gs_range[k]
            mastered[j] += gamma_l
            unmastered[j] += gamma_u
            if correct[t]:
                guess_num[j] += gamma_u
            else:
                slip_num[j] += gamma_l
            if t == a:
                i = seq_prior[s] - prior_range[k]
                prior_num[i] += gamma_l
                prior_den[i] += 1.0
            else:
                # Transition from t - 1 to t, through the learn rate of the item answered at t - 1.
                lr = learn[r, row_learn[t - 1]]
                # The evidence of answer t, divided by its scale, as the forward pass left it.
                el = emit_l[t - offset]
                eu = emit_u[t - offset]
                prev_l = alpha_l[t - 1 - offset]
                prev_u = alpha_u[t - 1 - offset]
                xi_ul = prev_u * lr * el * beta_l
                xi_uu = prev_u * (1.0 - lr) * eu * beta_u
                xi_lu = prev_l * f * eu * beta_u
                xi_ll = prev_l * (1.0 - f) * el * beta_l
                norm = 1.0 / (xi_ul + xi_uu + xi_lu + xi_ll)
                i = row_learn[t - 1] - learn_range[k]
                learn_num[i] += xi_ul * norm
                learn_den[i] += (xi_ul + xi_uu) * norm
                forget_num += xi_lu * norm
                forget_den += (xi_lu + xi_ll) * norm
                new_l = (1.0 - f) * el * beta_l + f * eu * beta_u
                new_u = lr * el * beta_l + (1.0 - lr) * eu * beta_u
                # Only beta's ratio matters (gamma and xi are normalized): keeping beta_l + beta_u = 1
                # stops it overflowing where a forward probability is near 0 (0 * inf = NaN).
                norm = 1.0 / (new_l + new_u)
                beta_l, beta_u = new_l * norm, new_u * norm
    loglik += np.log(likelihood)
    # M-step: expected counts to probabilities; a parameter with no evidence keeps its value.
    for i in range(n_prior):
        if prior_den[i] > 0:
            prior[r, prior_range[k] + i] = _clip(prior_num[i] / prior_den[i])
    for i in range(n_learn):
        if learn_den[i] > 0:
            learn[r, learn_range[k] + i] = _clip(learn_num[i] / learn_den[i])
    for i in range(n_gs):
        if unmastered[i] > 0:
            guess[r, gs_range[k] + i] = _clip(guess_num[i] / unmastered[i])
        if mastered[i] > 0:
            slip[r, gs_range[k] + i] = _clip(slip_num[i] / mastered[i])
    if fit_forget and forget_den > 0:
        forget[r, k] = _clip(forget_num / forget_den)
    return loglik


@njit(cache=True, nogil=True)
def _size(k, ranges):
    """How many parameters KC k has: its prior, learn, guess and slip codes, and forget."""
    prior_range, learn_range, gs_range = ranges
    return (
        prior_range[k + 1]
        - prior_range[k]
        + learn_range[k + 1]
        - learn_range[k]
        + 2 * (gs_range[k + 1] - gs_range[k])
        + 1
    )


@njit(cache=True, nogil=True)
def _gather(k, r, params, ranges, theta):
    """KC k's parameters of restart r, as one vector: prior, learn, guess and slip codes, then forget."""
    prior, learn, forget, guess, slip = params
    prior_range, learn_range, gs_range = ranges
    i = 0
    for table, codes in ((prior, prior_range), (learn, learn_range), (guess, gs_range), (slip, gs_range)):
        for code in range(codes[k], codes[k + 1]):
            theta[i] = table[r, code]
            i += 1
    theta[i] = forget[r, k]


@njit(cache=True, nogil=True)
def _scatter(k, r, params, ranges, theta, fit_forget):
    """The inverse of _gather (forget only where it is fitted: 0 stays 0 in standard BKT)."""
    prior, learn, forget, guess, slip = params
    prior_range, learn_range, gs_range = ranges
    i = 0
    for table, codes in ((prior, prior_range), (learn, learn_range), (guess, gs_range), (slip, gs_range)):
        for code in range(codes[k], codes[k + 1]):
            table[r, code] = theta[i]
            i += 1
    if fit_forget:
        forget[r, k] = theta[i]


@njit(cache=True, nogil=True)
def _em_job(k, r, offset, data, params, ranges, scratch, fit_forget, max_iter, tol, loglik_out, iters_out):
    """EM for KC k from the parameters of restart r (updated in place), accelerated by SQUAREM.

    SQUAREM (Varadhan & Roland, 2008) takes two EM steps, extrapolates along them, and takes
    a third from there; if the extrapolation lowered the likelihood it keeps plain EM's
    result instead, so the likelihood never decreases. It cuts the EM steps BKT needs,
    mostly where learn and forget trade off and plain EM crawls.

    `scratch` holds four arrays over the KC's rows, which start at row `offset`.
    """
    n = _size(k, ranges)
    theta0 = np.empty(n)
    theta1 = np.empty(n)
    theta2 = np.empty(n)
    previous = -np.inf
    loglik = 0.0
    steps = 0
    while steps < max_iter:
        _gather(k, r, params, ranges, theta0)
        loglik = _em_step(k, r, offset, data, params, ranges, scratch, fit_forget)
        steps += 1
        if loglik - previous < tol * len(scratch[0]) or steps + 2 > max_iter:
            break
        _gather(k, r, params, ranges, theta1)
        after_one = _em_step(k, r, offset, data, params, ranges, scratch, fit_forget)
        _gather(k, r, params, ranges, theta2)
        # Extrapolate: theta0 - 2 a r + a^2 v, with r the first step, v the change between steps.
        rr = 0.0
        vv = 0.0
        for i in range(n):
            step_r = theta1[i] - theta0[i]
            step_v = theta2[i] - 2.0 * theta1[i] + theta0[i]
            rr += step_r * step_r
            vv += step_v * step_v
        a = -np.sqrt(rr / vv) if vv > 0 else -1.0
        a = min(a, -1.0)  # a = -1 is plain EM's two steps
        for i in range(n):
            step_r = theta1[i] - theta0[i]
            step_v = theta2[i] - 2.0 * theta1[i] + theta0[i]
            theta1[i] = _clip(theta0[i] - 2.0 * a * step_r + a * a * step_v)
        _scatter(k, r, params, ranges, theta1, fit_forget)
        extrapolated = _em_step(k, r, offset, data, params, ranges, scratch, fit_forget)
        steps += 2
        if extrapolated < after_one:
            _scatter(k, r, params, ranges, theta2, fit_forget)
            previous = after_one
        else:
            previous = extrapolated
    loglik_out[r, k] = loglik
    iters_out[r, k] = steps


def em_fit(*args):
    """Run every (KC, restart) job (see _em_fit_jobs), handing jobs to the cores one at a time.

    Jobs differ in size by orders of magnitude; numba's default divides them into one
    block per core up front, so one core can be left with most of the big KCs.
    """
    previous = numba.set_parallel_chunksize(1)
    try:
        return _em_fit_jobs(*args)
    finally:
        numba.set_parallel_chunksize(previous)


@njit(cache=True, parallel=True)
def _em_fit_jobs(
    correct,
    row_gs,
    row_learn,
    seq_start,
    seq_prior,
    kc_seqs,
    prior,
    learn,
    forget,
    guess,
    slip,
    fit_forget,
    max_iter,
    tol,
    prior_range,
    learn_range,
    gs_range,
):
    """Run every (KC, restart) job; parameters [restarts, codes] are updated in place.

    Returns the log-likelihood of the data under the parameters at the start of the
    final E-step, and the iterations used, both [restarts, KCs].
    """
    restarts = prior.shape[0]
    n_kcs = len(kc_seqs) - 1
    loglik = np.zeros((restarts, n_kcs))
    iters = np.zeros((restarts, n_kcs), dtype=np.int64)
    # Big KCs first, so the last jobs to start are short and the cores finish together.
    sizes = np.empty(n_kcs, dtype=np.int64)
    for k in range(n_kcs):
        sizes[k] = seq_start[kc_seqs[k + 1]] - seq_start[kc_seqs[k]]
    order = np.argsort(-sizes)
    data = (correct, row_gs, row_learn, seq_start, seq_prior, kc_seqs)
    params = (prior, learn, forget, guess, slip)
    ranges = (prior_range, learn_range, gs_range)
    for job in prange(restarts * n_kcs):
        k = order[job // restarts]
        r = job % restarts
        a = seq_start[kc_seqs[k]]
        b = seq_start[kc_seqs[k + 1]]
        scratch = (np.empty(b - a), np.empty(b - a), np.empty(b - a), np.empty(b - a))
        _em_job(k, r, a, data, params, ranges, scratch, fit_forget, max_iter, tol, loglik, iters)
    return loglik, iters


@njit(cache=True, parallel=True)
def predict_rows(correct, seq_start, seq_prior, row_learn, row_forget, row_guess, row_slip):
    """P(correct) of every row before its answer is seen, by the exact forward filter.

    Per-row parameter values are given directly (the caller resolves unseen KCs, items
    and learners to fallbacks); `seq_prior` holds each sequence's P(L) at its first answer.
    """
    out = np.empty(len(correct))
    for s in prange(len(seq_start) - 1):
        pl = seq_prior[s]
        pu = 1.0 - pl
        for t in range(seq_start[s], seq_start[s + 1]):
            g = row_guess[t]
            sl = row_slip[t]
            out[t] = pl * (1.0 - sl) + pu * g
            if correct[t]:
                el, eu = 1.0 - sl, g
            else:
                el, eu = sl, 1.0 - g
            c = pl * el + pu * eu
            al = pl * el / c
            au = pu * eu / c
            pl = al * (1.0 - row_forget[t]) + au * row_learn[t]
            pu = au * (1.0 - row_learn[t]) + al * row_forget[t]
    return out
