"""Reads for the learner-model page: each KC's BKT parameters now and in the latest refit proposal.

Only the KCs and two stored fits are read (the latest, and the latest applied one, whose
intervals belong to the current parameters where the KCs still hold what it wrote), never
the response log, so the page costs the same however many answers the course has.
"""

from dataclasses import dataclass

from webapp.learning.models import Course, KnowledgeComponent, LearnerModelFit
from webapp.learning.refit import PARAMS, current_params, degenerate, stale_kcs

# name, label, whether a higher figure is the better one
METRICS = (
    ("auc", "AUC", True),
    ("rmse", "RMSE", False),
    ("log_loss", "Log loss", False),
    ("log_likelihood", "Log-likelihood", True),
)


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float | None = None  # the Bayesian fit's 90% interval, where known
    high: float | None = None

    # Formatted here rather than with the template's floatformat, which costs more than the
    # rest of the page on a course of many KCs.
    @property
    def shown(self) -> str:
        return f"{self.value:.3f}"

    @property
    def interval(self) -> str:
        return "" if self.low is None else f"[{self.low:.2f}, {self.high:.2f}]"


@dataclass(frozen=True)
class KCRow:
    kc: KnowledgeComponent
    responses: int | None  # in the proposal's log; None when the proposal has none on this KC
    current: dict[str, Estimate]
    proposed: dict[str, Estimate] | None  # None: no proposal, or too few responses to fit this KC
    current_warnings: list[str]
    proposed_warnings: list[str]

    @property
    def changes(self) -> dict[str, float]:
        """Proposed minus current, per parameter."""
        if self.proposed is None:
            return {}
        return {name: self.proposed[name].value - self.current[name].value for name in PARAMS}

    @property
    def cells(self) -> list[tuple[str, Estimate, Estimate | None, str]]:
        """Per parameter, for the table: its name, current and proposed estimates, and the change, signed."""
        changes = self.changes
        return [
            (
                name,
                self.current[name],
                self.proposed[name] if self.proposed else None,
                f"{changes[name]:+.3f}" if name in changes else "–",
            )
            for name in PARAMS
        ]


@dataclass(frozen=True)
class MetricRow:
    label: str
    current: float | None
    proposed: float | None
    better: str  # "proposed", "current" or "" (equal, or not comparable)


@dataclass(frozen=True)
class ModelPage:
    rows: list[KCRow]
    proposal: LearnerModelFit | None  # the latest refit, applied or not
    stale: list[str]  # KCs whose parameters changed since the proposal was made: it cannot be applied
    metrics: list[MetricRow]

    @property
    def can_apply(self) -> bool:
        return self.proposal is not None and self.proposal.applied_at is None and not self.stale


def learner_model_page(course: Course) -> ModelPage:
    kcs = list(course.kcs.order_by("position").only("course", "slug", "title", "position", "archived", *PARAMS))
    proposal = course.learner_model_fits.select_related("applied_by").first()
    applied = course.learner_model_fits.filter(applied_at__isnull=False).order_by("-applied_at").first()
    shown = [kc for kc in kcs if not kc.archived or (proposal and kc.slug in proposal.parameters)]
    rows = [_row(kc, proposal, applied) for kc in shown]
    stale = stale_kcs(proposal, {kc.slug: kc for kc in kcs}) if proposal else []
    return ModelPage(rows=rows, proposal=proposal, stale=stale, metrics=_metric_rows(proposal))


def _row(kc: KnowledgeComponent, proposal: LearnerModelFit | None, applied: LearnerModelFit | None) -> KCRow:
    values = current_params(kc)
    # The current parameters have intervals when they are the ones the last apply wrote.
    written = applied.parameters.get(kc.slug, {}).get("proposed") if applied else None
    current = _estimates(values, applied.intervals.get(kc.slug) if written == values else None)
    entry = proposal.parameters.get(kc.slug) if proposal else None
    fitted = entry["proposed"] if entry else None
    return KCRow(
        kc=kc,
        responses=entry["responses"] if entry else None,
        current=current,
        proposed=_estimates(fitted, proposal.intervals.get(kc.slug)) if fitted else None,
        current_warnings=degenerate(values),
        proposed_warnings=degenerate(fitted) if fitted else [],
    )


def _estimates(values: dict[str, float], intervals: dict | None) -> dict[str, Estimate]:
    intervals = intervals or {}
    estimates = {}
    for name in PARAMS:
        interval = intervals.get(name) or {}
        estimates[name] = Estimate(values[name], interval.get("low"), interval.get("high"))
    return estimates


def _metric_rows(proposal: LearnerModelFit | None) -> list[MetricRow]:
    if proposal is None:
        return []
    rows = []
    for name, label, higher_is_better in METRICS:
        old, new = proposal.metrics["current"].get(name), proposal.metrics["proposed"].get(name)
        better = ""
        if old is not None and new is not None and old != new:
            better = "proposed" if (new > old) == higher_is_better else "current"
        rows.append(MetricRow(label, old, new, better))
    return rows


def csv_table(course: Course) -> tuple[list[str], list[list]]:
    """The parameter table as CSV: one row per KC in ramp order, current and proposed side by side."""
    header = ["position", "kc", "title", "responses"]
    for side in ("current", "proposed"):
        header += [f"{side}_{name}{part}" for name in PARAMS for part in ("", "_low", "_high")]
    header += ["current_warnings", "proposed_warnings"]
    rows = []
    for row in learner_model_page(course).rows:
        cells = [row.kc.position, row.kc.slug, row.kc.title, row.responses]
        for side in (row.current, row.proposed):
            for name in PARAMS:
                estimate = side[name] if side else Estimate(None)
                cells += [estimate.value, estimate.low, estimate.high]
        cells += ["; ".join(row.current_warnings), "; ".join(row.proposed_warnings)]
        rows.append(cells)
    return header, rows
