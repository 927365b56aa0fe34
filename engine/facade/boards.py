"""Boards of the process packs (managers and whoever takes part): each shows only the instances its viewer
may see."""

from __future__ import annotations

from ..boards.complaints import COMPLAINT_PROCESS, complaint_board
from ..boards.hazards import HAZARD_PROCESS, hazard_board
from ..boards.views import ComplaintBoard, HazardBoard
from ..org.people import Person, acting
from ..runtime.dispatch_board import DispatchBoard, dispatch_board
from .core import Area

BOARD_PROCESSES = (COMPLAINT_PROCESS, HAZARD_PROCESS)


class Boards(Area):
    def complaints(self, by: Person) -> ComplaintBoard:
        """Open complaints by the state of their deadlines."""
        with self.core.reading() as session:
            return complaint_board(session, self.collaborators.catalog, acting(session, by), self.collaborators.clock())

    def hazards(self, by: Person) -> HazardBoard:
        """Open hazards by severity and age."""
        with self.core.reading() as session:
            return hazard_board(session, self.collaborators.catalog, acting(session, by), self.collaborators.clock())

    def dispatch(self, by: Person) -> DispatchBoard:
        """The overdue dispatched tasks (the ``dispatch`` pack) ``by`` may see, the most overdue first."""
        with self.core.reading() as session:
            return dispatch_board(session, acting(session, by), self.collaborators.clock())

    def offered(self, by: Person) -> tuple[str, ...]:
        """The boards' processes ``by`` may follow (for the navigation): deployed, and ``by`` may see one of their
        instances or holds a role that starts it or works on it. Kept per viewer on this node while the directory
        stays, for at most a minute (``engine.boards.offered.OfferedBoards``)."""
        with self.core.reading() as session:
            return self.core.offered_boards.get(session, self.collaborators.catalog, self.core.directory_of(session),
                                                acting(session, by), BOARD_PROCESSES, self.collaborators.clock())
