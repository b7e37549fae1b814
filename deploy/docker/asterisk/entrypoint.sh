#!/bin/sh
# Wires the project's files into the sample config the way dialplan/README.md tells a
# plain-Asterisk admin, with the ARI password from the compose secret, then runs Asterisk.
set -eu
E=/etc/asterisk
C=$E/centralita
grep -q centralita "$E/extensions.conf" || printf '\n#include centralita/extensions_custom.conf\n#include centralita/extensions_centralita_routes.conf\n' >> "$E/extensions.conf"
grep -q pjsip_centralita "$E/pjsip.conf" || printf '\n#include centralita/pjsip_centralita.conf\n#tryinclude pjsip_site.conf\n' >> "$E/pjsip.conf"
printf '[general]\n#include centralita/http_custom.conf\n' > "$E/http.conf"
{ printf '[general]\n#include centralita/ari_general_custom.conf\n\n'; sed "s/CHANGE-ME-long-random-secret/$(cat /run/secrets/ari_password)/" "$C/ari_additional_custom.conf"; } > "$E/ari.conf"
exec asterisk -f -U asterisk -G asterisk
