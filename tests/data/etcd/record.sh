#!/bin/sh
# Records the etcd v3 gateway answers the codec tests read, from a real etcd
# (Debian 12 etcd-server 3.4.23) on a fresh data directory:
#   etcd --data-dir "$(mktemp -d)" --listen-client-urls http://127.0.0.1:23790 \
#        --advertise-client-urls http://127.0.0.1:23790 &
#   tests/data/etcd/record.sh http://127.0.0.1:23790
# Lease IDs and revisions differ from run to run; the tests read them from
# the files, not from here.
set -eu
E=${1:-http://127.0.0.1:23790}
cd "$(dirname "$0")"
b() { printf '%s' "$1" | base64 -w0; }
post() { curl -s -X POST "$E$1" -d "$2"; }
K=$(b /rec/instances/svc.a/10.0.0.5/8080)
V=$(b '{"url":"http://10.0.0.5:8080/api","meta":{"zone":"eu-1"},"ttl":3}')
V2=$(b '{"url":"http://10.0.0.5:8080/v2","meta":{},"ttl":3}')
M=$(b /rec/unregistered)
create() {
  printf '{"compare":[{"key":"%s","target":"CREATE","result":"EQUAL","create_revision":"0"}],"success":[{"request_put":{"key":"%s","value":"%s","lease":"%s"}}],"failure":[{"request_range":{"key":"%s"}}]}' "$K" "$K" "$V" "$1" "$K"
}
unregister() {
  printf '{"compare":[{"key":"%s","target":"CREATE","result":"GREATER","create_revision":"0"}],"success":[{"request_delete_range":{"key":"%s"}},{"request_put":{"key":"%s","value":"%s"}}]}' "$K" "$K" "$M" "$K"
}
watch() {
  printf '{"create_request":{"key":"%s","range_end":"%s","start_revision":"%s","prev_kv":true}}' "$(b /rec/)" "$(b /rec0)" "$1"
}
post /v3/kv/range "{\"key\":\"$(b /rec/instances/)\",\"range_end\":\"$(b /rec/instances0)\"}" > range_empty.json
START=$(post /v3/kv/range "{\"key\":\"$(b /rec/)\"}" | sed 's/.*"revision":"\([0-9]*\)".*/\1/')
(timeout 6 curl -sN -X POST "$E/v3/watch" -d "$(watch $((START + 1)))" > watch_stream.txt || true) &
sleep 0.5
post /v3/lease/grant '{"TTL":"3"}' > lease_grant.json
L=$(sed 's/.*"ID":"\([0-9]*\)".*/\1/' lease_grant.json)
post /v3/lease/grant '{"TTL":"1"}' > lease_grant_raised.json
post /v3/kv/txn "$(create "$L")" > txn_create_succeeded.json
post /v3/kv/txn "$(create 7)" > txn_create_existing.json
post /v3/kv/range "{\"key\":\"$(b /rec/instances/)\",\"range_end\":\"$(b /rec/instances0)\",\"limit\":\"1\"}" > range_one.json
post /v3/lease/keepalive "{\"ID\":\"$L\"}" > keepalive.json
post /v3/kv/put "{\"key\":\"$K\",\"value\":\"$V2\",\"lease\":\"$L\"}" > put.json
post /v3/kv/put "{\"key\":\"$K\",\"value\":\"$V2\",\"lease\":\"12345\"}" > put_lease_not_found.json
post /v3/kv/txn "$(unregister)" > txn_unregister_succeeded.json
post /v3/kv/txn "$(unregister)" > txn_unregister_absent.json
post /v3/lease/revoke "{\"ID\":\"$L\"}" > lease_revoke.json
post /v3/lease/keepalive "{\"ID\":\"$L\"}" > keepalive_lease_gone.json
L2=$(post /v3/lease/grant '{"TTL":"2"}' | sed 's/.*"ID":"\([0-9]*\)".*/\1/')
post /v3/kv/txn "$(create "$L2")" > /dev/null
sleep 5  # the lease runs out: a DELETE event with prev_kv
wait
NOW=$(post /v3/kv/range "{\"key\":\"$(b /rec/)\"}" | sed 's/.*"revision":"\([0-9]*\)".*/\1/')
post /v3/kv/compaction "{\"revision\":\"$NOW\"}" > /dev/null
timeout 2 curl -sN -X POST "$E/v3/watch" -d "$(watch "$START")" > watch_compacted.txt || true
