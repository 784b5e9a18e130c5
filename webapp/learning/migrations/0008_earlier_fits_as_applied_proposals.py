"""Fits recorded before refits became proposals wrote their parameters at once: keep them, in
the proposal format, as applied when they were made (metrics of the parameters they replaced
were not measured then, so they stay empty)."""

from django.db import migrations


def as_applied_proposals(apps, schema_editor):
    LearnerModelFit = apps.get_model("learning", "LearnerModelFit")
    for fit in LearnerModelFit.objects.filter(applied_at__isnull=True).iterator():
        if not all(isinstance(row, dict) and "before" in row for row in fit.parameters.values()):
            continue  # already a proposal
        fit.parameters = {
            slug: {"current": row["before"], "proposed": row["after"], "responses": row.get("responses", 0)}
            for slug, row in fit.parameters.items()
        }
        fit.metrics = {"current": {}, "proposed": fit.metrics}
        fit.applied_at = fit.fitted_at
        fit.save(update_fields=["parameters", "metrics", "applied_at"])


class Migration(migrations.Migration):
    dependencies = [("learning", "0007_learner_model_fit_proposals")]

    operations = [migrations.RunPython(as_applied_proposals, migrations.RunPython.noop)]
