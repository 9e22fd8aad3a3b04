"""Exports: schedules, runs and their jobs, the file formats and the downloads.

The views add their routes to the ``reports`` blueprint, so the URLs stay under
``/reports`` and the endpoint names stay ``reports.*``.
"""
