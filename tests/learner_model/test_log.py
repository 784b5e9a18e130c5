"""Loading response logs: pyBKT's columns, order, and clear errors for bad files."""

import json

import numpy as np
import pytest

from learner_model.__main__ import main
from learner_model.log import LogError, load_log
from learner_model.metrics import auc, log_loss, rmse


def write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_rows_are_grouped_by_kc_and_learner_in_file_order(tmp_path):
    log = load_log(write(tmp_path, "user_id,skill_name,correct\nu1,a,1\nu2,a,0\nu1,b,0\nu1,a,0\n"))
    assert log.kcs == ("a", "b") and log.learners == ("u1", "u2")
    assert list(log.seq_start) == [0, 2, 3, 4]
    assert list(log.file_row) == [0, 3, 1, 2]  # u1's two answers on a, in file order
    assert list(log.in_file_order(log.correct)) == [1, 0, 0, 0]


def test_order_id_orders_each_learners_answers(tmp_path):
    log = load_log(write(tmp_path, "order_id,user_id,skill_name,correct\n20,u,a,0\n10,u,a,1\n"))
    assert list(log.correct) == [1, 0] and list(log.file_row) == [1, 0]


def test_item_ids_are_read(tmp_path):
    log = load_log(write(tmp_path, "user_id,skill_name,correct,template_id\nu,a,1,t1\nu,a,0,t2\n"))
    assert log.items == ("t1", "t2")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("user_id,skill_name,correct\n", "has a header but no responses"),
        ("user_id,correct\nu,1\n", "missing column(s) skill_name"),
        ("user_id,skill_name,correct\nu,a,1\nu,a,2\n", "row 2 (line 3): column 'correct' must be 0 or 1, found '2'"),
        ("user_id,skill_name,correct\nu,a,1\nu,a,\n", "row 2 (line 3): column 'correct' must be 0 or 1, found empty"),
        ("user_id,skill_name,correct\nu,a,1\nu,,1\n", "row 2 (line 3): column 'skill_name' is empty"),
        ("user_id,skill_name,correct\nu,a,NaN\n", "row 1 (line 2): column 'correct' must be 0 or 1, found 'NaN'"),
        ("order_id,user_id,skill_name,correct\nx,u,a,1\n", "row 1 (line 2): column 'order_id' must be a number"),
    ],
)
def test_bad_files_get_a_clear_error_naming_the_place(tmp_path, text, message):
    with pytest.raises(LogError) as caught:
        load_log(write(tmp_path, text))
    assert message in str(caught.value) and "log.csv" in str(caught.value)


def test_metrics_on_hand_checked_values():
    correct = np.array([1, 0, 1, 0])
    predicted = np.array([0.9, 0.1, 0.4, 0.6])
    assert auc(correct, predicted) == 0.75  # 3 of the 4 (right, wrong) pairs are ordered well
    assert auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5
    assert rmse(correct, predicted) == pytest.approx(np.sqrt((0.01 + 0.01 + 0.36 + 0.36) / 4))
    assert log_loss(np.array([1]), np.array([0.5])) == pytest.approx(np.log(2))


def test_command_line_fit_and_evaluate(tmp_path, capsys):
    rows = "".join(f"u{u},{k},{(u + t) % 3 != 0:d}\n" for u in range(40) for k in ("a", "b") for t in range(6))
    log = write(tmp_path, "user_id,skill_name,correct\n" + rows)
    out = tmp_path / "params.json"
    assert main(["fit", str(log), "--out", str(out), "--restarts", "2"]) == 0
    assert "fitted 2 KCs on 480 responses" in capsys.readouterr().out and out.is_file()
    assert main(["evaluate", "--params", str(out), "--test", str(log)]) == 0
    assert '"auc"' in capsys.readouterr().out
    cohorts = write(tmp_path, "user_id,cohort\n" + "".join(f"u{u},{u % 2}\n" for u in range(40)), "cohorts.csv")
    assert main(["fit", str(log), "--out", str(out), "--prior-by", "cohort", "--cohorts", str(cohorts)]) == 0
    assert set(json.loads(out.read_text())["kcs"]["a"]["priors"]) == {"0", "1"}
    assert main(["crossval", str(log), "--folds", "2", "--restarts", "1"]) == 0
    assert main(["fit", str(log), "--out", str(out), "--prior-by", "cohort"]) == 2
    assert "--prior-by cohort needs --cohorts" in capsys.readouterr().err
    assert main(["bayes", str(log), "--out", str(tmp_path / "bayes.json")]) == 0
    assert "fitted 2 KCs with 90% intervals" in capsys.readouterr().out
    bad = write(tmp_path, "user_id,skill_name,correct\nu,a,yes\n", "bad.csv")
    assert main(["fit", str(bad), "--out", str(tmp_path / "x.json")]) == 2
    assert "bad.csv: row 1 (line 2): column 'correct' must be 0 or 1, found 'yes'" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
