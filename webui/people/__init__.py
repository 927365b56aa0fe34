"""People administration (issue 20): people, units, roles and the org chart, for ``admin`` and ``org_admin``."""

from . import chart, roles, units  # noqa: F401 - their routes join the blueprint
from .views import blueprint

__all__ = ["blueprint"]
