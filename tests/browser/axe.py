"""axe-core (the pinned npm package of webui/frontend) run on a page: its serious and critical violations.

The page's context must be opened with ``bypass_csp=True``: axe is added as a script the page's own policy
would refuse (it is never part of the served pages).
"""

from __future__ import annotations

from typing import Any

from tests.paths import REPO

AXE = REPO / "webui" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

_RUN = """async () => {
  const result = await window.axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 160)) }));
}"""


def blocking_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations of impact serious or critical on the page as it is now."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(_RUN) if v["impact"] in BLOCKING]
