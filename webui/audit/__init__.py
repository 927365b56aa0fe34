from . import sod, take_away  # noqa: F401 - their routes join the blueprint
from .views import blueprint

__all__ = ["blueprint"]
