"""Demo data: Copenhagen's districts and 19 FICTIONAL centres.

The centres' offer profiles mirror the landscape in Copenhagen's strategy for
activity and social centres (see ``docs``/DOMAIN.md): six offer category 1 only
(life phases 1-2), nine categories 1+2 (phases 1-3, "the middle of category 2"),
three span all life phases with a category-3 box on top, and one has no
category 1 and focuses on employment (top of category 2: phases 3-4). Most sit
on Nørrebro, Amager has one, Vanløse-Bispebjerg three (one small), Frederiksberg
two (one for citizens with another ethnic background than Danish).

Names, addresses and target populations are made up. The demo logins share
:data:`DEMO_PASSWORD`, which is public: never load demo data on a real server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import func, select

from vaerested.commands.users import create_staff_user
from vaerested.models import (
    Centre,
    District,
    OpeningInterval,
    OperatorType,
    TargetGroup,
)
from vaerested.services.boundaries import assign_schematic

DEMO_PASSWORD = "demo-password-123"

KBH = "København"

#: code, name, municipality, FICTIONAL target population, reference lat, lon
#: (the reference point is roughly the district's real centre).
DISTRICTS = [
    ("1", "Indre By", KBH, 1100, 55.6805, 12.5800),
    ("2", "Østerbro", KBH, 1900, 55.7100, 12.5750),
    ("3", "Nørrebro", KBH, 2600, 55.6960, 12.5450),
    ("4", "Vesterbro/Kongens Enghave", KBH, 2400, 55.6630, 12.5380),
    ("5", "Valby", KBH, 1800, 55.6580, 12.5000),
    ("6", "Vanløse", KBH, 1000, 55.6870, 12.4880),
    ("7", "Brønshøj-Husum", KBH, 1500, 55.7080, 12.4850),
    ("8", "Bispebjerg", KBH, 2700, 55.7150, 12.5300),
    ("9", "Amager Øst", KBH, 1900, 55.6580, 12.6150),
    ("10", "Amager Vest", KBH, 2300, 55.6420, 12.5720),
    ("FRB", "Frederiksberg", "Frederiksberg", 2100, 55.6790, 12.5320),
]

#: code, Danish name, English name
TARGET_GROUPS = [
    ("young", "Unge", "Young people"),
    ("women", "Kvinder", "Women"),
    ("ethnic_minority", "Anden etnisk baggrund end dansk", "Other ethnic background"),
    (
        "leaving_residential",
        "Fraflyttet fra bocenter",
        "Moved out of a residential centre",
    ),
    ("homeless", "Hjemløse", "Homeless people"),
    ("work_education", "På vej mod job eller uddannelse", "Towards work or education"),
]


@dataclass(frozen=True)
class Profile:
    categories: tuple[int, ...]
    phases: tuple[int, int]


CAT1 = Profile((1,), (1, 2))
CAT12 = Profile((1, 2), (1, 3))
ALL = Profile((1, 2, 3), (1, 4))
EMPLOYMENT = Profile((2, 3), (3, 4))

MON_FRI = range(5)
MON_THU = range(4)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def hours(days, opens: str, closes: str) -> list[tuple[int, str, str]]:
    """Return the same interval on each of ``days`` (closes <= opens: next day)."""
    return [(day, opens, closes) for day in days]


DAY = hours(MON_FRI, "09:00", "16:00")
#: A night café: staffed every night until 02:00.
NIGHTS = hours(range(7), "22:00", "02:00")


@dataclass(frozen=True)
class DemoCentre:
    slug: str
    name: str
    district: str
    address: str
    lat: float
    lon: float
    profile: Profile
    operator: str
    daily_users: int
    groups: tuple[str, ...]
    hours: list[tuple[int, str, str]]
    #: Evenings the users run the centre without staff (Haderslev's model).
    user_run: tuple[tuple[int, str, str], ...] = ()


C = DemoCentre
N = "2200 København N"
#: slug, name, district code, address, lat, lon, profile, operator,
#: typical daily users (about 50 large, 20 small), target groups, weekly staffed
#: hours and (optional) user-run evenings.
CENTRES = [
    # Nørrebro: most centres, and two of the three with a category-3 box.
    C("kastanjehuset", "Kastanjehuset", "3", f"Kastanjestræde 12, {N}", 55.6930,
      12.5520, ALL, "municipal", 55, ("leaving_residential", "work_education"),
      hours(MON_FRI, "09:00", "17:00") + hours([THU], "17:00", "21:00"),
      tuple(hours([MON, WED], "17:00", "21:00"))),
    C("staerekassen", "Stærekassen", "3", f"Stærevej 4, {N}", 55.6985, 12.5410, ALL,
      "self_governing", 50, ("young", "work_education"),
      hours(MON_FRI, "10:00", "16:00") + hours([SAT], "11:00", "15:00")),
    C("vaerkbaenken", "Værkbænken", "3", f"Høvlergangen 7, {N}", 55.6955, 12.5385,
      EMPLOYMENT, "municipal", 30, ("work_education",),
      hours(MON_FRI, "08:30", "15:00")),
    C("lindetraeet", "Lindetræet", "3", f"Lindegården 3, {N}", 55.6890, 12.5530,
      CAT12, "municipal", 45, ("women",), DAY),
    C("kvisten", "Kvisten", "3", f"Tagstensgade 21, {N}", 55.6975, 12.5495, CAT12,
      "voluntary", 40, ("homeless",),
      hours(MON_FRI, "12:00", "20:00") + hours([SUN], "13:00", "17:00"),
      tuple(hours([SAT], "14:00", "20:00"))),
    C("pilehuset", "Pilehuset", "3", f"Pilestien 9, {N}", 55.6935, 12.5455, CAT1,
      "self_governing", 25, ("young", "homeless"),
      hours(MON_FRI, "10:00", "15:00") + hours([FRI], "18:00", "02:00")),
    C("nattergalen", "Nattergalen", "3", f"Natsangervej 1, {N}", 55.7000, 12.5470,
      CAT1, "voluntary", 35, ("homeless",), NIGHTS,
      tuple(hours([SAT, SUN], "02:00", "06:00"))),
    # Østerbro, by the Nørrebro border: the third category-3 centre.
    C("havblik", "Havblik", "2", "Bølgegade 15, 2100 København Ø", 55.7030,
      12.5720, ALL, "municipal", 50, ("work_education",),
      DAY + hours([WED], "16:00", "20:00")),
    # Indre By.
    C("gaardrummet", "Gårdrummet", "1", "Bagtrappen 2, 1150 København K", 55.6800,
      12.5760, CAT12, "self_governing", 45, ("women", "young"),
      hours(MON_FRI, "10:00", "18:00") + hours([SUN], "12:00", "16:00")),
    # Vesterbro/Kongens Enghave.
    C("kedlen", "Kedlen", "4", "Kobbersmedgade 30, 1650 København V", 55.6690,
      12.5530, CAT12, "municipal", 50, ("homeless", "leaving_residential"),
      hours(MON_FRI, "09:00", "17:00") + hours([SAT], "10:00", "14:00")),
    C("fyrtaarnet", "Fyrtårnet", "4", "Lygtemagerstræde 5, 1700 København V",
      55.6660, 12.5440, CAT1, "self_governing", 30, (),
      hours(MON_FRI, "10:00", "16:00") + hours([TUE, THU], "16:00", "20:00")),
    C("baghaven", "Baghaven", "4", "Havelodden 11, 2450 København SV", 55.6560,
      12.5370, CAT12, "voluntary", 40, ("young",), hours(MON_FRI, "12:00", "20:00")),
    C("molleloftet", "Mølleloftet", "5", "Kværnvej 8, 2500 Valby", 55.6615, 12.5060,
      CAT12, "municipal", 45, ("leaving_residential",), DAY,
      tuple(hours([SUN], "12:00", "16:00"))),
    # The outer districts from Vanløse to Bispebjerg: three, one of them small.
    C("aeblehaven", "Æblehaven", "6", "Frugthavevej 6, 2720 Vanløse", 55.6870,
      12.4910, CAT12, "municipal", 50, (),
      DAY + hours([SAT], "10:00", "14:00")),
    C("mosehuset", "Mosehuset", "7", "Sivgræsvej 2, 2700 Brønshøj", 55.7065,
      12.4890, CAT1, "self_governing", 20, (), hours(MON_THU, "10:00", "15:00"),
      tuple(hours([TUE, FRI], "17:00", "21:00"))),
    C("bakketoppen", "Bakketoppen", "8", "Skrænten 19, 2400 København NV", 55.7095,
      12.5390, CAT12, "municipal", 50, ("leaving_residential",),
      hours(MON_FRI, "09:00", "17:00") + hours([SUN], "11:00", "15:00")),
    # Amager: a single centre.
    C("strandengen", "Strandengen", "9", "Klitgade 14, 2300 København S", 55.6600,
      12.6110, CAT12, "municipal", 50, ("leaving_residential",),
      DAY + hours([TUE], "16:00", "20:00"),
      tuple(hours([THU], "16:00", "21:00") + hours([SAT], "12:00", "17:00"))),
    # Frederiksberg.
    C("karavanen", "Karavanen", "FRB", "Rejsestien 3, 2000 Frederiksberg", 55.6810,
      12.5300, CAT1, "self_governing", 35, ("ethnic_minority", "women"),
      hours(MON_FRI, "10:00", "17:00") + hours([SAT], "12:00", "16:00"),
      tuple(hours([WED], "17:00", "22:00"))),
    C("kakkelovnen", "Kakkelovnen", "FRB", "Ovnvej 10, 2000 Frederiksberg", 55.6760,
      12.5210, CAT1, "self_governing", 30, (), hours(MON_FRI, "10:00", "16:00")),
]  # fmt: skip

#: email, role, centre slug (None for the admin); all use DEMO_PASSWORD.
LOGINS = [
    ("admin@demo.example.org", "admin", None),
    ("leder.kastanjehuset@demo.example.org", "leader", "kastanjehuset"),
    ("personale.kastanjehuset@demo.example.org", "staff", "kastanjehuset"),
    ("leder.strandengen@demo.example.org", "leader", "strandengen"),
    ("personale.strandengen@demo.example.org", "staff", "strandengen"),
]


class DemoDataError(Exception):
    """The database is not empty enough to take the demo data."""


def load_demo(session) -> list[tuple[str, str, str | None]]:
    """Add the demo districts, target groups, centres and logins; flush.

    ``session`` is ``db.session``: the logins go through the ``users create``
    path, which uses it.

    Existing districts and target groups with the demo codes are reused as they
    are; districts with a reference point and no boundary get a schematic one.
    Return the logins created as ``(email, role, centre slug)``.

    :raises DemoDataError: when any centre exists already.
    """
    centres = session.scalar(select(func.count(Centre.id)))
    if centres:
        raise DemoDataError(
            f"the database has {centres} centre(s); demo data loads only into a "
            "database without centres"
        )
    districts = {d.code: d for d in session.scalars(select(District))}
    for code, name, municipality, population, lat, lon in DISTRICTS:
        if code not in districts:
            districts[code] = District(
                code=code,
                name=name,
                municipality=municipality,
                target_population=population,
                ref_lat=lat,
                ref_lon=lon,
            )
            session.add(districts[code])
    # No real boundary file ships with the demo: schematic cells instead.
    assign_schematic(districts.values())
    groups = {g.code: g for g in session.scalars(select(TargetGroup))}
    for code, name_da, name_en in TARGET_GROUPS:
        if code not in groups:
            groups[code] = TargetGroup(code=code, name_da=name_da, name_en=name_en)
            session.add(groups[code])
    for demo in CENTRES:
        session.add(_centre(demo, districts[demo.district], groups))
    session.flush()
    for email, role, slug in LOGINS:
        create_staff_user(
            email=email,
            role=role,
            password=DEMO_PASSWORD,
            centre_slugs=[slug] if slug else [],
        )
    return LOGINS


def _centre(demo: DemoCentre, district: District, groups: dict) -> Centre:
    categories = demo.profile.categories
    return Centre(
        slug=demo.slug,
        name=demo.name,
        district=district,
        address=demo.address,
        lat=demo.lat,
        lon=demo.lon,
        operator_type=OperatorType(demo.operator),
        typical_daily_users=demo.daily_users,
        is_cat1=1 in categories,
        is_cat2=2 in categories,
        is_cat3=3 in categories,
        life_phase_min=demo.profile.phases[0],
        life_phase_max=demo.profile.phases[1],
        target_groups=[groups[code] for code in demo.groups],
        opening_intervals=[
            OpeningInterval(
                weekday=day,
                opens_at=time.fromisoformat(opens),
                closes_at=time.fromisoformat(closes),
            )
            for day, opens, closes in demo.hours
        ]
        + [
            OpeningInterval(
                weekday=day,
                opens_at=time.fromisoformat(opens),
                closes_at=time.fromisoformat(closes),
                is_user_run=True,
            )
            for day, opens, closes in demo.user_run
        ],
    )
