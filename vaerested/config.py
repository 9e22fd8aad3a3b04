"""Default configuration.

Every key the application reads is defined here with a safe default. The factory
overlays, in order: ``instance/config.py`` (optional), environment variables
prefixed ``VAERESTED_`` (``VAERESTED_DATABASE_URL`` sets ``DATABASE_URL``), then
the mapping a test passes to :func:`vaerested.create_app`.
"""

from datetime import timedelta


class DefaultConfig:
    """Safe defaults for a local, single-machine installation."""

    #: SQLAlchemy URL. Empty means the SQLite file ``instance/vaerested.sqlite3``.
    #: A plain ``postgresql://user:pass@host/db`` URL is rewritten to use psycopg 3.
    DATABASE_URL = ""
    #: PostgreSQL: seconds after which a pooled connection is replaced (kept
    #: below any idle timeout of the server, a proxy or a firewall).
    DATABASE_POOL_RECYCLE = 1800
    #: Flask's session signing key. Empty means: read ``instance/secret_key``,
    #: generating it on first start. Set it explicitly in production.
    SECRET_KEY = ""
    #: The address people reach the app at, e.g. "https://vaerested.example.dk".
    #: Used where there is no request to take it from: ``flask kiosk create``
    #: prints the full kiosk link with it. Empty: the command prints the path only.
    BASE_URL = ""
    #: Local time zone: it decides what a "day" is for visits and reports.
    TIMEZONE = "Europe/Copenhagen"
    #: Smallest count shown in exports; 1..MIN_CELL-1 is written as "<MIN_CELL".
    EXPORT_MIN_CELL = 5
    #: Smallest min-cell a web form (run now, schedules) or a scheduled run may
    #: use; never below 2. Raw counts (min-cell 1) only from the command line;
    #: a CLI export with ``--min-cell`` below this is recorded in the audit log.
    EXPORT_MIN_CELL_FLOOR = 5
    #: Public releases (differential privacy, docs/public-releases.md): the ε one
    #: release spends by default (the yearly budget is set on the ledger page),
    #: and each card's bound per release: at most this many transitions (k) and
    #: visits (m) of the period count; the rest are left out.
    RELEASE_EPSILON = 1.0
    RELEASE_MAX_TRANSITIONS = 10
    RELEASE_MAX_VISITS = 30
    #: Background map tiles for the coverage map, e.g.
    #: "https://tile.openstreetmap.org/{z}/{x}/{y}.png". Empty (the default): no
    #: tiles, districts and centres on a plain background (works offline). The
    #: tile host is added to the Content-Security-Policy's img-src.
    MAP_TILE_URL = ""
    #: Attribution shown with the tiles (required by most tile providers).
    MAP_TILE_ATTRIBUTION = ""
    #: Seconds the report pages reuse the figures of a period that can still
    #: change (one ending in the last 31 days); older periods are kept until an
    #: import or the retention job changes them. 0 switches the cache off.
    REPORT_CACHE_SECONDS = 900
    #: PostgreSQL only: memory for the sorts and hash aggregates of a report's
    #: queries, set per transaction (``SET LOCAL work_mem``) while a report is
    #: built; at the server's default (4 MB) a year at 1,000,000 visits spills
    #: to disk, and at 64MB the mobility matrix's sort still does. Empty keeps
    #: the server's setting.
    REPORT_WORK_MEM = "128MB"
    #: PostgreSQL only: whether a report's queries may be JIT-compiled
    #: (``SET LOCAL jit``). Off: the planner's estimates for the reports'
    #: correlated lookups pass the JIT threshold while the queries run in
    #: tenths of a second, and compiling took 0.35 of the national dashboard's
    #: 0.63 s housing query (issue 15). None keeps the server's setting.
    REPORT_JIT: bool | None = False

    #: HMAC key for card codes (only the keyed hash of a code is stored). Empty
    #: means: read ``instance/card_hash_key``, generating it on first start.
    #: Changing it makes every printed card unknown: back it up with the database.
    CARD_HASH_KEY = ""
    #: Card visits older than this many days lose their link to the card (the
    #: visit still counts). 396 days is about 13 months: a year plus a month.
    VISIT_CARD_RETENTION_DAYS = 396
    #: Seconds an API worker may cache a token's and a centre's lookup. A revoked
    #: token or a deactivated centre is refused by every worker within this time.
    API_AUTH_CACHE_SECONDS = 5

    #: UI languages, the first is the default.
    LANGUAGES = ("da", "en")
    BABEL_DEFAULT_LOCALE = "da"

    #: Login attempts allowed per account (and, times five, per address) in the
    #: window; a successful login gives the account its allowance back.
    LOGIN_MAX_FAILURES = 10
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    #: HMAC key for the e-mails in the login log (only their keyed hash is kept).
    #: Empty means: read ``instance/login_hash_key``, generating it on first start.
    LOGIN_HASH_KEY = ""
    #: A staff session ends after this long without a request (a shared centre
    #: PC left logged in) ...
    SESSION_IDLE_TIMEOUT = timedelta(hours=12)
    #: ... and this long after login in any case.
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=24)
    #: "Keep me logged in": the remember-me cookie, and its server-side session,
    #: last this long (no idle limit). Logging out ends it at once.
    REMEMBER_COOKIE_DURATION = timedelta(days=14)

    #: Days the audit log (downloads, exports, revocations, account and token
    #: changes) is kept; the retention job deletes older entries.
    AUDIT_RETENTION_DAYS = 400

    #: Start a background scheduler inside the app. Leave off: production runs
    #: ``flask --app wsgi scheduler run`` as one dedicated process instead.
    SCHEDULER_ENABLED = False
    #: Crontab expressions (local time) of the scheduled jobs.
    RETENTION_CRON = "15 3 * * *"
    PRUNE_LOGINS_CRON = "45 3 * * *"
    #: When activity sessions are materialised from their rules (also on save).
    MATERIALISE_SESSIONS_CRON = "30 2 * * *"
    #: Days ahead that activity sessions are materialised for.
    SESSION_HORIZON_DAYS = 56
    #: How often the scheduler looks for due and queued exports (and retries
    #: failed ones); it also looks once when ``flask scheduler run`` starts.
    EXPORT_TICK_CRON = "*/5 * * * *"
    #: How often the scheduler recomputes the report pages' default figures (the
    #: last 30 days, for administration), so pages rarely compute on a request.
    REPORT_WARM_CRON = "*/10 * * * *"
    #: How often the scheduler looks for due scheduled public releases (each
    #: spends its ε from the ledger, or is recorded as refused); it also looks
    #: once when ``flask scheduler run`` starts.
    RELEASE_SCHEDULE_CRON = "20 * * * *"
    #: Attempts of one export run before it stays failed.
    EXPORT_MAX_ATTEMPTS = 5
    #: A run still "running" after this many minutes is taken as crashed and redone.
    EXPORT_STALE_MINUTES = 60
    #: Run "Run now" exports inside the request instead of a background thread
    #: (tests only: the page would wait for the export).
    EXPORT_RUN_INLINE = False
    #: A job missed while the scheduler was down still runs if this late.
    SCHEDULER_MISFIRE_GRACE_SECONDS = 6 * 3600

    #: E-mail to the recipients of a scheduled export when a run finishes (a
    #: link to the run's files, never the data; docs/exports-delivery.md). Empty
    #: server: no e-mail, schedules work as before. Links need BASE_URL.
    MAIL_SERVER = ""
    #: 0: the port of the TLS mode (587 starttls, 465 ssl, 25 none).
    MAIL_PORT = 0
    #: "starttls", "ssl" (implicit TLS) or "none" (only on a trusted network).
    MAIL_TLS = "starttls"
    #: Login at the server; empty user: no login.
    MAIL_USER = ""
    MAIL_PASSWORD = ""
    #: The From address, e.g. "Værested <noreply@kommune.dk>" (required).
    MAIL_SENDER = ""
    #: Seconds to wait for the mail server before a send counts as failed.
    MAIL_TIMEOUT = 20

    #: Reverse proxies in front of the app that set X-Forwarded-For/-Proto/-Host.
    #: Set to 1 behind one HTTPS proxy, so links are https:// and login limits
    #: see the client's address. Keep 0 when the app is reachable directly.
    TRUSTED_PROXY_HOPS = 0

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Set to true behind HTTPS (production), so cookies never travel in clear.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    #: Set to true behind HTTPS, like SESSION_COOKIE_SECURE.
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
