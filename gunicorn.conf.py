"""gunicorn settings for Lantern; command-line flags and GUNICORN_CMD_ARGS override them."""

bind = "127.0.0.1:8000"
# Two cores: two sync workers. Each opens the index once and refreshes it per request.
workers = 2
worker_class = "sync"
timeout = 60
accesslog = "-"
errorlog = "-"
