#!/bin/bash
# centralita — first-boot installation of the PBX instance (run by the EC2 user data as
# root, from /opt/centralita, the source archive of the deployed commit). Idempotent: every
# step checks before it acts, so it can be re-run by hand after a failure:
#   sudo bash /opt/centralita/deploy/aws/assets/bootstrap.sh
# Inputs: /etc/centralita/deploy.env (names and ARNs from the stack, no secret values).
set -euo pipefail
. /etc/centralita/deploy.env
export DEBIAN_FRONTEND=noninteractive AWS_DEFAULT_REGION="$AWS_REGION"
SRC=/opt/centralita
step() { echo "== $(date -u +%FT%TZ) $*"; }
secret() { aws secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text; }

step "SSM and CloudWatch agents (Debian's AMI ships neither)"
if ! systemctl is-active -q amazon-ssm-agent; then
  curl -fsSLo /tmp/ssm.deb "https://s3.${AWS_REGION}.amazonaws.com/amazon-ssm-${AWS_REGION}/latest/debian_amd64/amazon-ssm-agent.deb"
  dpkg -i /tmp/ssm.deb && systemctl enable --now amazon-ssm-agent
fi
if [ ! -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl ]; then
  curl -fsSLo /tmp/cwa.deb "https://amazoncloudwatch-agent-${AWS_REGION}.s3.${AWS_REGION}.amazonaws.com/debian/amd64/latest/amazon-cloudwatch-agent.deb"
  dpkg -i /tmp/cwa.deb
fi
install -m 0644 "$SRC/deploy/cloudwatch/prometheus.yaml" /opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml
install -d /var/log/centralita /var/log/pbx
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/etc/centralita/amazon-cloudwatch-agent.json

step "FreePBX 17 (official installer; ~30 min; log /var/log/pbx/freepbx17-install.log)"
if ! command -v fwconsole >/dev/null; then
  curl -fsSLo /tmp/sng_freepbx_debian_install.sh "$FREEPBX_INSTALLER_URL"
  if [ -n "$FREEPBX_INSTALLER_SHA256" ]; then echo "$FREEPBX_INSTALLER_SHA256  /tmp/sng_freepbx_debian_install.sh" | sha256sum -c -; fi
  bash /tmp/sng_freepbx_debian_install.sh
fi

step "Redis and PostgreSQL for centralita"
REDIS_PW=$(secret "$REDIS_SECRET_ARN")
DB_SECRET=$(secret "$DB_SECRET_ARN")
if [ "$REDIS_MODE" = instance ]; then
  apt-get install -y -q redis-server
  # Loopback only, AOF, never evict (BullMQ), a password even on loopback.
  cat > /etc/redis/redis.conf.d-centralita <<EOR
bind 127.0.0.1 ::1
protected-mode yes
appendonly yes
appendfsync everysec
maxmemory-policy noeviction
requirepass ${REDIS_PW}
EOR
  grep -q '^include /etc/redis/redis.conf.d-centralita' /etc/redis/redis.conf || echo 'include /etc/redis/redis.conf.d-centralita' >> /etc/redis/redis.conf
  chown redis:redis /etc/redis/redis.conf.d-centralita && chmod 0640 /etc/redis/redis.conf.d-centralita
  systemctl restart redis-server
  REDIS_URL="redis://:${REDIS_PW}@127.0.0.1:6379/0"
else
  REDIS_URL="rediss://:${REDIS_PW}@${REDIS_HOST}:${REDIS_PORT}/0"
fi
if [ "$DB_MODE" = instance ]; then
  apt-get install -y -q postgresql
  DB_PW="$DB_SECRET"
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='centralita'\"" | grep -q 1 || su postgres -c "psql -c \"CREATE ROLE centralita LOGIN PASSWORD '${DB_PW}'\""
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='centralita'\"" | grep -q 1 || su postgres -c "createdb -O centralita centralita"
  DATABASE_URL="postgres://centralita:${DB_PW}@127.0.0.1:5432/centralita"
