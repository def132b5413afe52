#!/usr/bin/env bash
# The peer benchmark: direct, mitmproxy (optional peer) and tlslab's box side by side, in one run,
# on loopback only. Interleaved: for every round and mode, direct, then each proxy.
# Needs: apt-get install -y wrk gcc curl (mitmproxy optional: without it the bench says so).
# Knobs: WORK (default ${TMPDIR:-/tmp}/tlslab-peerbench), DUR (10), WARM (3), REPS (3), CONC (20),
#        C500 (500), CW_N (30), MODES ("ka newconn-wrk newconn-node c500"),
#        BEFORE (a checkout of an older tlslab: its box runs too, as target "before"),
#        FLOOR (1: also a bare Node TLS proxy, node-floor.cjs, as target "floor"; 0 to leave it out),
#        FLOOR_WORKERS (processes for the floor, behind node:cluster; default 1)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=${WORK:-${TMPDIR:-/tmp}/tlslab-peerbench}
DUR=${DUR:-10}; WARM=${WARM:-3}; REPS=${REPS:-3}; CONC=${CONC:-20}; C500=${C500:-500}; CW_N=${CW_N:-30}
MODES=${MODES:-"ka newconn-wrk newconn-node c500"}
CERTS=$WORK/certs; CONF=$WORK/mitmconf
OUT=$WORK/results/run-$(date +%Y%m%d-%H%M%S); mkdir -p "$OUT" "$CONF"
DIRECT=127.0.0.1:9443; MITM=127.0.0.2:9444; TLSLAB=127.0.0.3:9445; BEFORE_AT=127.0.0.4:9446; FLOOR_AT=127.0.0.5:9447
HOSTS_LINE="127.0.0.1 bank.example # tlslab-peerbench-temp"
PIDS=()
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/log.txt"; }

for c in node wrk openssl curl gcc; do command -v $c >/dev/null || { echo "missing $c: apt-get install -y wrk gcc curl openssl"; exit 1; }; done
HAVE_MITM=1; command -v mitmdump >/dev/null || { HAVE_MITM=0; log "mitmproxy is not installed (apt-get install mitmproxy): the bench runs without it"; }
[ -f "$CERTS/leaf.pem" ] || bash "$HERE/make-certs.sh" "$CERTS" >/dev/null
SHIM=$WORK/wrk-nosessreuse.so
[ -f "$SHIM" ] || gcc -O2 -shared -fPIC -o "$SHIM" "$HERE/wrk-nosessreuse.c" -ldl -l:libssl.so.3

# mitmproxy resolves the upstream name itself: a temporary /etc/hosts entry, removed on exit.
del_hosts() { if grep -qF "$HOSTS_LINE" /etc/hosts; then grep -vF "$HOSTS_LINE" /etc/hosts > "$OUT/hosts.tmp"; cat "$OUT/hosts.tmp" > /etc/hosts; rm -f "$OUT/hosts.tmp"; fi; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  del_hosts
}
trap cleanup EXIT INT TERM

CERT_DIR=$CERTS node "$HERE/origin.cjs" > "$OUT/origin.log" 2>&1 & ORIGIN_PID=$!; PIDS+=($ORIGIN_PID)
TARGETS="direct"
if [ $HAVE_MITM = 1 ]; then
  grep -qF "$HOSTS_LINE" /etc/hosts || echo "$HOSTS_LINE" >> /etc/hosts
  mitmdump --mode reverse:https://bank.example:9443 --listen-host 127.0.0.2 --listen-port 9444 \
    --set confdir="$CONF" --set ssl_verify_upstream_trusted_ca="$CERTS/root.pem" \
    -q --set flow_detail=0 > "$OUT/mitmdump.log" 2>&1 & MITM_PID=$!; PIDS+=($MITM_PID)
  TARGETS="$TARGETS mitmproxy"
fi
(cd "$ROOT" && exec node --import tsx test/bench/peers/tlslab-box.ts --listen $TLSLAB --upstream $DIRECT \
  --upstream-ca "$CERTS/root.pem" --ca-out "$WORK/tlslab-ca.pem") > "$OUT/tlslab.log" 2>&1 & TLSLAB_PID=$!; PIDS+=($TLSLAB_PID)
