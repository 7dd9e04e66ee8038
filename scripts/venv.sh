# Sourced by serve.sh and test.sh: creates .venv when missing and installs the project into it
# with the extras named in $1 ("" or "[dev]"). pip's and setuptools' chatter goes to
# .venv/install.log, shown only when the install fails.
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if ! { .venv/bin/python -m pip install --quiet --upgrade pip \
    && .venv/bin/python -m pip install --quiet -e ".$1"; } > .venv/install.log 2>&1; then
  cat .venv/install.log >&2
  echo "error: installing Lantern's packages failed (the log is above, and in .venv/install.log)" >&2
  exit 1
fi
