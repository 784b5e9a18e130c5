"""Response logs: who answered what, on which KC, rightly or not, in what order.

The file format is pyBKT's column convention: `user_id`, `skill_name`, `correct`
(0 or 1), and optionally `order_id` (chronological order; without it, file order
within each user is taken as chronological) and `item_id` or `template_id` (the item
answered). CSV files are parsed with pyarrow, which reads ~10 million rows in seconds.

A loaded log keeps its rows grouped into sequences, one per (KC, learner), in
chronological order, with codes for KCs, learners and items, and remembers each row's
place in the file so that predictions come back in file order.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

REQUIRED = ("user_id", "skill_name", "correct")
ITEM_COLUMNS = ("item_id", "template_id")


class LogError(ValueError):
    """A response log that cannot be used; the message names the file, row and column."""


@dataclass(frozen=True)
class ResponseLog:
    """Rows sorted by (KC, learner, time). All arrays have one entry per row unless noted."""

    kc: np.ndarray  # int32 code into `kcs`
    learner: np.ndarray  # int32 code into `learners`
    item: np.ndarray  # int32 code into `items` (the KC's name when the log has no item column)
    correct: np.ndarray  # int8, 0 or 1
    file_row: np.ndarray  # int64: the row's index among the file's data rows
    seq_start: np.ndarray  # int64 [sequences + 1]: sequence s is rows seq_start[s]:seq_start[s + 1]
    kcs: tuple[str, ...]
    learners: tuple[str, ...]
    items: tuple[str, ...]
    source: str = ""

    def __len__(self) -> int:
        return len(self.correct)

    @property
    def seq_kc(self) -> np.ndarray:
        return self.kc[self.seq_start[:-1]]

    @property
    def seq_learner(self) -> np.ndarray:
        return self.learner[self.seq_start[:-1]]

    def in_file_order(self, values: np.ndarray) -> np.ndarray:
        """`values` (one per sorted row) rearranged into the file's row order."""
        out = np.empty_like(values)
        out[self.file_row] = values
        return out

    def select_learners(self, keep: np.ndarray) -> "ResponseLog":
        """The log of the learners whose codes are True in the boolean array `keep`."""
        rows = keep[self.learner]
        return from_columns(
            kcs=np.asarray(self.kcs, dtype=object)[self.kc[rows]],
            learners=np.asarray(self.learners, dtype=object)[self.learner[rows]],
            items=np.asarray(self.items, dtype=object)[self.item[rows]],
            correct=self.correct[rows],
            order=self.file_row[rows],
            source=self.source,
        )


def load_log(path: str | Path) -> ResponseLog:
    """Read a CSV response log, checking it; raise LogError naming the file, row and column."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise LogError(f"{path}: the file is empty; expected a header with {', '.join(REQUIRED)}")
    try:
        header = pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows_after_names=0, block_size=1 << 16))
    except pa.ArrowInvalid as error:
        raise LogError(f"{path}: not a readable CSV file ({error})") from error
    names = header.column_names
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        raise LogError(f"{path}: missing column(s) {', '.join(missing)}; the header has {', '.join(names)}")
    item_column = next((column for column in ITEM_COLUMNS if column in names), None)
    columns = [*REQUIRED, *([item_column] if item_column else []), *(["order_id"] if "order_id" in names else [])]
    table = _read_typed(path, columns) or _read_as_text(path, columns)
    if table.num_rows == 0:
        raise LogError(f"{path}: the file has a header but no responses")

    correct = _binary(table.column("correct"), path)
    for column in ("user_id", "skill_name", *([item_column] if item_column else [])):
        _no_blanks(table.column(column), path, column)
    order = _order(table.column("order_id"), path) if "order_id" in names else None
    return from_columns(
        kcs=table.column("skill_name"),
        learners=table.column("user_id"),
        items=table.column(item_column) if item_column else None,
        correct=correct,
        order=order,
        source=str(path),
    )


def _read_typed(path: Path, columns: list[str]):
    """The fast path: ids as pyarrow infers them (integers, usually), `correct` as integers.

    Returns None when a column does not fit those types; the text path then finds the row.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {"correct": pa.int8()} | ({"order_id": pa.float64()} if "order_id" in columns else {})
    try:
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=columns, null_values=[""]),
        )
    except pa.ArrowInvalid:
        return None


def _read_as_text(path: Path, columns: list[str]):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.string()),
        include_columns=columns,
        strings_can_be_null=True,
        null_values=[""],
    )
    try:
        return pacsv.read_csv(path, convert_options=options)
    except pa.ArrowInvalid as error:
        raise LogError(f"{path}: {error}") from error


