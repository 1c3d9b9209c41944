"""Searching the archive: the query language, the search engine, rendering, the API and CLI."""
