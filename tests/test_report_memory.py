"""Report queries get ``REPORT_WORK_MEM`` and ``REPORT_JIT`` on PostgreSQL, for
their transaction only."""

from datetime import date

from sqlalchemy import text

from vaerested.reports.tables.build import build_report


def test_work_mem_is_set_for_the_report_transaction_only(app, db):
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        build_report("visits", date(2024, 1, 1), date(2024, 1, 31), min_cell=1)
        return  # SQLite has no work_mem: the report is built without it
    session.rollback()
    default = session.execute(text("SHOW work_mem")).scalar()
    session.rollback()
    app.config["REPORT_WORK_MEM"] = "48MB" if default != "48MB" else "40MB"
    build_report("visits", date(2024, 1, 1), date(2024, 1, 31), min_cell=1)
    assert (
        session.execute(text("SHOW work_mem")).scalar() == app.config["REPORT_WORK_MEM"]
    )
    session.rollback()
    assert session.execute(text("SHOW work_mem")).scalar() == default
    session.rollback()
    app.config["REPORT_WORK_MEM"] = ""
    build_report("visits", date(2024, 1, 1), date(2024, 1, 31), min_cell=1)
    assert session.execute(text("SHOW work_mem")).scalar() == default


def test_jit_is_set_for_the_report_transaction_only(app, db):
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite has no JIT
    session.rollback()
    default = session.execute(text("SHOW jit")).scalar()
    session.rollback()
    for setting, shown in ((False, "off"), (True, "on")):
        app.config["REPORT_JIT"] = setting
        build_report("visits", date(2024, 1, 1), date(2024, 1, 31), min_cell=1)
        assert session.execute(text("SHOW jit")).scalar() == shown
        session.rollback()
        assert session.execute(text("SHOW jit")).scalar() == default
        session.rollback()
    app.config["REPORT_JIT"] = None
    session.execute(text("SET jit = off" if default == "on" else "SET jit = on"))
    build_report("visits", date(2024, 1, 1), date(2024, 1, 31), min_cell=1)
    assert session.execute(text("SHOW jit")).scalar() != default  # left alone
    session.execute(text(f"SET jit = {default}"))
