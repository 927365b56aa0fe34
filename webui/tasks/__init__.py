from . import signers  # noqa: F401 - adds the routes of handing a task on to the blueprint
from .views import blueprint

__all__ = ["blueprint"]
