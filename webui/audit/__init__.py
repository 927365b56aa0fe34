from . import sod  # noqa: F401 - its route joins the blueprint
from .views import blueprint

__all__ = ["blueprint"]