TARGETS="$TARGETS tlslab"
BEFORE_PID=
if [ -n "${BEFORE:-}" ]; then
  [ -f "$BEFORE/test/bench/peers/tlslab-box.ts" ] || { mkdir -p "$BEFORE/test/bench/peers"; cp "$HERE/tlslab-box.ts" "$BEFORE/test/bench/peers/"; }
  [ -e "$BEFORE/node_modules" ] || ln -s "$ROOT/node_modules" "$BEFORE/node_modules"
  (cd "$BEFORE" && exec node --import tsx test/bench/peers/tlslab-box.ts --listen $BEFORE_AT --upstream $DIRECT \
    --upstream-ca "$CERTS/root.pem" --ca-out "$WORK/before-ca.pem") > "$OUT/before.log" 2>&1 & BEFORE_PID=$!; PIDS+=($BEFORE_PID)
  TARGETS="$TARGETS before"
fi

FLOOR_PID=
if [ "${FLOOR:-1}" = 1 ]; then
  CERT_DIR=$CERTS FLOOR_WORKERS=${FLOOR_WORKERS:-1} node "$HERE/node-floor.cjs" --listen $FLOOR_AT --upstream $DIRECT > "$OUT/floor.log" 2>&1 & FLOOR_PID=$!; PIDS+=($FLOOR_PID)
  TARGETS="$TARGETS floor"
fi

addr() { case $1 in direct) echo $DIRECT;; mitmproxy) echo $MITM;; tlslab) echo $TLSLAB;; before) echo $BEFORE_AT;; floor) echo $FLOOR_AT;; esac; }
ca() { case $1 in direct|floor) echo "$CERTS/root.pem";; mitmproxy) echo "$CONF/mitmproxy-ca-cert.pem";; tlslab) echo "$WORK/tlslab-ca.pem";; before) echo "$WORK/before-ca.pem";; esac; }
pid() { case $1 in direct) echo "";; mitmproxy) echo $MITM_PID;; tlslab) echo $TLSLAB_PID;; before) echo $BEFORE_PID;; floor) echo $FLOOR_PID;; esac; }
for t in $TARGETS; do
  a=$(addr $t)
  for i in $(seq 1 100); do
    [ -f "$(ca $t)" ] && curl -s -o /dev/null --cacert "$(ca $t)" --resolve bank.example:${a#*:}:${a%:*} https://bank.example:${a#*:}/ && break; sleep 0.2
  done
  curl -sf -o /dev/null --cacert "$(ca $t)" --resolve bank.example:${a#*:}:${a%:*} https://bank.example:${a#*:}/ || { log "$t not up"; exit 1; }
done

{
  echo "date: $(date -Is)"; uname -a; grep -m1 'model name' /proc/cpuinfo; echo "cpus: $(nproc)"
  echo "node: $(node --version)"; wrk --version 2>&1 | head -1 || true; openssl version
  [ $HAVE_MITM = 1 ] && mitmdump --version 2>/dev/null | sed -n 1p  # sed reads it all: head would break the pipe
  [ -n "${BEFORE:-}" ] && echo "before: $(cd "$BEFORE" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [ -n "$FLOOR_PID" ] && echo "floor workers: ${FLOOR_WORKERS:-1}"
  dpkg-query -W -f='${Package} ${Version}\n' mitmproxy wrk libssl3 2>/dev/null || true
  echo "tlslab: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$OUT/versions.txt"

ticks() { [ -n "$1" ] && sed 's/^.*) //' /proc/$1/stat | awk '{print $12+$13}' || echo 0; }
rss() { [ -n "$1" ] && awk '/VmRSS/{print $2}' /proc/$1/status || echo 0; }
sysbusy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat; }
ostats() { curl -s --cacert "$CERTS/root.pem" --resolve bank.example:9443:127.0.0.1 https://bank.example:9443/__stats; }
HZ=$(getconf CLK_TCK)

# client <target> <mode> <duration> <outfile>
client() {
  local t=$1 mode=$2 d=$3 f=$4 a; a=$(addr $1)
  local url=https://bank.example:${a#*:}/
  case $mode in
    ka)          /usr/bin/time -f 'TIME %U %S %e' env WRK_CONNECT=$a wrk -t1 -c$CONC -d${d}s --latency -s "$HERE/bench.lua" "$url" ;;
    c500)        /usr/bin/time -f 'TIME %U %S %e' env WRK_CONNECT=$a wrk -t2 -c$C500 -d${d}s --latency --timeout 10s -s "$HERE/bench.lua" "$url" ;;
    newconn-wrk) /usr/bin/time -f 'TIME %U %S %e' env LD_PRELOAD=$SHIM WRK_CONNECT=$a wrk -t1 -c$CONC -d${d}s --latency -H "Connection: close" -s "$HERE/bench.lua" "$url" ;;
    newconn-node) node "$HERE/newconn.cjs" --connect $a --servername bank.example --ca "$(ca $t)" --conc $CONC --duration $d --warmup 1 ;;
  esac > "$f" 2>&1 || true
}

