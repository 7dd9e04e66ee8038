"""Lantern's indexer: crawled pages in, articles out, articles into a Whoosh index."""
