"""E-mail to a schedule's recipients when one of its runs has finished.

Each recipient gets one e-mail per run, Danish first and English below, with a
link to the run's page (behind login, absolute from ``BASE_URL``). The mail
never carries the data: no attachment, no figures, no row counts.

Exactly once (at most once, in fact): before sending to a recipient the worker
INSERTs the row of :class:`~vaerested.models.ExportRunDelivery`, UNIQUE per
(run, user), in a transaction of its own. A second scheduler started by
mistake, or a replay of the same run, fails that INSERT and sends nothing. A
send that fails is recorded on its row (and logged without the address) and is
not retried; it never changes the run's outcome.

SMTP is the standard library's ``smtplib``, configured by ``MAIL_*``
(``VAERESTED_MAIL_*`` in the environment, see ``vaerested/config.py``).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from vaerested.extensions import db
from vaerested.labels import REPORT_LABELS
from vaerested.models import (
    ExportRun,
    ExportRunDelivery,
    ExportSchedule,
    Role,
    RunStatus,
    StaffUser,
)
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}

#: Why e-mail is off, shown on the schedules page (None: it is on).
MAIL_OFF_REASONS = {
    "no_server": _l(
        "E-mail is off: no mail server is configured (VAERESTED_MAIL_SERVER). "
        "Schedules still make their files; nobody is told."
    ),
    "no_base_url": _l(
        "E-mail is off: the address of the system (VAERESTED_BASE_URL) is not "
        "set, so a mail could not link to the files."
    ),
    "no_sender": _l(
        "E-mail is off: no sender address is configured (VAERESTED_MAIL_SENDER)."
    ),
    "bad_tls": _l("E-mail is off: VAERESTED_MAIL_TLS must be starttls, ssl or none."),
}


def mail_off_reason(config) -> str | None:
    """Return the key of :data:`MAIL_OFF_REASONS` that stops e-mail, or None."""
    if not str(config.get("MAIL_SERVER") or "").strip():
        return "no_server"
    if not str(config.get("BASE_URL") or "").strip():
        return "no_base_url"
    if not str(config.get("MAIL_SENDER") or "").strip():
        return "no_sender"
    if str(config.get("MAIL_TLS") or "").strip().lower() not in TLS_MODES:
        return "bad_tls"
    return None


def recipient_filter():
    """Return the condition on :class:`StaffUser` of who may receive a mail:
    an active administration account (only they can open a run's page)."""
    return StaffUser.is_active_account.is_(True) & (StaffUser.role == Role.ADMIN)


def run_url(run_id: int) -> str:
    """Return the absolute address of a run's page (its files)."""
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build("reports.run_detail", {"run_id": run_id})
    return current_app.config["BASE_URL"].strip().rstrip("/") + path


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker claimed: its row and where the mail goes."""

    delivery_id: int
    user_id: int
    address: str


def _claim(run_id: int, user_id: int, status: str) -> int | None:
    """Insert the delivery row of (run, user); None if it exists (sent elsewhere)."""
    db.session.commit()  # the INSERT must open a transaction of its own
    try:
        delivery_id = db.session.execute(
            insert(ExportRunDelivery)
            .values(
                run_id=run_id, user_id=user_id, run_status=status, claimed_dt=utcnow()
            )
            .returning(ExportRunDelivery.id)
        ).scalar_one()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        logger.info("Export run %s: mail to user %s claimed elsewhere", run_id, user_id)
        return None
    return delivery_id


def _record(delivery_id: int, **values) -> None:
    db.session.commit()
    db.session.execute(
        update(ExportRunDelivery)
        .where(ExportRunDelivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def describe_send_error(error: Exception) -> str:
    """Return what went wrong with a send, without addresses or server text."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _msg in error.recipients.values()})
        return f"{name}: {', '.join(str(c) for c in codes)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name}: {error.smtp_code}"
    if isinstance(error, OSError) and (error.strerror or error.errno):
        return f"{name}: {error.strerror or error.errno}"[:500]
    return name


def _texts(run: ExportRun, schedule_name: str, locale: str) -> tuple[str, str]:
    """Return the subject and the body of the mail in ``locale``."""
    with force_locale(locale):
        report = str(REPORT_LABELS.get(run.report, run.report))
        period = (
            f"{format_date(run.period_start, 'long')} – "
            f"{format_date(run.period_end, 'long')}"
        )
        if run.status is RunStatus.SUCCEEDED:
            subject = _(
                "Export ready: %(name)s, %(period)s", name=schedule_name, period=period
            )
            lead = _(
                "The scheduled export \u201c%(name)s\u201d (%(report)s, %(period)s) "
                "is ready. Log in to download its files:",
                name=schedule_name,
                report=report,
                period=period,
            )
        else:
            subject = _(
                "Export failed: %(name)s, %(period)s", name=schedule_name, period=period
            )
            lead = _(
                "The scheduled export \u201c%(name)s\u201d (%(report)s, %(period)s) "
                "failed and will not be tried again. Log in to see what went wrong:",
                name=schedule_name,
                report=report,
                period=period,
            )
        footer = _(
            "You get this e-mail because you are a recipient of the schedule. "
            "The files are not attached: they are only available after login."
        )
    return subject, f"{lead}\n{run_url(run.id)}\n\n{footer}\n"


def build_message(run: ExportRun, schedule_name: str, address: str) -> EmailMessage:
    """Return the mail about ``run`` to ``address``: Danish, then English."""
    subject_da, body_da = _texts(run, schedule_name, "da")
    _subject_en, body_en = _texts(run, schedule_name, "en")
    message = EmailMessage()
    message["Subject"] = f"Værested: {subject_da}"
    message["From"] = current_app.config["MAIL_SENDER"].strip()
    message["To"] = address
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain="vaerested")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{body_da}\n-- English --\n\n{body_en}")
    return message


