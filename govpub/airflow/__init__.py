"""Airflow glue: the callables the DAG files run, connections → settings, data-aware Assets."""
