#!/bin/sh
# Installs the project's PBX configuration on the lab Asterisk the way dialplan/README.md
# tells a plain-Asterisk admin (#include lines, the ARI user, the prompts), on top of
# `sh lab.sh install`. Then restart the lab. Usage (the lab lock held, see GUIDE.md):
#   sh /work/shared/asterisk-lab/lab.sh install && sh test/asterisk/pbx/lab-setup.sh && sh /work/shared/asterisk-lab/lab.sh start
set -eu
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
: "${LAB_HOME:=${XDG_CACHE_HOME:-$HOME/.cache}/centralita-lab}"; : "${AST_PREFIX:=$LAB_HOME/asterisk}"
ETC=$AST_PREFIX/etc/asterisk
: "${TEST_ASTERISK_APP_PASSWORD:=centralita-test-secret}"
cat >> "$ETC/extensions.conf" <<EOT

; --- centralita (test/asterisk/pbx/lab-setup.sh)
#include $REPO/dialplan/extensions_custom.conf
#include $REPO/dialplan/extensions_centralita_routes.conf
[globals]
; plain Asterisk has no FreePBX ring group: the lab's answering extension is the fallback
CENTRALITA_FALLBACK_DEFAULT=lab-in,200,1
EOT
cat >> "$ETC/pjsip.conf" <<EOT

; --- centralita (test/asterisk/pbx/lab-setup.sh)
#include $REPO/dialplan/pjsip_centralita.conf
#include $REPO/test/asterisk/pbx/lab/pjsip_lab.conf
EOT
# ari.conf: channelvars etc. inside [general], then the app's own user.
sed -i "s#^\[general\]\$#[general]\n\#include $REPO/dialplan/ari_general_custom.conf#" "$ETC/ari.conf"
{ echo; sed "s/CHANGE-ME-long-random-secret/$TEST_ASTERISK_APP_PASSWORD/" "$REPO/dialplan/ari_additional_custom.conf"; } >> "$ETC/ari.conf"
cp "$REPO/deploy/pbx/logger.conf" "$ETC/logger.conf"
for lang in "$REPO"/sounds/*/; do
  l=$(basename "$lang"); mkdir -p "$AST_PREFIX/var/lib/asterisk/sounds/$l"
  cp "$lang"*.wav "$AST_PREFIX/var/lib/asterisk/sounds/$l/"
done
echo "centralita PBX config added to $ETC (ARI user centralita / $TEST_ASTERISK_APP_PASSWORD)"
