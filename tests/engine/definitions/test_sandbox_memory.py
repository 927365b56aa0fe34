"""Scripts have a memory bound: a script that hoards memory is stopped long before it takes the server's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.definitions.sandbox import DEFAULT_MEMORY_LIMIT, SandboxedEnvironment, ScriptMemoryExceeded, rules
from engine.errors import ProcessError
from engine.facade import build_engine
from engine.org.people import Person
from tests.journey import OPERATOR, deploy_files, only_task
from tests.paths import REPO

ROOT = REPO
FIXTURES = ROOT / "tests" / "fixtures"
HOARD = "chunks = []\nwhile True:\n    chunks.append('x' * 1000000)"

# Run in a fresh interpreter, so that its peak resident size is this script's alone.
PROBE = """
import sys
from engine.definitions.sandbox import SandboxedEnvironment, ScriptMemoryExceeded
from tests.paths import REPO

def kib(field):  # VmHWM: this process's peak resident size (unlike ru_maxrss, not inherited through exec)
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith(field)).split()[1])

before = kib("VmRSS:")
try:
    SandboxedEnvironment(time_limit=5.0).execute(sys.argv[1], {})
except ScriptMemoryExceeded as exc:
    print("stopped:", exc)
print("grew_mib:", (kib("VmHWM:") - before) // 1024)
"""


def test_a_script_hoarding_1_mb_strings_is_stopped_near_the_limit_not_at_gigabytes():
    done = subprocess.run([sys.executable, "-c", PROBE, HOARD], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    lines = dict(line.split(": ", 1) for line in done.stdout.strip().splitlines())
    assert lines["stopped"] == f"script held more than {DEFAULT_MEMORY_LIMIT // 2**20} MiB of memory"
    # Without the bound the same loop reaches ~0.8 GB inside a 1 s limit (5 s here).
    assert int(lines["grew_mib"]) < 2 * DEFAULT_MEMORY_LIMIT // 2**20, done.stdout


def test_a_smaller_limit_stops_sooner_and_ordinary_scripts_are_unaffected():
    small = SandboxedEnvironment(time_limit=5.0, memory_limit=8 * 2**20)
    with pytest.raises(ScriptMemoryExceeded, match="more than 8 MiB"):
        small.execute(HOARD, {})
    data = {"n": 3}
    small.execute("rows = [i * n for i in range(1000)]\ntotal = sum(rows)", data)
    assert data["total"] == 3 * sum(range(1000))


def test_memory_freed_by_the_script_does_not_count():
    data: dict[str, int] = {}
    SandboxedEnvironment(time_limit=5.0, memory_limit=16 * 2**20).execute(
        "n = 0\nfor i in range(200):\n    chunk = 'x' * 1000000\n    n += len(chunk)", data)
    assert data["n"] == 200 * 1000000


def test_a_process_whose_script_hoards_memory_fails_with_the_reason_and_stays_as_it_was(sqlite_url):
    engine = build_engine(sqlite_url, script_time_limit=5.0)
    try:
        engine.setup.init(demo=True)
        engine.collaborators.forms_root = FIXTURES / "forms"
        deploy_files(engine, [FIXTURES / "bpmn" / "sandbox" / "memory_bomb.bpmn"], "gao.yan")
        instance = engine.work.start(Person("zhou.jie"), "memory_bomb").id
        task = only_task(engine, "zhou.jie", "write_note", instance)
        with pytest.raises(ProcessError, match=r"hoard: .*more than 64 MiB"):
            engine.work.complete(Person("zhou.jie"), task["id"], {"note": "go"})
        shown = engine.work.show(OPERATOR, instance)
        assert shown["status"] == "running" and [t["id"] for t in shown["open_tasks"]] == [task["id"]]
        assert engine.work.history(OPERATOR, instance)[-1]["kind"] == "error"
    finally:
        engine.db.dispose()


def test_the_rules_the_script_editor_shows():
    shown = rules()
    assert (shown["time_limit_s"], shown["memory_limit_mib"]) == (1.0, 64)
    assert "len" in shown["builtins"] and "open" not in shown["builtins"]
