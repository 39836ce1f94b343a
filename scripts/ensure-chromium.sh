#!/usr/bin/env bash
# Makes sure Debian's chromium (and a Chinese font, so screenshots show the pages' words and
# not empty boxes) is installed: the browser tests in tests/e2e drive it through Playwright.
# Playwright's own browser downloads are never used: CI reaches only the package mirrors.
# Does nothing when both are present; TIMEBANK_SKIP_CHROMIUM=1 skips it altogether.
set -euo pipefail
CHROMIUM="${TIMEBANK_CHROMIUM:-/usr/bin/chromium}"
[ "${TIMEBANK_SKIP_CHROMIUM:-0}" = "1" ] && exit 0

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
# WenQuanYi Micro Hei precisely: service certificates embed it (a TrueType font; a CFF one
# such as Noto CJK cannot be embedded by reportlab), and it gives the screenshots Chinese.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    missing+=(fonts-wqy-microhei)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

fail() {
    echo "ensure-chromium: $1" >&2
    echo "ensure-chromium: the browser tests need Debian's chromium at $CHROMIUM; install" \
         "it (apt-get install -y ${missing[*]}) or set TIMEBANK_SKIP_CHROMIUM=1." >&2
    exit 1
}
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian-like system)."
SUDO=()
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root, and no sudo to install packages with."
    SUDO=(sudo -n)
fi
echo "ensure-chromium: installing ${missing[*]} with apt-get…" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" apt-get update -qq \
       && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"
     } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get could not install ${missing[*]} (its last lines are above)."
fi
[ -x "$CHROMIUM" ] || fail "chromium was installed, but $CHROMIUM is missing."
