"""The README's code examples run as printed."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_python_examples_run(mnist_dir, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("FASTNN_MNIST_DIR", mnist_dir)
    monkeypatch.chdir(tmp_path)  # the examples save files
    blocks = _python_blocks()
    assert len(blocks) >= 3
    for block in blocks:  # each block on its own: a reader copies one block, imports included
        exec(compile(block, str(README), "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert re.search(r"loss \d+\.\d{4}, mean \d+\.\d{4}", out), out
    assert "Total params: 407,050" in out and (tmp_path / "mnist_mlp.npz").is_file()
