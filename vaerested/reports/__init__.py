"""Reports: the report tables (``tables``) and the report pages (``pages``).

The exports (schedules, runs, files) are in :mod:`vaerested.exports`.
"""
