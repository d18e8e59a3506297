"""The docs site (mkdocs.yml, docs/) builds as CI builds it — `mkdocs build --strict`, so any warning (a broken
link, a docstring argument that is not in the signature, a page missing from the nav) fails — without network, and
its API reference has an entry for every public class and function."""
import html
import pathlib
import re
import subprocess
import sys

import pytest
from public_api import public_objects

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not (ROOT / "mkdocs.yml").is_file() or not (ROOT / "docs").is_dir():
        pytest.skip(f"no source checkout with mkdocs.yml above {ROOT} (the sdist does not ship the docs)")
    pytest.importorskip("mkdocstrings_handlers.python", reason="mkdocs + mkdocstrings[python] are in the test extra")
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
               "--site-dir", str(out)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def test_site_builds_with_warnings_as_errors(site):
    for page in ("index.html", "getting-started/index.html", "porting/index.html", "kernels/index.html",
                 "determinism/index.html", "distributed/index.html", "api/layers/index.html"):
        assert (site / page).is_file(), page


def test_api_reference_documents_every_public_name(site):
    anchors = set()
    for page in (site / "api").rglob("*.html"):
        anchors.update(html.unescape(a) for a in re.findall(r'\bid="(fastnn[\w.]*)"', page.read_text()))
    missing = [paths[0] for _, paths in public_objects().values()
               if not anchors & set(paths)]
    assert missing == []
