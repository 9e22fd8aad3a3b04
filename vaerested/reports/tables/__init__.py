"""The report tables: queries, their cache, building and protecting the tables.

Nothing here reads a Flask request: the views pass the values in.
"""
