"""Report queries get ``REPORT_WORK_MEM`` on PostgreSQL, for their transaction only."""

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