def from_columns(*, kcs, learners, correct, items=None, order=None, source: str = "") -> ResponseLog:
    """Build a log from columns (arrays or pyarrow columns) in file order.

    `order` gives each row's time (rows of one learner are sorted by it, ties kept in file
    order); without it, file order is time order. Without `items`, each KC is its own item.
    """
    kc_codes, kc_names = _encode(kcs)
    learner_codes, learner_names = _encode(learners)
    if items is None:
        item_codes, item_names = kc_codes, kc_names
    else:
        item_codes, item_names = _encode(items)
    correct = np.asarray(correct, dtype=np.int8)
    n = len(correct)
    file_row = np.arange(n, dtype=np.int64)
    # Sort by time first, then stably by (KC, learner): each sequence ends up contiguous and chronological.
    by_time = np.argsort(np.asarray(order), kind="stable") if order is not None else file_row
    group = kc_codes.astype(np.int64)[by_time] * max(len(learner_names), 1) + learner_codes[by_time]
    rows = by_time[np.argsort(group, kind="stable")]
    kc_sorted, learner_sorted = kc_codes[rows], learner_codes[rows]
    boundary = np.flatnonzero((np.diff(kc_sorted) != 0) | (np.diff(learner_sorted) != 0)) + 1
    seq_start = np.concatenate([[0], boundary, [n]]).astype(np.int64)
    return ResponseLog(
        kc=kc_sorted,
        learner=learner_sorted,
        item=item_codes[rows],
        correct=correct[rows],
        file_row=file_row[rows],
        seq_start=seq_start,
        kcs=kc_names,
        learners=learner_names,
        items=item_names,
        source=source,
    )


def _encode(column) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes (int32) and the names they stand for, in order of first appearance."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = column if isinstance(column, pa.ChunkedArray | pa.Array) else pa.array(np.asarray(column).astype(str))
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, tuple(str(name) for name in encoded.dictionary.to_pylist())


def _row_label(index: int) -> str:
    return f"row {index + 1} (line {index + 2})"


def _no_blanks(column, path: Path, name: str) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = pc.is_null(column)
    if pa.types.is_string(column.type):
        blank = pc.or_kleene(blank, pc.equal(pc.utf8_trim_whitespace(column), ""))
    if pc.any(blank).as_py():
        first = int(np.flatnonzero(blank.to_numpy(zero_copy_only=False))[0])
        raise LogError(f"{path}: {_row_label(first)}: column '{name}' is empty")


def _binary(column, path: Path) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(column.type):
        values = column.to_numpy(zero_copy_only=False)  # nulls (empty cells) come back as NaN
        bad = ~np.isin(values, (0, 1))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            shown = "empty" if np.isnan(values[first]) else f"'{values[first]:g}'"
            raise LogError(f"{path}: {_row_label(first)}: column 'correct' must be 0 or 1, found {shown}")
        return values.astype(np.int8)

    text = pc.utf8_trim_whitespace(pc.fill_null(column, ""))
    ok = pc.is_in(text, value_set=_BINARY_TEXT)
    if not pc.all(ok).as_py():
        first = int(np.flatnonzero(~ok.to_numpy(zero_copy_only=False))[0])
        value = text[first].as_py()
        shown = "empty" if value == "" else f"{value!r}"
        raise LogError(f"{path}: {_row_label(first)}: column 'correct' must be 0 or 1, found {shown}")
    return pc.is_in(text, value_set=_ONE_TEXT).to_numpy(zero_copy_only=False).astype(np.int8)


def _order(column, path: Path) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    _no_blanks(column, path, "order_id")
    if pa.types.is_floating(column.type):
        return column.to_numpy(zero_copy_only=False)
    try:
        return pc.cast(pc.utf8_trim_whitespace(column), "float64").to_numpy(zero_copy_only=False)
    except Exception as error:  # pyarrow says which value failed; the row is found below
        values = column.to_pylist()
        for index, value in enumerate(values):
            try:
                float(value)
            except ValueError:
                raise LogError(
                    f"{path}: {_row_label(index)}: column 'order_id' must be a number, found {value!r}"
                ) from error
        raise LogError(f"{path}: column 'order_id': {error}") from error


def _value_sets():
    import pyarrow as pa

    return pa.array(["0", "1", "0.0", "1.0"]), pa.array(["1", "1.0"])


_BINARY_TEXT, _ONE_TEXT = _value_sets()
