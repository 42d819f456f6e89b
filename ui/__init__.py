"""Streamlit-only helpers: cached wrappers around `retail` and widgets shared by pages."""
