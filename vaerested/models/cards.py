"""Pseudonymous visitor cards and the access tokens of kiosks and API clients."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from vaerested.models.base import Base, UTCDateTime, utcnow
from vaerested.models.centres import str_enum
from vaerested.services.protection import new_record_key


class AgeBand(enum.StrEnum):
    UNDER_25 = "under_25"
    FROM_25_TO_39 = "25_39"
    FROM_40_TO_59 = "40_59"
    FROM_60 = "60_plus"


class Gender(enum.StrEnum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"


class Housing(enum.StrEnum):
    """A housing situation (DOMAIN.md, "FLOW"): the categories of the national
    homelessness count (VIVE). None (NULL) is "unknown"."""

    OWN_HOME = "own_home"
    #: *Bocenter*, SEL §§ 107-108.
    RESIDENTIAL_CENTRE = "residential_centre"
    #: *Herberg, forsorgshjem*, SEL § 110.
    SHELTER = "shelter"
    #: *Natvarmestue*.
    NIGHT_SHELTER = "night_shelter"
    #: *Gadesover*.
    STREET = "street"
    #: *Sofasover*: with family or friends.
    FAMILY_FRIENDS = "family_friends"
    HOTEL_CAMPING = "hotel_camping"
    #: *Udslusningsbolig*.
    TRANSITIONAL = "transitional"
    #: In hospital or prison, awaiting release without housing.
    AWAITING_RELEASE = "awaiting_release"
    OTHER = "other"
    #: Legacy (before the VIVE categories): homeless, not specified. Never
    #: offered in a choice list, but a known situation.
    HOMELESS = "homeless"


#: The situations offered in choice lists (all but the legacy ones).
HOUSING_CHOICES = tuple(h for h in Housing if h is not Housing.HOMELESS)


class FirstCame(enum.StrEnum):
    """How the holder first came to a centre (outreach is a strategy goal)."""

    OWN_INITIATIVE = "own_initiative"
    OUTREACH_WORKER = "outreach_worker"
    HOME_GUIDE_OR_SKP = "home_guide_or_skp"
    PSYCHIATRY = "psychiatry"
    RESIDENTIAL_CENTRE = "residential_centre"
    OTHER = "other"


class TokenKind(enum.StrEnum):
    #: A check-in kiosk, bound to one centre.
    KIOSK = "kiosk"
    #: A staff member's API client, scoped to that user's centres.
    STAFF = "staff"


class Card(Base):
    """A visitor card. Only a keyed hash of its code is stored; no identity at all.

    The coarse attributes are what the holder chose to tell; NULL means unknown.
    """

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA256 (hex) of the normalised code, keyed by ``CARD_HASH_KEY``.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The centre that handed the card out (NULL: unknown, e.g. imported).
    issued_centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="SET NULL")
    )
    issued_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: A revoked card (lost, passed on) is refused at check-in.
    is_revoked: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Random 0-255, set at insert, never shown or exported: the cell key of a
    #: count of distinct cards is the sum of their keys mod 256.
    record_key: Mapped[int] = mapped_column(
        Integer, default=new_record_key, server_default="0"
    )
    #: The district the holder lives in.
    home_district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL")
    )
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand, "age_band"))
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender, "gender"))
    housing: Mapped[Housing | None] = mapped_column(str_enum(Housing, "housing"))
    #: How the holder first found a centre.
    first_came: Mapped[FirstCame | None] = mapped_column(
        str_enum(FirstCame, "first_came")
    )

    def __repr__(self) -> str:
        return f"<Card {self.id} revoked={self.is_revoked}>"


class AccessToken(Base):
    """A bearer token for the API. Only its SHA-256 is stored; it is shown once."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind, "token_kind"))
    #: The one centre a kiosk token may check in at (NULL for staff tokens).
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="CASCADE"), index=True
    )
    #: The staff user a staff token acts for (NULL for kiosk tokens).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    #: Where the token is used, e.g. "Tablet by the door".
    label: Mapped[str] = mapped_column(String(100), default="")
    #: SHA-256 (hex) of the token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: Updated at most once a minute, not on every request.
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None

    def __repr__(self) -> str:
        return f"<AccessToken {self.id} {self.kind.value} centre={self.centre_id}>"