else
  DB_PW=$(echo "$DB_SECRET" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
  DATABASE_URL="postgres://centralita:${DB_PW}@${DB_HOST}:${DB_PORT}/centralita?sslmode=require"
fi

step "Asterisk: centralita dialplan, ARI user, security log"
ARI_PW=$(secret "$ARI_SECRET_ARN")
for f in ari_general_custom.conf http_custom.conf logger_logfiles_custom.conf; do install -m 0640 -o asterisk -g asterisk "$SRC/dialplan/$f" /etc/asterisk/; done
sed "s/CHANGE-ME-long-random-secret/${ARI_PW}/" "$SRC/dialplan/ari_additional_custom.conf" > /etc/asterisk/ari_additional_custom.conf
chown asterisk:asterisk /etc/asterisk/ari_additional_custom.conf && chmod 0640 /etc/asterisk/ari_additional_custom.conf
grep -q 'centralita-stasis' /etc/asterisk/extensions_custom.conf 2>/dev/null || cat "$SRC/dialplan/extensions_custom.conf" >> /etc/asterisk/extensions_custom.conf
touch /var/log/asterisk/security /var/log/asterisk/freepbx_security.log && chown asterisk:asterisk /var/log/asterisk/security /var/log/asterisk/freepbx_security.log
fwconsole reload

step "centralita: user, Node (pinned), packages, secrets as files, service"
id centralita >/dev/null 2>&1 || useradd --system --home /var/lib/centralita --shell /usr/sbin/nologin centralita
install -d -o centralita -g centralita -m 0750 /var/lib/centralita /var/log/centralita
command -v npm >/dev/null || apt-get install -y -q npm
# The web app is built with the dev packages (Vite), which are then pruned.
( cd "$SRC" && . .ci/node.sh && ln -sfn "$(dirname "$(command -v node)")" .tools/bin && npm ci --no-audit --no-fund --loglevel=error && npm run -s build:web && npm prune --omit=dev --no-audit --no-fund --loglevel=error )
install -d -m 0750 -o root -g centralita /etc/centralita/secrets
umask 0027
printf '%s' "$ARI_PW" > /etc/centralita/secrets/ari_password
printf '%s' "$REDIS_URL" > /etc/centralita/secrets/redis_url
printf '%s' "$DATABASE_URL" > /etc/centralita/secrets/database_url
HUBSPOT_TOKEN=$(secret "$HUBSPOT_SECRET_ARN" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("token",""))')
if [ -n "$HUBSPOT_TOKEN" ]; then printf '%s' "$HUBSPOT_TOKEN" > /etc/centralita/secrets/hubspot_token; else rm -f /etc/centralita/secrets/hubspot_token; fi
chgrp centralita /etc/centralita/secrets/*
umask 0022
{
  echo "LOG_LEVEL=info"
  echo "HTTP_HOST=127.0.0.1"
  echo "HTTP_PORT=8080"
  echo "DATA_DIR=/var/lib/centralita"
  echo "ARI_URL=http://127.0.0.1:8088"
  echo "ARI_USER=centralita"
  echo "ARI_PASSWORD_FILE=/etc/centralita/secrets/ari_password"
  echo "REDIS_URL_FILE=/etc/centralita/secrets/redis_url"
  echo "DATABASE_URL_FILE=/etc/centralita/secrets/database_url"
  [ -f /etc/centralita/secrets/hubspot_token ] && echo "HUBSPOT_TOKEN_FILE=/etc/centralita/secrets/hubspot_token"
  echo "AWS_REGION=$AWS_REGION"
  echo "S3_BUCKET=$S3_BUCKET"
  [ -n "$SQS_QUEUE_URL" ] && echo "SQS_QUEUE_URL=$SQS_QUEUE_URL"
  echo "DEFAULT_COUNTRY=$COUNTRY"
  echo "ALERT_SNS_TOPIC_ARN=$ALERT_SNS_TOPIC_ARN"
} > /etc/centralita/centralita.env
chmod 0640 /etc/centralita/centralita.env && chgrp centralita /etc/centralita/centralita.env
install -m 0644 "$SRC"/deploy/systemd/centralita*.service "$SRC"/deploy/systemd/centralita*.timer /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now centralita.service centralita-recordings.timer
systemctl restart centralita.service

step "HTTPS proxy for the centralita UI on 8443 (admin network only)"
apt-get install -y -q ssl-cert
a2enmod -q ssl proxy proxy_http headers >/dev/null
CERT=/etc/ssl/certs/ssl-cert-snakeoil.pem KEY=/etc/ssl/private/ssl-cert-snakeoil.key
if [ -n "$DOMAIN" ] && [ -f "/etc/asterisk/keys/${DOMAIN}.crt" ]; then CERT="/etc/asterisk/keys/${DOMAIN}.crt" KEY="/etc/asterisk/keys/${DOMAIN}.key"; fi
sed "s#__CERT__#${CERT}#; s#__KEY__#${KEY}#" "$SRC/deploy/aws/assets/centralita-apache.conf" > /etc/apache2/sites-available/centralita.conf
a2ensite -q centralita >/dev/null && systemctl reload apache2

step "Logs: rotation and fail2ban"
install -m 0644 "$SRC/deploy/pbx/logrotate.d/asterisk" /etc/logrotate.d/asterisk
install -m 0644 "$SRC/deploy/pbx/logrotate.d/centralita" /etc/logrotate.d/centralita
apt-get install -y -q fail2ban
install -m 0644 "$SRC/deploy/fail2ban/jail.d/centralita.conf" /etc/fail2ban/jail.d/centralita.conf
install -m 0644 "$SRC/deploy/fail2ban/filter.d/freepbx-gui.conf" /etc/fail2ban/filter.d/freepbx-gui.conf
systemctl enable fail2ban && systemctl restart fail2ban

step "done: FreePBX at https://<Elastic IP>/admin, centralita at https://<Elastic IP>:8443/"
