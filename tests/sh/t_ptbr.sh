#!/usr/bin/env bash
# t_ptbr: every lab fault in pt-BR, text and JSON report, without English
# (issue 10 point 6).  The word list and the allow-list are in
# ptbr_leaks.py; a failure quotes the fault and the line.
set -u
exec python3 "$(dirname "$0")/ptbr_leaks.py" "${MARSPLAY_BIN:?}"
