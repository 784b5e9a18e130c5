"""The hand-written TOML writer: whatever string or float it writes, tomllib reads back exactly."""

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from content import toml_write

# Text that is hard to write as TOML: quotes, backslashes, newlines, controls, spaces to wrap at.
AWKWARD = st.text(alphabet=st.sampled_from(list(" \"'\\\n\r\t\x00\x7fab`é")), max_size=400)


@settings(max_examples=300)
@given(st.one_of(st.text(), AWKWARD))
def test_every_string_reads_back_the_same(text):
    for write in (toml_write.string, toml_write.block_string):
        assert tomllib.loads(f"x = {write(text)}")["x"] == text


@given(st.floats(allow_nan=False))
def test_every_float_reads_back_the_same(x):
    assert tomllib.loads(f"x = {toml_write.number(x)}")["x"] == x


def test_numbers_are_written_as_authors_write_them():
    assert [toml_write.number(x) for x in (5.0, 0.5, 1e-05, 0.95, 3145728.0)] == [
        "5",
        "0.5",
        "0.00001",
        "0.95",
        "3145728",
    ]


def test_long_prompts_are_wrapped_at_spaces():
    text = "word " * 60 + "end"
    written = toml_write.assignment("prompt", text, text=True)
    assert all(len(line) <= toml_write.WIDTH + 2 for line in written.splitlines())
    assert tomllib.loads(written)["prompt"] == text
