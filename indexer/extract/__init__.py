"""Extraction: crawled pages in, Articles out; every stage ordered in pipeline.py."""
