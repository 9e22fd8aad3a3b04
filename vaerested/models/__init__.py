"""All models, importable from one place (Alembic reads metadata from here)."""

from vaerested.models import visit_chain  # noqa: F401  (its triggers' DDL)
from vaerested.models.activities import (
    Activity,
    ActivityRule,
    ActivitySession,
    ChangeReason,
    CourseEnrolment,
    CourseFollowUp,
    CourseOutcome,
    LedBy,
    RuleKind,
    SessionAttendance,
    SessionScan,
)
from vaerested.models.audit import AuditEvent
from vaerested.models.base import Base
from vaerested.models.cards import (
    AccessToken,
    AgeBand,
    Card,
    FirstCame,
    Gender,
    Housing,
    TokenKind,
)
from vaerested.models.centres import (
    Centre,
    District,
    OpeningInterval,
    OperatorType,
    TargetGroup,
    Visitation,
    centre_target_groups,
)
from vaerested.models.exports import (
    ExportDownload,
    ExportFormat,
    ExportRun,
    ExportRunDelivery,
    ExportSchedule,
    RunOrigin,
    RunStatus,
    export_schedule_recipients,
)
from vaerested.models.housing import HousingStatement
from vaerested.models.releases import (
    PrivacyBudget,
    PublicRelease,
    ReleaseSchedule,
    ReleaseScheduleRun,
)
from vaerested.models.report_cache import ReportCacheEntry
from vaerested.models.sessions import LoginCounter, StaffSession
from vaerested.models.users import LoginAttempt, Role, StaffUser, staff_centres
from vaerested.models.visit_days import VisitDay
from vaerested.models.visits import Outreach, Visit, VisitSource

__all__ = [
    "Activity",
    "ActivityRule",
    "ActivitySession",
    "ChangeReason",
    "CourseEnrolment",
    "CourseFollowUp",
    "CourseOutcome",
    "LedBy",
    "RuleKind",
    "SessionAttendance",
    "SessionScan",
    "ExportDownload",
    "ExportFormat",
    "ExportRun",
    "ExportRunDelivery",
    "ExportSchedule",
    "RunOrigin",
    "RunStatus",
    "ReportCacheEntry",
    "PrivacyBudget",
    "PublicRelease",
    "ReleaseSchedule",
    "ReleaseScheduleRun",
    "AccessToken",
    "AgeBand",
    "Card",
    "FirstCame",
    "Gender",
    "Housing",
    "HousingStatement",
    "TokenKind",
    "Visit",
    "VisitDay",
    "VisitSource",
    "Outreach",
    "AuditEvent",
    "Base",
    "LoginCounter",
    "StaffSession",
    "Centre",
    "District",
    "LoginAttempt",
    "OpeningInterval",
    "OperatorType",
    "Role",
    "StaffUser",
    "TargetGroup",
    "Visitation",
    "centre_target_groups",
    "export_schedule_recipients",
    "staff_centres",
]
