"""Supervised chat examples from a course's own material, in the tutor's prompt format.

Each example's prompt is built by the very function the app calls for that mode
(tutor/prompts.py), so the model is trained on exactly the prompts it is served. Each
target is written from authored material only (feedback, hints, the KC's notes), so the
model learns to build on the notes in its context window rather than to invent. A hint,
and an answer to a question while the item is open, never contain the item's answer (by
the app's own guard, tutor/answer_guard.py). Examples are split into train and held-out
by KC: held-out loss then measures how well the model explains a KC it never saw in
training, not how well it remembers one.
"""

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from content.ramp import KC, Course, Item
from tutor.answer_guard import reveals_answer
from tutor.grading import feedback_for
from tutor.prompts import ASK, EXPLAIN, HINT, ask_messages, explain_messages, hint_messages


@dataclass(frozen=True)
class Example:
    kc_id: str
    item_id: str
    mode: str  # EXPLAIN, HINT or ASK (tutor.prompts)
    learner_text: str  # the wrong answer (explain) or the question (ask); empty for a hint
    messages: list[dict[str, str]]  # the prompt as the app sends it; may end with the assistant's opening
    target: str  # what the model should write next


def explain_examples(course_title: str, kc: KC, item: Item) -> list[Example]:
    """One example per wrong answer the author wrote feedback for.

    The app's prompt already opens the reply with the right answer and that feedback; the
    target goes on with the note that explains the question and the reasoning in the hints.
    """
    reasoning = [sentence for hint in item.hints for sentence in _sentences(hint) if not sentence.endswith("?")]
    continuation = " ".join([key_idea(kc, item), *reasoning[-2:]])
    return [
        Example(kc.id, item.id, EXPLAIN, answer, explain_messages(course_title, kc, item, answer), continuation)
        for answer in _wrong_answers_with_feedback(item)
    ]


def hint_examples(course_title: str, kc: KC, item: Item) -> list[Example]:
    """A hint before answering: the idea from the notes behind the question, then the item's
    first hint (a question or nudge), leaving out whatever would give the answer away."""
    first_hint = [hint for hint in item.hints[:1] if not reveals_answer(item, hint)]
    target = " ".join(part for part in (key_idea(kc, item, hiding_answer=True), *first_hint) if part)
    return [Example(kc.id, item.id, HINT, "", hint_messages(course_title, kc, item), target)] if target else []


# Questions a learner might ask about the KC while working on an item, each answered from
# one part of the authored KC. Items take them in turn, so every KC gets each of them.
ASK_QUESTIONS: tuple[tuple[str, Callable[[KC], str]], ...] = (
    ("What is the main idea here?", lambda kc: kc.explanation),
    ("Why does this matter?", lambda kc: kc.motivation),
    ("Can you walk me through the worked example?", lambda kc: kc.worked_example),
)


def ask_examples(course_title: str, kc: KC, item: Item) -> list[Example]:
    """A question asked while the item is open, answered with the first two sentences of the
    part of the KC it is about that do not give the item's answer away."""
    question, source = ASK_QUESTIONS[kc.items.index(item) % len(ASK_QUESTIONS)]
    sentences = [s for s in _sentences(source(kc)) if not reveals_answer(item, s)]
    if not sentences:
        return []
    messages = ask_messages(course_title, kc, item, question, answered=False)
    return [Example(kc.id, item.id, ASK, question, messages, " ".join(sentences[:2]))]


# One builder per mode of tutor/prompts.py.
EXAMPLE_BUILDERS: tuple[Callable[[str, KC, Item], list[Example]], ...] = (explain_examples, hint_examples, ask_examples)


def course_examples(course: Course) -> list[Example]:
    """Every example of the course, in ramp order (KC by KC, item by item, builder by builder)."""
    return [
        example
        for kc in course.kcs
        for item in kc.items
        for build in EXAMPLE_BUILDERS
        for example in build(course.title, kc, item)
    ]


def held_out_kcs(kc_ids: list[str], *, share: float, seed: int) -> set[str]:
    """A seeded choice of about `share` of the KCs, at least one, leaving at least one to train on."""
    if len(kc_ids) < 2:
        raise ValueError("a course needs at least two KCs to hold some out")
    count = min(len(kc_ids) - 1, max(1, round(share * len(kc_ids))))
    return set(random.Random(seed).sample(sorted(kc_ids), count))


def split_by_kc(examples: list[Example], held_out: set[str]) -> tuple[list[Example], list[Example]]:
    train = [example for example in examples if example.kc_id not in held_out]
    return train, [example for example in examples if example.kc_id in held_out]


def key_idea(kc: KC, item: Item, *, hiding_answer: bool = False) -> str:
    """The sentence of the KC's notes that shares most words with the question and its hints
    (the earliest on a tie); with `hiding_answer`, only among sentences that do not give it away."""
    asked = _words(" ".join([item.prompt, *item.hints]))
    candidates = [s for s in _sentences(kc.explanation) if not (hiding_answer and reveals_answer(item, s))]
    return max(candidates, key=lambda sentence: len(_words(sentence) & asked), default="")


def _wrong_answers_with_feedback(item: Item) -> list[str]:
    """The wrong answers the author wrote feedback for, as a learner would have given them.

    An ordering's feedback is keyed by the order of step numbers ("2 1 3"); the learner's
    answer is the steps themselves, one a line."""
    answers = [
        "\n".join(item.steps[int(n) - 1] for n in key.split()) if item.kind == "ordering" else key
        for key in item.feedback
    ]
    # Grading decides which feedback a learner sees; a key it would not reach trains nothing real.
    return [answer for answer, key in zip(answers, item.feedback) if feedback_for(item, answer) == item.feedback[key]]


_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+", re.MULTILINE)  # each item of a list is a block of its own
_LEAD_IN = re.compile(r"^\*\*[^*]+\*\*\s*")  # a bold paragraph title such as "**The idea.**"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*(])")
_SHORT_WORDS = {"that", "this", "with", "what", "from", "each", "their", "there", "which", "when", "then", "into"}


def _sentences(markdown: str) -> list[str]:
    """The prose sentences of Markdown notes: no code blocks, tables or headings, and none
    that ends in a colon (it introduces a formula or code that is left out)."""
    blocks = [block for paragraph in _FENCE.sub("", markdown).split("\n\n") for block in _LIST_ITEM.split(paragraph)]
    prose = [
        _LEAD_IN.sub("", " ".join(block.split()))
        for block in blocks
        if block.strip() and not block.lstrip().startswith(("|", "#", "    "))
    ]
    return [s for p in prose for s in _SENTENCE_END.split(p) if s.endswith((".", "!", "?")) and len(s) > 20]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z][a-z_]{3,}", text.lower())) - _SHORT_WORDS
