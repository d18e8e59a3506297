"""The README's code examples run as printed."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_python_examples_run(mnist_dir, monkeypatch, capsys):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    blocks = _python_blocks()
    assert len(blocks) >= 2
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    out = capsys.readouterr().out
    assert re.search(r"loss \d+\.\d{4}, mean \d+\.\d{4}", out), out
