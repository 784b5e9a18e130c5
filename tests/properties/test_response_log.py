"""The CSV response log loader on random files: a valid log, or a LogError naming the file
(and the row, when one row is at fault); never another exception."""

import csv
import io
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from learner_model.log import LogError, ResponseLog, load_log

COLUMNS = ["user_id", "skill_name", "correct", "order_id", "item_id", "template_id", "extra"]
CELLS = st.one_of(
    st.sampled_from(["0", "1", "1.0", "0.0", "", " ", "2", "-1", "nan", "inf", "1e309", "yes", "a,b", '"', "\n"]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True).map(str),
    st.text(max_size=8),
)


@st.composite
def csv_text(draw):
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)), max_size=6))
    if rows and draw(st.booleans()):  # a ragged row
        rows[draw(st.integers(0, len(rows) - 1))].append(draw(CELLS))
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        path.write_bytes(data)
        try:
            log = load_log(path)
        except LogError as error:
            message = str(error)
            assert message.startswith(f"{path}: "), message
            row = re.search(r"row (\d+) \(line (\d+)\)", message)
            if row:
                assert int(row[2]) == int(row[1]) + 1, message
            return
        assert isinstance(log, ResponseLog) and len(log) > 0
        assert set(log.correct.tolist()) <= {0, 1}
        assert sorted(log.file_row.tolist()) == list(range(len(log)))


@settings(max_examples=100, deadline=None)
@given(csv_text())
def test_a_random_csv_log_loads_or_names_what_is_wrong(data):
    check(data)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_load_or_name_what_is_wrong(data):
    check(b"user_id,skill_name,correct\n" + data)
