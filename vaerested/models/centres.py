"""Districts, centres, their offer profiles and weekly opening hours."""

from __future__ import annotations

import enum
from datetime import time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false, true

from vaerested.models.base import Base


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum as its value in a VARCHAR with a CHECK, portable to SQLite."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class OperatorType(enum.StrEnum):
    MUNICIPAL = "municipal"
    SELF_GOVERNING = "self_governing"
    VOLUNTARY = "voluntary"


class Visitation(enum.StrEnum):
    UNREFERRED = "unreferred"
    REFERRED = "referred"


class District(Base):
    """A geographic area that centres lie in and card holders live in."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in exports and imports, e.g. "3".
    code: Mapped[str] = mapped_column(String(20), unique=True)
    #: Display name, e.g. "Nørrebro".
    name: Mapped[str] = mapped_column(String(100))
    #: The municipality the district belongs to, e.g. "København".
    municipality: Mapped[str] = mapped_column(String(100))
    #: Estimated size of the target group living here (from førtidspensionister).
    target_population: Mapped[int | None] = mapped_column(Integer)
    #: Boundary as GeoJSON geometry text (Polygon or MultiPolygon), optional.
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    #: True when the boundary is a generated schematic, not a surveyed one.
    is_boundary_schematic: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Area in km² (from the imported file, or computed from the boundary).
    area_km2: Mapped[float | None] = mapped_column(Float)
    #: Reference point (e.g. the district's centroid) for maps.
    ref_lat: Mapped[float | None] = mapped_column(Float)
    ref_lon: Mapped[float | None] = mapped_column(Float)

    centres: Mapped[list[Centre]] = relationship(back_populates="district")

    __table_args__ = (
        CheckConstraint(
            "target_population IS NULL OR target_population >= 0",
            name="target_population_non_negative",
        ),
    )

    def __repr__(self) -> str:
        return f"<District {self.id} {self.code!r} {self.name!r}>"


centre_target_groups = Table(
    "centre_target_groups",
    Base.metadata,
    Column(
        "centre_id",
        ForeignKey("centres.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "target_group_id",
        ForeignKey("target_groups.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class TargetGroup(Base):
    """An entry of the managed list of groups a centre reaches out to."""

    __tablename__ = "target_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code, e.g. "young", "women", "ethnic_minority".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: Danish name shown in the UI.
    name_da: Mapped[str] = mapped_column(String(100))
    #: English name shown in the UI.
    name_en: Mapped[str] = mapped_column(String(100))
    #: Retired entries stay on old profiles but are not offered for new ones.
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )

    def label(self, locale: str) -> str:
        """Return the name in ``locale`` (Danish unless English is asked for)."""
        return self.name_en if locale == "en" else self.name_da

    def __repr__(self) -> str:
        return f"<TargetGroup {self.id} {self.code!r}>"


class Centre(Base):
    """A drop-in centre (værested) with its offer profile."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL and export identifier, e.g. "nabo".
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200), default="")
    #: The district the centre is located in.
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    operator_type: Mapped[OperatorType] = mapped_column(
        str_enum(OperatorType, "operator_type"), default=OperatorType.MUNICIPAL
    )
    visitation: Mapped[Visitation] = mapped_column(
        str_enum(Visitation, "visitation"), default=Visitation.UNREFERRED
    )
    #: Typical number of users on an ordinary day (about 20 small, 50 large).
    typical_daily_users: Mapped[int | None] = mapped_column(Integer)
    #: Inactive centres keep their data but take no check-ins and leave listings.
    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    #: Offer profile: which of the strategy's categories 1-3 the centre offers.
    is_cat1: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    is_cat2: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    is_cat3: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    #: Offer profile: the range of life phases (1-4) the centre serves.
    life_phase_min: Mapped[int] = mapped_column(
        SmallInteger, default=1, server_default="1"
    )
    life_phase_max: Mapped[int] = mapped_column(
        SmallInteger, default=4, server_default="4"
    )

    district: Mapped[District] = relationship(back_populates="centres")
    target_groups: Mapped[list[TargetGroup]] = relationship(
        secondary=centre_target_groups, order_by="TargetGroup.code"
    )
    opening_intervals: Mapped[list[OpeningInterval]] = relationship(
        back_populates="centre",
        cascade="all, delete-orphan",
        order_by="(OpeningInterval.weekday, OpeningInterval.opens_at)",
    )

    __table_args__ = (
        CheckConstraint(
            "life_phase_min BETWEEN 1 AND 4 AND life_phase_max BETWEEN 1 AND 4 "
            "AND life_phase_min <= life_phase_max",
            name="life_phase_range",
        ),
        CheckConstraint(
            "typical_daily_users IS NULL OR typical_daily_users >= 0",
            name="typical_daily_users_non_negative",
        ),
    )

    @property
    def categories(self) -> list[int]:
        """Return the offered categories as a sorted list, e.g. ``[1, 2]``."""
        flags = (self.is_cat1, self.is_cat2, self.is_cat3)
        return [n for n, on in enumerate(flags, start=1) if on]

    @property
    def life_phases(self) -> range:
        """Return the served life phases as a range."""
        return range(self.life_phase_min, self.life_phase_max + 1)

    def __repr__(self) -> str:
        return f"<Centre {self.id} {self.slug!r}>"


class OpeningInterval(Base):
    """One weekly opening interval of a centre.

    An interval opens on ``weekday`` at ``opens_at``. When ``closes_at`` is not
    after ``opens_at`` it closes on the following day, so 22:00-02:00 runs past
    midnight and 00:00-00:00 is a full 24 hours. An interval is staffed, or
    user-run: the users run the centre while no staff is present.
    """

    __tablename__ = "opening_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(
        ForeignKey("centres.id", ondelete="CASCADE"), index=True
    )
    #: Day the interval opens: 0 = Monday … 6 = Sunday.
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)
    #: Run by the users themselves, no staff present (False: staffed).
    is_user_run: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    centre: Mapped[Centre] = relationship(back_populates="opening_intervals")

    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    def __repr__(self) -> str:
        return (
            f"<OpeningInterval {self.id} centre={self.centre_id} "
            f"{self.weekday} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"
            f"{' user-run' if self.is_user_run else ''}>"
        )
