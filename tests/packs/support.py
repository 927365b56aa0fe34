"""Installing a pack on a test's engine, the way ``opsflow packs install`` does (as the operator)."""

from __future__ import annotations

from pathlib import Path

from engine.definitions.deploy import DeployResult
from engine.definitions.packs import pack_bundles, read_pack
from engine.facade import Engine
from engine.org.people import Operator

PACKS = Path(__file__).resolve().parents[2] / "packs"


def install_pack(engine: Engine, key: str) -> list[DeployResult]:
    """Deploy the pack ``packs/<key>`` through the one deploy check."""
    return engine.definitions.deploy(Operator("opsflow packs"), pack_bundles(read_pack(PACKS / key)), note="")