def _connect() -> smtplib.SMTP:
    """Open and log in to the configured SMTP server."""
    config = current_app.config
    mode = str(config["MAIL_TLS"]).strip().lower()
    host = str(config["MAIL_SERVER"]).strip()
    port = int(config["MAIL_PORT"] or DEFAULT_PORTS[mode])
    timeout = float(config["MAIL_TIMEOUT"])
    if mode == "ssl":
        smtp = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if mode == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        user = str(config["MAIL_USER"] or "")
        if user:
            smtp.login(user, str(config["MAIL_PASSWORD"] or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver_run(run_id: int) -> dict[str, int]:
    """Mail the recipients of a finished scheduled run; never raises.

    :return: how many mails were sent, failed, and were claimed elsewhere.
    """
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    try:
        _deliver(run_id, counts)
    except Exception:  # delivery never fails the run
        db.session.rollback()
        logger.exception("Export run %s: delivery stopped", run_id)
    return counts


def _deliver(run_id: int, counts: dict[str, int]) -> None:
    reason = mail_off_reason(current_app.config)
    if reason is not None:
        return
    run = db.session.get(ExportRun, run_id)
    if run is None or run.schedule_id is None or not run.is_finished:
        return
    max_attempts = current_app.config["EXPORT_MAX_ATTEMPTS"]
    if run.status is RunStatus.FAILED and run.attempts < max_attempts:
        return  # the scheduler tries again: not finished for the recipients
    schedule = db.session.get(ExportSchedule, run.schedule_id)
    recipients = db.session.execute(
        select(StaffUser.id, StaffUser.email)
        .join(ExportSchedule.recipients)
        .where(ExportSchedule.id == schedule.id, recipient_filter())
        .order_by(StaffUser.id)
    ).all()
    if not recipients:
        return
    schedule_name = schedule.name
    claimed = []
    for user_id, address in recipients:
        delivery_id = _claim(run_id, user_id, run.status.value)
        if delivery_id is None:
            counts["skipped"] += 1
        else:
            claimed.append(Claimed(delivery_id, user_id, address))
    if not claimed:
        return
    run = db.session.get(ExportRun, run_id)
    messages = [(c, build_message(run, schedule_name, c.address)) for c in claimed]
    try:
        smtp = _connect()
    except Exception as error:
        _fail_all(run_id, [c for c, _m in messages], error, counts)
        return
    try:
        for index, (claim, message) in enumerate(messages):
            try:
                smtp.send_message(message)
            except smtplib.SMTPServerDisconnected as error:
                _fail_all(run_id, [c for c, _m in messages[index:]], error, counts)
                return
            except Exception as error:
                _fail_all(run_id, [claim], error, counts)
                continue
            _record(claim.delivery_id, sent_dt=utcnow())
            counts["sent"] += 1
            logger.info("Export run %s: mail sent to user %s", run_id, claim.user_id)
    finally:
        try:
            smtp.quit()
        except Exception:  # the mails are handed over already
            smtp.close()


def _fail_all(run_id, claims, error: Exception, counts: dict[str, int]) -> None:
    text = describe_send_error(error)
    for claim in claims:
        _record(claim.delivery_id, error=text)
        counts["failed"] += 1
        logger.warning(
            "Export run %s: mail to user %s failed: %s", run_id, claim.user_id, text
        )
