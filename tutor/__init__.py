"""The tutoring loop: grade an answer, update mastery, choose what comes next, explain.

`tutor` composes `content` (the course) and `learner_model` (what the learner knows).
It receives plain data and returns plain data: no Django, no database.
"""
