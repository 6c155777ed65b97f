#!/usr/bin/env bash
# Sends a patient's text to a Rounds server the way an SMS provider does: a form-encoded POST to
# /webhooks/sms, signed with the shared secret (HMAC-SHA256, see crates/server/src/sms.rs).
#
#   ROUNDS_SMS_WEBHOOK_SECRET=... scripts/send-sms.sh FROM TO BODY [SERVER_URL]
#
# The secret comes from the environment only, as the server's does.
set -euo pipefail
from="$1" to="$2" body="$3" url="${4:-http://127.0.0.1:8720}"
secret="${ROUNDS_SMS_WEBHOOK_SECRET:?set ROUNDS_SMS_WEBHOOK_SECRET to the secret the server was started with}"

urlencode() {
  local LC_ALL=C s="$1" out="" c i hex
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [A-Za-z0-9._-]) out+="$c" ;;
      ' ') out+='+' ;;
      *) printf -v hex '%%%02X' "'$c"; out+="$hex" ;;
    esac
  done
  printf '%s' "$out"
}

sid="SM$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
form="From=$(urlencode "$from")&To=$(urlencode "$to")&Body=$(urlencode "$body")&MessageSid=$sid"
ts=$(date +%s)
path=/webhooks/sms
sig=$(printf '%s' "$ts.$path.$form" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
curl -fsS -X POST "$url$path" \
  -H "content-type: application/x-www-form-urlencoded" \
  -H "x-rounds-timestamp: $ts" \
  -H "x-rounds-signature: v1=$sig" \
  --data-binary "$form"
echo
