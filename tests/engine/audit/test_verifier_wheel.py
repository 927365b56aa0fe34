"""The standalone verifier as a wheel of its own: ``make dist`` builds it, and it installs and runs in a fresh
virtualenv that holds nothing of opsflow, offline.

The fresh venv gets ``cryptography`` (and its ``cffi``) from this test run's own environment through a ``.pth``
folder of links, so ``pip install --no-index`` finds the dependency installed and needs no network, as in CI.
"""

from __future__ import annotations

import importlib.util
import subprocess
import venv
import zipfile
from pathlib import Path

from engine.facade import Engine
from opsflow_verify import __version__
from tests.journey import OPERATOR, research_and_draft, start_plan
from tests.paths import REPO

DEPENDENCIES = ("cryptography", "cffi", "pycparser", "_cffi_backend")


def _links_to_dependencies(folder: Path) -> None:
    """Links to the installed ``cryptography``, ``cffi``, ``pycparser`` (packages, modules and dist-info)."""
    folder.mkdir()
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        package = origin.parent if origin.name == "__init__.py" else origin
        site = package.parent
        (folder / package.name).symlink_to(package)
        for info in site.glob(f"{name}-*.dist-info"):
            (folder / info.name).symlink_to(info)


def test_make_dist_builds_a_wheel_that_installs_alone_and_checks_a_bundle(engine: Engine, tmp_path: Path) -> None:
    built = subprocess.run(["make", "--no-print-directory", "dist"], cwd=REPO, capture_output=True, text=True,
                           timeout=300, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = REPO / "dist" / f"opsflow_verify-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"opsflow_verify-{__version__}.dist-info/METADATA").decode()
    assert {n.split("/")[0] for n in names} == {"opsflow_verify", f"opsflow_verify-{__version__}.dist-info"}
    assert [line for line in metadata.splitlines() if line.startswith("Requires-Dist")] == [
        "Requires-Dist: cryptography<51,>=42"]

    home = tmp_path / "venv"
    venv.create(home, with_pip=True, system_site_packages=False)
    _links_to_dependencies(tmp_path / "deps")
    [site] = list(home.glob("lib/python3*/site-packages"))
    (site / "deps.pth").write_text(str(tmp_path / "deps") + "\n")
    install = subprocess.run([str(home / "bin" / "python"), "-m", "pip", "install", "--no-index", "--quiet",
                              str(wheel)], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stdout + install.stderr

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)

    version = run(str(home / "bin" / "opsflow-verify"), "--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"opsflow-verify {__version__}")
    alone = run(str(home / "bin" / "python"), "-c", "import opsflow_verify, sys; import engine")
    assert alone.returncode == 1 and "No module named 'engine'" in alone.stderr  # nothing of opsflow there

    plan = start_plan(engine)
    research_and_draft(engine, plan)
    bundle = tmp_path / "bundle.zip"
    with open(bundle, "wb") as out:
        engine.audit.export_bundle(OPERATOR, [plan], out)
    with zipfile.ZipFile(bundle) as archive:
        assert f"opsflow-verify {__version__}" in archive.read("README.md").decode()
    checked = run(str(home / "bin" / "opsflow-verify"), str(bundle))
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1].startswith("verified:"), checked
    with zipfile.ZipFile(bundle) as archive, zipfile.ZipFile(tmp_path / "forged.zip", "w") as forged:
        for item in archive.namelist():
            data = archive.read(item)
            forged.writestr(item, data.replace(b'"research"', b'"draft_plan"', 1) if item == "events.jsonl" else data)
    assert run(str(home / "bin" / "opsflow-verify"), str(tmp_path / "forged.zip")).returncode == 8


