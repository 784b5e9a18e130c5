from tests.webapp.conftest import course, enrolled, learner  # noqa: F401  (shared fixtures)
