#!/usr/bin/env bash
# libcurl and libxml2 are loaded on first use, not at start-up
# (runtime/platform/posix/platform_posix_lazylib.c): --version and a run that neither
# probes nor parses XML never load them, and the first use of either
# loads it and works.  The dynamic loader's own trace (LD_DEBUG=libs)
# says which libraries were initialised.  No timing is asserted.
. "$(dirname "$0")/lib.sh"

case $(uname -s) in
  Linux) ;;
  *) echo "skip: the lazy loading is for ELF systems" >&2; exit 77 ;;
esac

# loaded CMD...: the base names of the libraries the process initialised.
loaded() {
  LD_DEBUG=libs "$@" 2>&1 >/dev/null | sed -n 's|.*calling init: .*/||p' | sort -u | tr '\n' ' '
}

libs=$(loaded "$MP" --version)
case $libs in
  *libc.so*) ;;
  *) echo "skip: no dynamic loader trace from $MP (static, or wrapped)" >&2; exit 77 ;;
esac
case $libs in
  *libcurl*|*libxml2*|*libssl*|*libgnutls*|*libicu*) fail "--version loads [$libs]" ;;
  *) pass "--version loads neither libcurl nor libxml2, nor TLS nor ICU" ;;
esac

libs=$(loaded "$MP" eval 'return require("marsplay.fs").exists("/")')
case $libs in
  *libcurl*|*libxml2*) fail "a run without probes or XML loads [$libs]" ;;
  *) pass "a run without probes or XML loads neither library" ;;
esac

# The first call into libcurl loads it, and it answers.
run_mp eval 'return require("marsplay.net").parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")'
eq "parse_http_date through the loaded libcurl" "784111777" "$OUT"
libs=$(loaded "$MP" eval 'return require("marsplay.net").parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")')
contains "libcurl is loaded on first use" "libcurl.so" "$libs"

# The same for libxml2.
run_mp eval 'local x = require("marsplay.xml") return x.text(x.parse("<Task><Enabled>true</Enabled></Task>"), "Enabled")'
eq "xml.parse through the loaded libxml2" '"true"' "$OUT"
libs=$(loaded "$MP" eval 'return (require("marsplay.xml").parse("<a/>"))')
contains "libxml2 is loaded on first use" "libxml2.so" "$libs"

finish
