"""Faculty author courses in the browser: drafts, validation, preview, publishing.

A course's draft is its folder (course.toml and kcs/<id>.md) held as text in the
database. Editing changes only the draft; learners see what was last published,
imported through webapp.learning.services.import_course like any course folder.
"""
