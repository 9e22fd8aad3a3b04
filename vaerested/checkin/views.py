"""Check-in pages: the staff scanner, the kiosk, kiosk links and visitor cards.

The scanner and the kiosk record visits through the JSON API (``/api/v1``) from
the browser, with an offline queue; these views only render the pages and the
card and token administration.
"""

import base64
from pathlib import Path

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from vaerested.api.tokens import create_access_token, revoke_access_token
from vaerested.auth.decorators import centre_required
from vaerested.checkin import bp
from vaerested.checkin import operations as ops
from vaerested.checkin.codes import format_code, normalise_code
from vaerested.checkin.forms import (
    ConfirmForm,
    IssueCardsForm,
    KioskForm,
    RevokeCardForm,
    enum_choices,
)
from vaerested.checkin.links import kiosk_link
from vaerested.checkin.qr import qr_svg, sheet_svg
from vaerested.extensions import db
from vaerested.labels import (
    AGE_BAND_LABELS,
    GENDER_LABELS,
    HOUSING_CHOICE_LABELS,
    OUTREACH_LABELS,
)
from vaerested.models import AccessToken, Centre, District, Role, TokenKind
from vaerested.models.base import utcnow

NO_STORE = {"Cache-Control": "no-store, max-age=0", "Pragma": "no-cache"}


def _no_store(body):
    """Return ``body`` as a response that no browser or proxy may keep."""
    response = make_response(body)
    response.headers.update(NO_STORE)
    return response


def _districts() -> list[District]:
    return list(
        db.session.scalars(
            select(District).order_by(District.municipality, District.name)
        )
    )


def _can_lead() -> bool:
    return current_user.role in (Role.ADMIN, Role.LEADER)


def _api_base() -> str:
    """Return the API's base path (``/api/v1``) for the page's script."""
    return url_for("api.create_checkin").rsplit("/", 1)[0]


@bp.context_processor
def checkin_helpers() -> dict:
    def local_dt(value):
        """Format an aware UTC datetime as local date and time."""
        if value is None:
            return ""
        return value.astimezone(ops.local_tz()).strftime("%Y-%m-%d %H:%M")

    return {"local_dt": local_dt, "outreach_labels": OUTREACH_LABELS}


@bp.route("/<slug>/")
@centre_required("staff")
def scanner(centre: Centre):
    """Show the staff scanner: camera, keyboard wedge, +1 tally and today's count."""
    today = ops.local_date(utcnow(), ops.local_tz())
    return render_template(
        "checkin/scanner.html",
        centre=centre,
        counts=ops.today_counts(centre, today),
        districts=_districts(),
        age_bands=enum_choices(AGE_BAND_LABELS),
        genders=enum_choices(GENDER_LABELS),
        housings=enum_choices(HOUSING_CHOICE_LABELS),
        can_lead=_can_lead(),
        api_base=_api_base(),
    )


@bp.route("/sw.js")
def service_worker():
    """Serve the check-in service worker from /checkin/ (its scope)."""
    script = Path(current_app.static_folder, "js", "checkin-sw.js").read_bytes()
    response = make_response(script)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/kiosk")
def kiosk():
    """Show the self check-in kiosk; its token comes in the URL fragment."""
    return render_template("checkin/kiosk.html", api_base=_api_base())


def _kiosk_tokens(centre: Centre) -> list[AccessToken]:
    return list(
        db.session.scalars(
            select(AccessToken)
            .where(
                AccessToken.kind == TokenKind.KIOSK,
                AccessToken.centre_id == centre.id,
            )
            .order_by(
                AccessToken.revoked_dt.is_not(None), AccessToken.created_dt.desc()
            )
        )
    )


@bp.route("/<slug>/kiosks", methods=["GET", "POST"])
@centre_required("leader")
def kiosks(centre: Centre):
    """List the centre's kiosk links and create a new one (shown once)."""
    form = KioskForm()
    if form.validate_on_submit():
        token, plaintext = create_access_token(
            TokenKind.KIOSK,
            centre=centre,
            label=form.label.data,
            created_by=current_user._get_current_object(),
        )
        db.session.commit()
        link = kiosk_link(plaintext, centre.slug)
        return _no_store(
            render_template(
                "checkin/kiosk_created.html",
                centre=centre,
                token=token,
                plaintext=plaintext,
                link=link,
                link_qr=qr_svg(link, _("QR code of the kiosk link")),
            )
        )
    return render_template(
        "checkin/kiosks.html", centre=centre, form=form, tokens=_kiosk_tokens(centre)
    )


@bp.route("/<slug>/kiosks/<int:token_id>/revoke", methods=["GET", "POST"])
@centre_required("leader")
def revoke_kiosk(centre: Centre, token_id: int):
    """Confirm, then revoke a kiosk link; the device stops checking in."""
    token = db.session.get(AccessToken, token_id)
    if token is None or token.kind != TokenKind.KIOSK or token.centre_id != centre.id:
        flash(_("That kiosk link does not exist."), "error")
        return redirect(url_for("checkin.kiosks", slug=centre.slug))
    form = ConfirmForm()
    if form.validate_on_submit():
        revoke_access_token(token)
        db.session.commit()
        flash(_("Kiosk link %(label)s revoked.", label=token.label), "success")
        return redirect(url_for("checkin.kiosks", slug=centre.slug))
    return render_template(
        "checkin/kiosk_revoke.html", centre=centre, token=token, form=form
    )


@bp.route("/<slug>/cards/new", methods=["GET", "POST"])
@centre_required("staff")
def create_cards(centre: Centre):
    """Issue 1-100 cards and show their print sheet once (codes are not stored)."""
    form = IssueCardsForm()
    form.home_district.choices = [
        SelectChoice("", _("Unknown")),
        *(SelectChoice(d.id, d.name) for d in _districts()),
    ]
    if not form.validate_on_submit():
        return render_template("checkin/cards_new.html", centre=centre, form=form)
    issued = ops.issue_cards(centre, form.count.data, form.attributes())
    db.session.commit()
    codes = [format_code(code) for _card, code in issued]
    caption = _("Anonymous visitor card")
    svg = sheet_svg(codes, centre.name, caption)
    svg_url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    cards = [(code, qr_svg(code, _("QR code"))) for code in codes]
    return _no_store(
        render_template(
            "checkin/card_sheet.html",
            centre=centre,
            cards=cards,
            caption=caption,
            svg_url=svg_url,
        )
    )


@bp.route("/<slug>/cards/revoke", methods=["GET", "POST"])
@centre_required("staff")
def revoke_card(centre: Centre):
    """Find a card by its code, confirm, then revoke it (lost or passed on)."""
    form = RevokeCardForm()
    if not form.validate_on_submit():
        return render_template("checkin/card_revoke.html", centre=centre, form=form)
    card = ops.find_card(form.code.data)
    code = format_code(normalise_code(form.code.data))
    if card is None:
        form.code.errors.append(_("No card has this code."))
        return render_template("checkin/card_revoke.html", centre=centre, form=form)
    # The flash message travels in the session cookie: never the card's code.
    if card.is_revoked:
        flash(_("This card is already blocked."), "info")
        return redirect(url_for("checkin.revoke_card", slug=centre.slug))
    if form.confirm.data != "yes":
        return render_template(
            "checkin/card_revoke_confirm.html", centre=centre, form=form, code=code
        )
    ops.revoke_card(form.code.data)
    db.session.commit()
    flash(_("The card is blocked. It can no longer check in."), "success")
    return redirect(url_for("checkin.revoke_card", slug=centre.slug))
