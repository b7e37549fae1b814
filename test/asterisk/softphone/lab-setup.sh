#!/bin/sh
# Installs the browser-softphone PBX configuration on the lab Asterisk the way
# dialplan/README.md ("WebRTC agents") tells a plain-Asterisk admin: the WebRTC template
# included from pjsip.conf and sorcery.conf's writable auth objects, plus one agent endpoint.
# The lab's HTTP server has no TLS, so the browser side connects with ws:// here (an http page
# may); production uses wss:// (README step 1). Usage (the lab lock held, see GUIDE.md):
#   sh /work/shared/asterisk-lab/lab.sh install && sh test/asterisk/softphone/lab-setup.sh && sh /work/shared/asterisk-lab/lab.sh start
set -eu
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
: "${LAB_HOME:=${XDG_CACHE_HOME:-$HOME/.cache}/centralita-lab}"; : "${AST_PREFIX:=$LAB_HOME/asterisk}"
ETC=$AST_PREFIX/etc/asterisk
cat >> "$ETC/pjsip.conf" <<EOT

; --- centralita softphone (test/asterisk/softphone/lab-setup.sh)
#include $REPO/dialplan/pjsip_centralita_webrtc.conf
[transport-ws]
type = transport
protocol = ws
bind = 127.0.0.1
[agent-lab](centralita-webrtc)
aors = agent-lab
auth = agent-lab
context = lab-in
[agent-lab](centralita-webrtc-aor)
EOT
cat "$REPO/dialplan/sorcery_centralita.conf" >> "$ETC/sorcery.conf"
echo "centralita softphone config added to $ETC (endpoint agent-lab, auth objects writable over ARI)"
