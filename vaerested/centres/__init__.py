"""Centres: the list, a centre's page, its offer profile and opening hours."""

from flask import Blueprint

bp = Blueprint("centres", __name__)

from vaerested.centres import city_views, views  # noqa: E402,F401,I001
