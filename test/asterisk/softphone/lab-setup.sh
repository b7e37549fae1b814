#!/bin/sh
# Installs the browser-softphone PBX configuration on the lab Asterisk the way
# dialplan/README.md ("WebRTC agents") tells a plain-Asterisk admin: the WebRTC template
# included from pjsip.conf and sorcery.conf's writable auth objects, plus one agent endpoint.
# TLS for the WSS listener as README step 1 says (http.conf tlsenable on 127.0.0.1:8089, a
# self-signed certificate made here once under $LAB_HOME/keys, never committed): Chromium
# connects to wss://127.0.0.1:8089/ws (told to accept that certificate); ws:// on 8088 stays for
# the Node phone of registration.test.ts. Usage (the lab lock held, see GUIDE.md):
#   sh /work/shared/asterisk-lab/lab.sh install && sh test/asterisk/softphone/lab-setup.sh && sh /work/shared/asterisk-lab/lab.sh start
set -eu
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
: "${LAB_HOME:=${XDG_CACHE_HOME:-$HOME/.cache}/centralita-lab}"; : "${AST_PREFIX:=$LAB_HOME/asterisk}"
ETC=$AST_PREFIX/etc/asterisk
KEYS=$LAB_HOME/keys
if [ ! -f "$KEYS/wss.pem" ]; then
  mkdir -p "$KEYS"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$KEYS/wss.key" -out "$KEYS/wss.pem" 2>/dev/null
fi
# the lab's http.conf is one [general] section: these lines land in it
cat >> "$ETC/http.conf" <<EOT

; --- centralita softphone: TLS for the WSS listener (dialplan/README.md, WebRTC agents step 1)
tlsenable = yes
tlsbindaddr = 127.0.0.1:8089
tlscertfile = $KEYS/wss.pem
tlsprivatekey = $KEYS/wss.key
EOT
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
callerid = "Lab Agent" <agent-lab>
; RTP bound to loopback (the lab's rtp.conf binds every interface). Asterisk still advertises
; only the host's other addresses as ICE host candidates (res_rtp_asterisk skips 127/8), so the
; pair that works is the one its connectivity check from 127.0.0.1 creates (peer-reflexive).
media_address = 127.0.0.1
bind_rtp_to_media_address = yes
[agent-lab](centralita-webrtc-aor)
EOT
cat "$REPO/dialplan/sorcery_centralita.conf" >> "$ETC/sorcery.conf"
echo "centralita softphone config added to $ETC (endpoint agent-lab, auth objects writable over ARI)"
