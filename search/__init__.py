"""Lantern's search: requests in, result pages out. Knows Whoosh, not Flask."""
