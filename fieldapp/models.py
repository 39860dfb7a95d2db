"""Imports every feature's models so that Alembic and ``db.create_all`` see the whole schema."""

from .auth.models import Unit, User  # noqa: F401
from .plans.models import InspectionItem, Plan, PlanVersion, Task  # noqa: F401
from .subjects.models import Subject, SubjectChange, Tag  # noqa: F401
from .inspectors.models import Conflict, Inspector, InspectorChange  # noqa: F401
from .visits.models import Visit, VisitInspector, VisitTask  # noqa: F401
from .inspections.models import MediaFile, Submission  # noqa: F401
from .visits import list_token  # noqa: F401  (its triggers, made with the tables)
from .review.models import InspectionResult  # noqa: F401
from .review.models import AbnormalListingProposal, FollowUpCase  # noqa: F401
from .audit import AuditEvent  # noqa: F401
from .calendar.models import CalendarDay, YearDeadline  # noqa: F401
from .publication.models import PublishedResult  # noqa: F401
from .publication.generation import PublicGeneration  # noqa: F401
from .draws.models import Draw, DrawAssignment, DrawCommitment, DrawSelection, JointInvitation, TaskDrawSettings  # noqa: F401
from .checklists.models import ChecklistVersion  # noqa: F401