log "targets: $TARGETS; modes: $MODES; warm-up ${WARM}s each, then $REPS rounds of ${DUR}s"
for m in $MODES; do for t in $TARGETS; do client $t $m $WARM "$OUT/warmup-$m-$t.txt"; sleep 1; done; done

for rep in $(seq 1 $REPS); do
  for m in $MODES; do for t in $TARGETS; do
    f=$OUT/$m-$t-$rep.txt; p=$(pid $t)
    s0=$(ostats); o0=$(ticks $ORIGIN_PID); p0=$(ticks "$p"); read b0 a0 st0 < <(sysbusy); t0=$(date +%s.%N)
    client $t $m $DUR "$f"
    t1=$(date +%s.%N); read b1 a1 st1 < <(sysbusy); o1=$(ticks $ORIGIN_PID); p1=$(ticks "$p"); s1=$(ostats); r=$(rss "$p")
    res=$(grep -h '^JSON ' "$f" | sed 's/^JSON //' || true); [ -z "$res" ] && res=$(grep -h '^{' "$f" | tail -1 || true); [ -z "$res" ] && res=null
    tm=$(grep -h '^TIME ' "$f" || true)
    cli=$( [ -n "$tm" ] && echo "$tm" | awk '{printf "%.1f", ($2+$3)/$4*100}' || echo null)
    awk -v t0=$t0 -v t1=$t1 -v hz=$HZ -v o=$((o1-o0)) -v p=$((p1-p0)) -v b=$((b1-b0)) -v a=$((a1-a0)) -v st=$((st1-st0)) -v rss=${r:-0} \
        -v mode=$m -v tg=$t -v rep=$rep -v res="$res" -v cli=$cli -v s0="$s0" -v s1="$s1" 'BEGIN{ el=t1-t0
      printf "{\"mode\":\"%s\",\"target\":\"%s\",\"rep\":%d,\"wall_s\":%.2f,\"origin_cpu_pct\":%.1f,\"proxy_cpu_pct\":%.1f,\"proxy_rss_kb\":%d,\"wrk_cpu_pct\":%s,\"sys_busy_pct\":%.1f,\"steal_pct\":%.1f,\"origin_stats_before\":%s,\"origin_stats_after\":%s,\"result\":%s}\n",
        mode, tg, rep, el, o/hz/el*100, p/hz/el*100, rss, cli, b/a*100, st/a*100, s0, s1, res }' >> "$OUT/runs.jsonl"
    log "$m $t rep$rep: $(echo "$res" | head -c 150)"
    sleep 1
  done; done
done

log "cold vs cached SNI name (sequential, $CW_N names), and 8 new names at once"
for t in $TARGETS; do
  node "$HERE/coldwarm.cjs" --connect $(addr $t) --ca "$(ca $t)" --n $CW_N --burst 8 --label $t >> "$OUT/coldwarm.jsonl" || log "coldwarm $t failed"
done
for t in mitmproxy tlslab before floor; do p=$(pid $t); [ -n "$p" ] && [ -d /proc/$p ] && echo "{\"target\":\"$t\",\"rss_kb\":$(rss $p)}" >> "$OUT/rss.jsonl"; done
node "$HERE/summarize.cjs" "$OUT" | tee "$OUT/summary.md"
log "done: $OUT"
