"""fastnn.utils.Progbar has Keras' API (issue 15 item 5): update/add, averaging of stateless metrics weighted by
the steps each value covers, stateful_metrics / stateless_metrics, target=None, verbose 0/1/2 — the values it
shows compared with keras.utils.Progbar's on the same updates."""
import io
import re

import pytest

from fastnn import utils

UPDATES = [(1, [("loss", 1.0), ("lr", 0.1)]), (3, [("loss", 0.4), ("lr", 0.05)]), (4, [("loss", 0.2), ("lr", 0.01)])]
MIDWAY = UPDATES[:2]  # not final: stateless metrics show their step-weighted average


def _shown(text):
    return {k: float(v) for k, v in re.findall(r"(\w+): ([-\d.e+]+)", text)}


@pytest.mark.parametrize("kwargs", [{}, {"stateful_metrics": ["lr"]}, {"stateless_metrics": ["loss"]}])
def test_values_shown_match_keras(kwargs, capsys):
    import keras

    stream = io.StringIO()
    ours = utils.Progbar(4, verbose=2, stream=stream, **kwargs)
    theirs = keras.utils.Progbar(4, verbose=2, **kwargs)
    for current, values in UPDATES:
        ours.update(current, values)
        theirs.update(current, values)
    keras_out = capsys.readouterr().out
    assert _shown(stream.getvalue()) == pytest.approx(_shown(keras_out), abs=1e-4)
    assert stream.getvalue().startswith("4/4 - ")
    ours, theirs = utils.Progbar(4, **kwargs), keras.utils.Progbar(4, **kwargs)
    for current, values in MIDWAY:
        ours.update(current, values)
        theirs.update(current, values)
    capsys.readouterr()
    keras_values = {k: v[0] / v[1] for k, v in theirs._values.items()}
    assert {k: v[0] / v[1] for k, v in ours._values.items()} == pytest.approx(keras_values)


def test_add_unknown_target_and_silent(capsys):
    stream = io.StringIO()
    bar = utils.Progbar(None, stream=stream)
    bar.add(2, [("loss", 3.0)])
    bar.add(2, {"loss": 1.0})  # a dict works too
    assert bar._values["loss"] == [8.0, 4]  # averaged over the 4 steps: 2.0
    bar.update(5, finalize=True)
    assert "5/Unknown" in stream.getvalue() and "loss: 2.0000" in stream.getvalue()
    quiet = io.StringIO()
    silent = utils.Progbar(5, verbose=0, stream=quiet)
    silent.add(5, [("loss", 1.0)])
    assert quiet.getvalue() == "" and silent._seen_so_far == 5


def test_bad_progbar_arguments():
    with pytest.raises(ValueError, match="Only one of"):
        utils.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])
    with pytest.raises(ValueError, match="target=-1"):
        utils.Progbar(-1)
    with pytest.raises(ValueError, match="verbose=3"):
        utils.Progbar(3, verbose=3)
