# Sourced by serve.sh and test.sh: creates .venv when missing and installs the project into it
# with the extras named in $1 ("" or "[dev]").
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".$1"
