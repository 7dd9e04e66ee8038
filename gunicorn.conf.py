"""gunicorn settings for Lantern; command-line flags and GUNICORN_CMD_ARGS override them."""

bind = "127.0.0.1:8000"
# Two cores: two sync workers. Each opens the index once and refreshes it per request.
workers = 2
worker_class = "sync"
timeout = 60
accesslog = "-"
errorlog = "-"
# No limit on the request line here: the page's search box may send 2,000 Cyrillic characters
# (24 KB percent-encoded), and the app answers an over-long one itself, as JSON under /api/
# (app.py, MAX_QUERY_STRING_BYTES), rather than gunicorn's HTML "URI Too Long".
limit_request_line = 0
