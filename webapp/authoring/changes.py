"""What publishing a draft would change for learners, KC by KC and item by item.

Both sides are content.Course values: the published course as the tutor reads it from
the database (its live KCs and items) and the draft as loaded from its files. KCs and
items are matched by id, as the importer matches them; the ones the draft leaves out
are archived (kept, with learners' answers), never deleted.
"""

from dataclasses import dataclass, field

from content.ramp import KC, Course

COURSE_FIELDS = ("title", "description", "authors", "target_band", "mastery_threshold")
KC_FIELDS = ("title", "prerequisites", "motivation", "explanation", "worked_example", "bkt", "minutes", "tags")


@dataclass(frozen=True)
class Changes:
    course: list[str] = field(default_factory=list)  # course settings that change
    kcs_added: list[str] = field(default_factory=list)
    kcs_changed: dict[str, list[str]] = field(default_factory=dict)  # KC id: what changes about it
    kcs_archived: list[str] = field(default_factory=list)
    items_added: list[str] = field(default_factory=list)
    items_changed: list[str] = field(default_factory=list)
    items_archived: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)

    def summary(self) -> list[str]:
        """One line per kind of change, for the publish page and the version history."""
        lines = []
        if self.course:
            lines.append(f"Course settings changed: {', '.join(self.course)}")
        for label, ids in (
            ("KCs added", self.kcs_added),
            ("KCs changed", [f"{kc} ({', '.join(what)})" for kc, what in self.kcs_changed.items()]),
            ("KCs archived", self.kcs_archived),
            ("Items added", self.items_added),
            ("Items changed", self.items_changed),
            ("Items archived", self.items_archived),
        ):
            if ids:
                lines.append(f"{label} ({len(ids)}): {', '.join(ids)}")
        return lines


def between(published: Course | None, draft: Course) -> Changes:
    """The changes from `published` (None: nothing published yet) to `draft`."""
    before_kcs = {kc.id: kc for kc in published.kcs} if published else {}
    after_kcs = {kc.id: kc for kc in draft.kcs}
    before_items = _items(published.kcs if published else ())
    after_items = _items(draft.kcs)
    positions = {kc.id: n for n, kc in enumerate(published.kcs)} if published else {}
    kcs_changed = {}
    for position, kc in enumerate(draft.kcs):
        if kc.id in before_kcs:
            what = _kc_changes(before_kcs[kc.id], kc)
            if positions[kc.id] != position:
                what.append("place in the ramp")
            if what:
                kcs_changed[kc.id] = what
    return Changes(
        course=[name for name in COURSE_FIELDS if published and getattr(published, name) != getattr(draft, name)],
        kcs_added=[kc for kc in after_kcs if kc not in before_kcs],
        kcs_changed=kcs_changed,
        kcs_archived=[kc for kc in before_kcs if kc not in after_kcs],
        items_added=[item for item in after_items if item not in before_items],
        items_changed=[item for item, now in after_items.items() if before_items.get(item, now) != now],
        items_archived=[item for item in before_items if item not in after_items],
    )


def _items(kcs) -> dict[str, tuple[str, dict]]:
    """Each item's KC and spec, by item id, in ramp order."""
    return {item.id: (kc.id, item.spec()) for kc in kcs for item in kc.items}


def _kc_changes(before: KC, after: KC) -> list[str]:
    what = [name.replace("_", " ") for name in KC_FIELDS if getattr(before, name) != getattr(after, name)]
    kept = [item.id for item in after.items if item.id in {i.id for i in before.items}]
    if kept != [item.id for item in before.items if item.id in kept]:
        what.append("order of items")
    return what
