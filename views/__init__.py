"""Thin request handlers: parse the request, call search/, render HTML or JSON."""
