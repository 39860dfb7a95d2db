"""The annual spot-check plan (年度抽查工作计划), its tasks (抽查任务) and inspection items (抽查事项)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model, NaturalKey, enum_column


RATIO_PLACES = 8  # decimal places a ratio keeps: 0.000001% is the finest ratio a plan can give


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class FilingStatus(enum.StrEnum):
    NOT_FILED = "not_filed"
    FILED = "filed"  # 已报备案, waiting for the city bureau
    ACKNOWLEDGED = "acknowledged"  # 市局已备案


class PlanKind(enum.StrEnum):
    OWN = "own"  # 本部门抽查计划: the bureau's own plan
    JOINT = "joint"  # 部门联合抽查计划: with other departments (跨部门)


class TaskKind(enum.StrEnum):
    TARGETED = "targeted"  # 定向
    UNTARGETED = "untargeted"  # 不定向


class Plan(Model):
    __tablename__ = "plan"
    # A unit publishes several plans a year (本部门 and 部门联合), each its own document: one plan per
    # document, its key the normalised 文号 and title (fieldapp/plans/identity.py, document_key).
    __table_args__ = (UniqueConstraint("unit_id", "year", "document_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # issuing body
    title: Mapped[str] = mapped_column(String(200), default="")
    doc_number: Mapped[str] = mapped_column(String(64), default="")  # 朔市监〔2021〕26号
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind, 20), default=PlanKind.OWN, server_default="own")
    document_key: Mapped[str] = mapped_column(String(300), default="", server_default="")
    issued_on: Mapped[date | None]
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, 20), default=PlanStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    filing_status: Mapped[FilingStatus] = mapped_column(enum_column(FilingStatus, 20), default=FilingStatus.NOT_FILED)
    filed_at: Mapped[datetime | None]
    filed_version: Mapped[int | None]  # the version the county filed
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    filing_note: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None]
    issuer: Mapped[str] = mapped_column(String(200), default="")  # 发文机关, as printed
    source_name: Mapped[str] = mapped_column(String(255), default="")
    # Problems about the imported table as a whole (missing columns, note rows …).
    import_warnings: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now(), onupdate=now)

    unit = relationship("Unit")
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])
    tasks: Mapped[list[Task]] = relationship(
        back_populates="plan", order_by="Task.number", cascade="all, delete-orphan"
    )
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.version", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == PlanStatus.PUBLISHED

    @property
    def is_county_plan(self) -> bool:
        """A lower bureau's own plan (a county's, or a city's under a province), filed (备案) with
        the bureau above."""
        return self.unit is not None and self.unit.parent_id is not None


class PlanVersion(NaturalKey, Model):
    """One adjustment of a published plan (调整后的工作计划应及时向社会公示并报市局备案)."""

    __tablename__ = "plan_version"
    natural_key = ("plan_id", "version")

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    version: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list] = mapped_column(JSON, default=list)  # [{task, field, old, new}]
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)  # the plan as it stood in this version
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    plan: Mapped[Plan] = relationship(back_populates="versions")
    created_by = relationship("User")


class Task(NaturalKey, Model):
    """One row of the plan table."""

    __tablename__ = "task"
    natural_key = ("plan_id", "number")

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    number: Mapped[int]  # 序号
    name: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind, 20), default=TaskKind.TARGETED)
    initiator: Mapped[str] = mapped_column(Text, default="")  # 发起主体
    guiding_department: Mapped[str] = mapped_column(Text, default="")  # 指导单位
    executor: Mapped[str] = mapped_column(Text, default="")  # 抽查检查主体
    # 配合部门 (联合部门, 协同部门 …): the departments joining the checks, as the plan writes them.
    cooperating_departments: Mapped[str] = mapped_column(Text, default="", server_default="")
    executes_city: Mapped[bool] = mapped_column(default=False)  # the city bureau executes
    executes_county: Mapped[bool] = mapped_column(default=False)  # county bureaus execute
    scope: Mapped[str] = mapped_column(Text, default="")  # 抽查对象范围
    items_heading: Mapped[str] = mapped_column(Text, default="")  # text before item 1 in the 抽查事项 cell
    # What the scope selects, filled from the scope text by the plan importer and editable:
    # {"kinds": [...], "tags_any": [...], "status": "在业", "past_business_term": bool}
    # (see fieldapp/plans/scope.py for the contract the draw relies on)
    scope_rule: Mapped[dict] = mapped_column(JSON, default=dict)
    # 0.05 for 不低于5%; exact to RATIO_PLACES decimals (0.125% is 0.00125, never rounded).
    ratio: Mapped[Decimal | None] = mapped_column(Numeric(RATIO_PLACES + 4, RATIO_PLACES))
    ratio_is_floor: Mapped[bool] = mapped_column(default=True)  # 不低于
    fixed_count: Mapped[int | None]  # a fixed number of subjects instead of a ratio
    rounds_per_year: Mapped[int] = mapped_column(default=1)  # 2次/年
    window_start_month: Mapped[int | None]
    window_end_month: Mapped[int | None]
    exclude_previous_rounds: Mapped[bool] = mapped_column(default=True)
    publish_selection_at_once: Mapped[bool] = mapped_column(default=True)  # 抽取对象是否公示
    # Risk multipliers per credit class; None means the defaults (A 0.5, B 1, C 2, D 4).
    risk_multipliers: Mapped[dict | None] = mapped_column(JSON)
    # Ratios the plan gives per credit class, read into ``ratio`` and ``risk_multipliers``
    # (fieldapp/plans/class_ratios.py): {"ratios": {"A": "0.01", …}, "filled": {class: "general" | the
    # class weighted from}, "column", "words", "base": "smallest" | "divisor", "confirmed": bool}; None: none.
    class_ratios: Mapped[dict | None] = mapped_column(JSON)
    # The original text of every cell, keyed by header, exactly as imported.
    source_cells: Mapped[dict] = mapped_column(JSON, default=dict)
    source_row: Mapped[int | None]  # row number in the imported file
    # Fields whose value was inherited from the task above (a merged cell in the original).
    inherited_fields: Mapped[list] = mapped_column(JSON, default=list)
    import_warnings: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    items: Mapped[list[InspectionItem]] = relationship(
        back_populates="task", order_by="InspectionItem.number", cascade="all, delete-orphan"
    )

    def is_inherited(self, field: str) -> bool:
        return field in (self.inherited_fields or [])


class InspectionItem(NaturalKey, Model):
    """One 抽查事项 of a task, later resolved to a checklist."""

    __tablename__ = "inspection_item"
    natural_key = ("task_id", "number")

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    # Checklist ids this item resolves to (by the checklist engine); a subject's tags choose
    # among several (task 1: markets, gas stations, eyeglass shops, hospitals).
    checklist_ids: Mapped[list] = mapped_column(JSON, default=list)
    # The item's code in the national list (市场监管领域随机抽查事项清单), where the plan gives one.
    national_code: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # How checklist_ids were found (fieldapp/checklists/mapping.py): confirmed (by a supervisor),
    # code (national code), covers (the checklist's own wording), suggested (ranked, unconfirmed:
    # the general on-site checklist serves it meanwhile), none; "" before the first mapping.
    mapping_state: Mapped[str] = mapped_column(String(12), default="", server_default="")
    suggestions: Mapped[list] = mapped_column(JSON, default=list)  # [{"id", "score"}], best first
    mapping_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    mapping_confirmed_at: Mapped[datetime | None]

    task: Mapped[Task] = relationship(back_populates="items")
