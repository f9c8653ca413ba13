#!/usr/bin/env python3
"""The registry benchmark: every figure side by side with nginx in one run.

Run through tests/bench/run.sh, which installs what is missing and builds
the Release binaries first. Everything listens on 127.0.0.1 only; every run
is bounded (wrk -d, timeouts on every child); every process started here is
stopped on exit, whatever the reason.

  bench.py --build DIR [--duration S] [--quick] [--no-results] [--skip-micro]
           [--skip-cli] [--command TEXT]

Sections (see README-section.md for what each measures):
  1. HTTP throughput and latency: nginx, the registry, stock cpp-httplib;
     one worker against one event loop, then one per CPU on both sides.
  2. 100,000 live instances: locate latency, ping cost, resident memory.
  3. 100,000 instances expiring at once, under locate load.
  4. Google Benchmark micro-benchmarks (glob, store, JSON-RPC path).
  5. The gemstone CLI against a local service, next to curl.
  6. watch_services: 10,000 parked watchers (memory, ping/locate p99 beside
     a registry without them), change-to-wake latency over 1,000 watchers.
  7. The etcd backend (--only etcd): ping and locate on one and two etcd-mode
     nodes beside memory mode and etcd's own gateway, propagation A -> B, a
     fleet of 100,000 instances pinging every 30 s, mass expiry.
The report is printed and appended to tests/bench/RESULTS.md.
"""

import argparse
import datetime
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RPC_LUA = os.path.join(HERE, "wrk", "rpc.lua")
LOADER = os.path.join(HERE, "load_instances.py")

# The performance targets (the daemon against the bare cpp-httplib responder,
# latency at 128 connections, locate among 100k instances), checked against
# this run's own figures.
# Issue 16: ping at least 0.8 of nginx's req/s for at most 1.5x its CPU per
# request; locate over 100 instances (ten answers) 0.65 and 2x.
TARGET_PING_RATIO = 0.80
TARGET_LOCATE_RATIO = 0.65
TARGET_PING_CPU = 1.5
TARGET_LOCATE_CPU = 2.0
TARGET_P99_128_US = 10_000
TARGET_LOCATE_100K_P99_US = 1_000
TARGET_EXPIRY_MAX_US = 50_000
TARGET_RSS_KIB = 100 * 1024
TARGET_CLI_RATIO = 1.5
TARGET_CLI_RSS_KIB = 10 * 1024
TARGET_WATCHERS = 10_000
TARGET_WATCH_RSS_KIB = 150 * 1024
TARGET_WATCH_P99_US = 5_000
TARGET_WAKE_P99_MS = 100


class Children:
    """Every process this script starts; all are stopped on exit."""

    def __init__(self):
        self.procs = []

    def start(self, args, **kwargs):
        proc = subprocess.Popen(args, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self):
        for proc in list(reversed(self.procs)):
            self.stop(proc)


children = Children()


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def log(text):
    print(text, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drain(stream):
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()


def wait_for_line(proc, pattern, what, timeout=20):
    """Reads the child's stderr until `pattern` matches; returns the match."""
    deadline = time.monotonic() + timeout
    seen = []
    result = {}

    def reader():
        for line in proc.stderr:
            seen.append(line)
            m = re.search(pattern, line)
            if m:
                result["match"] = m
                return

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    t.join(max(0.0, deadline - time.monotonic()))
    if "match" not in result:
        raise RuntimeError("%s did not start: %s" % (what, "".join(seen[-5:]).strip() or "no output"))
    drain(proc.stderr)
    return result["match"]


def cpu_ticks(pid):
    """utime + stime of a process (all its threads), or of a tuple of
    processes together (nginx's workers), in clock ticks."""
    if isinstance(pid, tuple):
        return sum(cpu_ticks(p) for p in pid)
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


TICKS = os.sysconf("SC_CLK_TCK")
REGISTRY = None  # --registry: another gemstone-registry binary to measure


def memory_kib(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out


def children_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def post(url, body, timeout=10):
    req = urllib.request.Request(url, data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read().decode()


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


# ---------------------------------------------------------------- servers

class Server:
    def __init__(self, name, url, proc, cpu_pid):
        self.name, self.url, self.proc, self.cpu_pid = name, url, proc, cpu_pid


def clean_env():
    # The registry reads GEMSTONE_REGISTRY_* and /etc/gemstone/registry.toml;
    # neither may change what is measured.
    return {k: v for k, v in os.environ.items()
            if not k.startswith("GEMSTONE_REGISTRY_") and k != "SPDLOG_LEVEL"}


def start_registry(build, tmp, ttl, extra=(), binary=None):
    config = os.path.join(tmp, "registry.toml")
    open(config, "w").close()
    binary = binary or REGISTRY or os.path.join(build, "registry", "gemstone-registry")
    proc = children.start([binary, "--host", "127.0.0.1",
                           "--port", "0", "--ttl", str(ttl), "--config", config, "--log-level", "info",
                           *extra],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=clean_env())
    m = wait_for_line(proc, r"listening on (https?://127\.0\.0\.1:\d+/api)", "gemstone-registry")
    return Server("registry", m.group(1), proc, proc.pid)


def start_nginx(tmp, workers=1):
    port = free_port()
    root = os.path.join(tmp, "nginx-%d" % workers)
    os.makedirs(root, exist_ok=True)
    conf = os.path.join(root, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""worker_processes %(workers)d;
daemon off;
pid %(root)s/nginx.pid;
error_log %(root)s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(root)s/body;
  proxy_temp_path %(root)s/proxy;
  fastcgi_temp_path %(root)s/fastcgi;
  uwsgi_temp_path %(root)s/uwsgi;
  scgi_temp_path %(root)s/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:%(port)d;
    location = /api {
      default_type application/json;
      return 200 '{"jsonrpc":"2.0","result":"pong","error":null,"id":1}';
    }
  }
}
""" % {"root": root, "port": port, "workers": workers})
    proc = children.start(["nginx", "-p", root, "-c", conf, "-e", os.path.join(root, "error.log")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d/api" % port
    deadline = time.monotonic() + 10
    while True:
        try:
            post(url, "{}", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start (see %s/error.log)" % root)
            time.sleep(0.05)
    deadline = time.monotonic() + 10
    while len(children_of(proc.pid)) < workers:
        if time.monotonic() > deadline:  # its CPU would be undercounted
            raise RuntimeError("nginx started %d of its %d workers" % (len(children_of(proc.pid)), workers))
        time.sleep(0.05)
    return Server("nginx", url, proc, tuple(children_of(proc.pid)))


def start_bare(build):
    proc = children.start([os.path.join(build, "tests", "bench", "bare_httplib_responder"), "0"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = wait_for_line(proc, r"listening on 127\.0\.0\.1:(\d+)", "bare_httplib_responder")
    return Server("cpp-httplib", "http://127.0.0.1:%s/api" % m.group(1), proc, proc.pid)


# ---------------------------------------------------------------- load

def load(url, count, *options):
    out = subprocess.run([sys.executable, LOADER, url, str(count), *options], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError("loading instances failed: " + (out.stderr or out.stdout).strip())
    return float(out.stdout.split()[1])


def interleaved(servers, mode, count, conns, args, headers=(), counts=None):
    """Runs wrk against each server in turn, args.rounds times, so that a
    change in the machine's load hits all of them alike; returns one merged
    result per server: summed requests over summed time, the worst p99 and
    max of the rounds, the median p50."""
    runs = [[] for _ in servers]
    for _ in range(args.rounds):
        for i, server in enumerate(servers):
            runs[i].append(wrk(server, mode, counts[i] if counts else count, conns, args.duration, headers))
    merged = []
    for rs in runs:
        m = {k: sum(r[k] for r in rs) for k in ("requests", "timeouts", "errors", "cpu_s", "seconds")}
        m["rps"] = m["requests"] / m["seconds"]
        m["cpu_us"] = m["cpu_s"] * 1e6 / max(m["requests"], 1)
        m["p50"] = statistics.median(r["p50"] for r in rs)
        m["p99"] = max(r["p99"] for r in rs)
        m["max"] = max(r["max"] for r in rs)
        merged.append(m)
    return merged


def wrk(server, mode, count, conns, duration, headers=()):
    args = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % duration, "--timeout", "2s", "-s", RPC_LUA]
    for h in headers:
        args += ["-H", h]
    args += [server.url, "--", mode, str(count)]
    before = cpu_ticks(server.cpu_pid)
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60)
    after = cpu_ticks(server.cpu_pid)
    m = re.search(r"^RESULT (.*)$", out.stdout, re.M)
    if out.returncode != 0 or not m:
        raise RuntimeError("wrk failed: " + (out.stderr or out.stdout).strip())
    r = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"]
    r["cpu_s"] = (after - before) / TICKS
    r["cpu_us"] = r["cpu_s"] * 1e6 / max(r["requests"], 1)
    r["seconds"] = r["requests"] / r["rps"] if r["rps"] > 0 else duration
    return r


def ms(us):
    return "%.2f" % (us / 1000.0)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- sections

def has_option(binary, flag):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30, env=clean_env())
    return flag in out.stdout


def ready_registry(args, tmp, loops, binary=None):
    """A registry holding the 100 instances of the HTTP rows, with `loops`
    event loops (None: its default, one per CPU). A binary older than the
    option runs its default; `server.loops` says what it got."""
    binary = binary or REGISTRY or os.path.join(args.build, "registry", "gemstone-registry")
    if loops is not None and not has_option(binary, "--event-loops"):
        loops = None
    extra = ("--event-loops", str(loops)) if loops is not None else ()
    server = start_registry(args.build, tmp, ttl=3600, extra=extra, binary=binary)
    server.loops = loops
    status, body = post(server.url, '{"jsonrpc":"2.0","method":"ping","params":'
                        '{"name":"svc.0.0","host":"127.0.0.1","port":10000},"id":1}')
    if status != 200 or '"result":{' not in body:
        raise RuntimeError("the registry did not answer a ping: %s" % body)
    load(server.url, 100)
    return server


def section_http(args, tmp, report, verdicts):
    # Like for like: nginx with one worker against the registry with one
    # event loop; then both with one per CPU (nginx's worker_processes set
    # to the CPU count, the registry's default), below. On a machine of few
    # CPUs that wrk shares, a server with more threads than the CPUs left to
    # it pays in context switches, whichever server it is. A baseline binary
    # without --event-loops is compared in the second pairing only.
    cpus = os.cpu_count() or 1
    nginx = start_nginx(tmp)
    registry = ready_registry(args, tmp, 1)
    bare = start_bare(args.build)
    baseline = None
    if args.baseline:
        baseline = ready_registry(args, tmp, 1, binary=args.baseline)
        if baseline.loops is None:
            children.stop(baseline.proc)
            baseline = None

    rows = []
    figures = {}
    compared = []
    cases = [("ping", "ping", 100, ()), ("locate_service (100 instances)", "locate", 100, ()),
             ("mixed 90% locate / 10% ping", "mixed", 100, ())]
    extra = [("ping, client accepts gzip/br", "ping", 100, ("Accept-Encoding: gzip, deflate, br",)),
             ("ping, new connection per request", "ping", 100, ("Connection: close",))]
    for label, mode, count, headers in cases + extra:
        for conns in ((16, 128) if (label, mode, count, headers) in cases else (16,)):
            log("http: %s, %d connections" % (label, conns))
            with_baseline = baseline is not None and not headers
            servers = [nginx, registry] + ([baseline] if with_baseline else [])
            measured = interleaved(servers, mode, count, conns, args, headers)
            n, r = measured[0], measured[1]
            ratio = r["rps"] / n["rps"]
            if with_baseline:
                b = measured[2]
                compared.append((label, conns, ratio, b["rps"] / n["rps"], r["cpu_us"], b["cpu_us"],
                                 n["cpu_us"]))
            figures[(mode, conns, headers)] = (r, n, ratio)
            rows.append([label, conns, "%.0f" % n["rps"], "%.0f" % r["rps"], "**%.2f**" % ratio,
                         ms(r["p50"]), ms(r["p99"]), ms(r["max"]), "%d / %d" % (r["timeouts"], r["errors"]),
                         "%.1f" % r["cpu_us"], ms(n["p99"]), "%.1f" % n["cpu_us"]])
    for conns in (16, 128):
        log("http: stock cpp-httplib, %d connections" % conns)
        n, b = interleaved([nginx, bare], "ping", 100, conns, args)
        rows.append(["stock cpp-httplib 0.11, fixed body (the stack's ceiling)", conns, "%.0f" % n["rps"],
                     "%.0f" % b["rps"], "%.2f" % (b["rps"] / n["rps"]), ms(b["p50"]), ms(b["p99"]),
                     ms(b["max"]), "%d / %d" % (b["timeouts"], b["errors"]), "%.1f" % b["cpu_us"],
                     ms(n["p99"]), "%.1f" % n["cpu_us"]])
    mem = memory_kib(registry.proc.pid)
    for s in (bare, registry, nginx) + ((baseline,) if baseline else ()):
        children.stop(s.proc)

    # Both with one per CPU: nginx's workers, the registry's event loops.
    nginx_all = start_nginx(tmp, workers=cpus)
    registry_all = ready_registry(args, tmp, None)
    baseline_all = None
    if args.baseline and baseline is None:
        baseline_all = ready_registry(args, tmp, None, binary=args.baseline)
    all_rows = []
    for mode, label in (("ping", "ping"), ("locate", "locate_service (100 instances)")):
        for conns in (16, 128):
            log("http, one per CPU: %s, %d connections" % (label, conns))
            measured = interleaved([nginx_all, registry_all] + ([baseline_all] if baseline_all else []),
                                   mode, 100, conns, args)
            n, r = measured[0], measured[1]
            ratio = r["rps"] / n["rps"]
            if baseline_all:
                b = measured[2]
                compared.append((label + ", one per CPU", conns, ratio, b["rps"] / n["rps"], r["cpu_us"],
                                 b["cpu_us"], n["cpu_us"]))
            figures[(mode, conns, "per-cpu")] = (r, n, ratio)
            all_rows.append([label, conns, "%.0f" % n["rps"], "%.0f" % r["rps"], "**%.2f**" % ratio,
                             ms(r["p50"]), ms(r["p99"]), ms(r["max"]),
                             "%d / %d" % (r["timeouts"], r["errors"]), "%.1f" % r["cpu_us"], ms(n["p99"]),
                             "%.1f" % n["cpu_us"]])
    for s in (registry_all, nginx_all) + ((baseline_all,) if baseline_all else ()):
        children.stop(s.proc)

    header = ["load", "conns", "nginx req/s", "registry req/s", "ratio", "p50", "p99", "max",
              "timeouts / errors", "CPU µs/req", "nginx p99", "nginx CPU µs/req"]
    report.append("### 1. HTTP: nginx vs the registry, same wrk load, same run\n")
    report.append("wrk -t1, keep-alive, %d interleaved rounds of %d s per server and row; the registry "
                  "holds 100 instances (svc.K.J); nginx answers "
                  "`POST /api` with a fixed 200 JSON body (access log off). Like for like: nginx with "
                  "1 worker, the registry with %s. "
                  "Latencies are the registry's, in ms. CPU = server CPU time per request (µs), all threads. "
                  "p99 and max are the worst of the rounds. "
                  "Registry after the runs: %d threads, VmRSS %d KiB.\n"
                  % (args.rounds, args.duration,
                     "`--event-loops 1`" if registry.loops else "its default (it has no `--event-loops`)",
                     mem.get("Threads", 0), mem.get("VmRSS", 0)))
    report.append(table(header, rows))
    report.append("")
    report.append("Both with one per CPU (%d here): nginx `worker_processes %d`, the registry's default "
                  "event loops; wrk (one thread) runs on the same CPUs.\n" % (cpus, cpus))
    report.append(table(header, all_rows))
    report.append("")
    if compared:
        report.append("Side by side in the same interleaved rounds: this build and the baseline binary "
                      "`%s`, each as a ratio of nginx's req/s, %s.\n"
                      % (args.baseline, "both with `--event-loops 1`" if baseline else
                         "both with one event loop per CPU (the baseline has no `--event-loops`)"))
        report.append(table(["load", "conns", "ratio, this build", "ratio, baseline", "this / baseline",
                             "CPU µs/req, this build", "CPU µs/req, baseline", "nginx CPU µs/req"],
                            [[label, conns, "%.2f" % ours, "%.2f" % base, "**%.2f**" % (ours / base),
                              "%.1f" % cpu, "%.1f" % base_cpu, "%.1f" % n_cpu]
                             for label, conns, ours, base, cpu, base_cpu, n_cpu in compared]))
        report.append("")
        worst = min(compared, key=lambda c: c[2] / c[3])
        verdicts.append(("no nginx ratio lower than the baseline's (3% allowed for noise)",
                         all(ours >= base * 0.97 for _, _, ours, base, *_ in compared),
                         "lowest this/baseline %.2f (%s, %d connections)"
                         % (worst[2] / worst[3], worst[0], worst[1])))

    for threads, key in (("1 worker / 1 loop", ()), ("one per CPU", "per-cpu")):
        for conns in (16, 128):
            for mode, label, target_ratio, target_cpu in (
                    ("ping", "`ping`", TARGET_PING_RATIO, TARGET_PING_CPU),
                    ("locate", "`locate_service` (100 instances)", TARGET_LOCATE_RATIO, TARGET_LOCATE_CPU)):
                r, n, ratio = figures[(mode, conns, key)]
                verdicts.append(("%s, %s, %d connections: >= %.2f of nginx's req/s"
                                 % (label, threads, conns, target_ratio), ratio >= target_ratio, "%.2f" % ratio))
                cpu = r["cpu_us"] / n["cpu_us"]
                verdicts.append(("%s, %s, %d connections: CPU per request <= %.1fx nginx's"
                                 % (label, threads, conns, target_cpu), cpu <= target_cpu,
                                 "%.2fx (%.1f vs %.1f µs)" % (cpu, r["cpu_us"], n["cpu_us"])))
    worst = max((figures[(m, 128, ())][0] for m in ("ping", "locate", "mixed")), key=lambda r: r["p99"])
    timeouts = sum(figures[(m, 128, ())][0]["timeouts"] + figures[(m, 128, ())][0]["errors"]
                   for m in ("ping", "locate", "mixed"))
    verdicts.append(("128 connections: no timeouts or errors, p99 < %d ms" % (TARGET_P99_128_US // 1000),
                     timeouts == 0 and worst["p99"] < TARGET_P99_128_US,
                     "%d timeouts/errors, worst p99 %s ms" % (timeouts, ms(worst["p99"]))))


def section_100k(args, tmp, report, verdicts):
    # Two registries side by side, 100 and 100,000 instances, measured in
    # interleaved runs: the ratio is the store's size, not the machine's drift.
    small = start_registry(args.build, tmp, ttl=3600)
    big = start_registry(args.build, tmp, ttl=3600)
    load(small.url, 100)
    log("100k: loading 100,000 instances")
    seconds = load(big.url, 100000)
    instances = json.loads(get(big.url.replace("/api", "/health")))["instances"]
    # Memory an instance costs: the 100k registry's VmRSS beyond the small one's.
    per_instance = ((memory_kib(big.proc.pid)["VmRSS"] - memory_kib(small.proc.pid)["VmRSS"]) * 1024.0
                    / (100000 - 100))
    pair, counts = [small, big], [100, 100000]
    log("100k: locate, 1 connection")
    locate1 = interleaved(pair, "locate", 0, 1, args, counts=counts)
    log("100k: locate, 16 connections")
    locate16 = interleaved(pair, "locate", 0, 16, args, counts=counts)
    log("100k: ping, 16 connections")
    ping16 = interleaved(pair, "ping", 0, 16, args, counts=counts)
    mem = memory_kib(big.proc.pid)
    children.stop(big.proc)
    children.stop(small.proc)

    rows = [
        ["locate_service(\"svc.K.*\"), 1 connection: p50 / p99 ms", ms(locate1[0]["p50"]),
         ms(locate1[1]["p50"]), ms(locate1[0]["p99"]), ms(locate1[1]["p99"])],
        ["locate_service(\"svc.K.*\"), 16 connections: req/s / p99 ms", "%.0f" % locate16[0]["rps"],
         "%.0f" % locate16[1]["rps"], ms(locate16[0]["p99"]), ms(locate16[1]["p99"])],
        ["ping (renew a random instance), 16 connections: req/s / CPU µs per request",
         "%.0f" % ping16[0]["rps"], "%.0f" % ping16[1]["rps"], "%.1f" % ping16[0]["cpu_us"],
         "%.1f" % ping16[1]["cpu_us"]],
    ]
    report.append("### 2. 100,000 live instances\n")
    report.append("Two registries, one with 100 instances and one with 100,000 (svc.K.J, registered in "
                  "%.2f s as batches of 100 pings over 4 connections; /health says %d), measured in "
                  "interleaved wrk runs. Resident memory of the 100,000-instance registry: VmRSS %d KiB, "
                  "peak VmHWM %d KiB, %d threads; one instance costs about %.0f bytes (VmRSS of the "
                  "two registries after loading, the difference over the difference in instances).\n"
                  % (seconds, instances, mem["VmRSS"], mem["VmHWM"], mem["Threads"], per_instance))
    report.append(table(["measure", "100 instances", "100,000 instances", "100 instances",
                         "100,000 instances"], rows))
    report.append("")
    # The answer time is the 1-connection p99; at 16 connections wrk keeps
    # the registry saturated and the p99 is mostly queueing (shown for scale).
    verdicts.append(("100k: locate `svc.K.*` p99 < 1 ms (1 connection)",
                     locate1[1]["p99"] < TARGET_LOCATE_100K_P99_US,
                     "%s ms (100 instances: %s ms; at 16 connections: %s vs %s ms)"
                     % (ms(locate1[1]["p99"]), ms(locate1[0]["p99"]), ms(locate16[1]["p99"]),
                        ms(locate16[0]["p99"]))))
    verdicts.append(("100k: ping cost does not grow (CPU µs per request, 100k vs 100 instances)",
                     ping16[1]["cpu_us"] < 1.25 * ping16[0]["cpu_us"],
                     "%.1f vs %.1f µs" % (ping16[1]["cpu_us"], ping16[0]["cpu_us"])))
    verdicts.append(("100k: resident memory < 100 MiB", mem["VmHWM"] < TARGET_RSS_KIB,
                     "VmHWM %.1f MiB" % (mem["VmHWM"] / 1024.0)))


def section_expiry(args, tmp, report, verdicts):
    ttl = 8
    registry = start_registry(args.build, tmp, ttl=ttl)
    log("expiry: loading 100,000 instances with ttl %d s" % ttl)
    loaded_at = time.monotonic()
    seconds = load(registry.url, 100000)
    run_for = int(ttl + 4 - (time.monotonic() - loaded_at)) + 1
    log("expiry: locate load for %d s across the expiry" % run_for)
    r = wrk(registry, "locate", 100000, 16, run_for)
    time.sleep(1.5)  # the last sweep
    health = json.loads(get(registry.url.replace("/api", "/health")))
    metrics = get(registry.url.replace("/api", "/metrics"))
    m = re.search(r"^gemstone_registry_expirations_total (\d+)", metrics, re.M)
    expired = int(m.group(1)) if m else -1
    mem = memory_kib(registry.proc.pid)
    children.stop(registry.proc)

    report.append("### 3. 100,000 instances expiring at once, under load\n")
    report.append("ttl %d s; 100,000 instances registered in %.2f s, then wrk locate_service(\"svc.K.*\") "
                  "at 16 connections for %d s, across their expiry.\n" % (ttl, seconds, run_for))
    report.append(table(["req/s", "p50", "p99", "max latency", "timeouts / errors", "expired (metrics)",
                         "left (health)", "VmRSS after", "VmHWM"],
                        [["%.0f" % r["rps"], ms(r["p50"]), ms(r["p99"]), ms(r["max"]),
                          "%d / %d" % (r["timeouts"], r["errors"]), expired, health["instances"],
                          "%d KiB" % mem["VmRSS"], "%d KiB" % mem["VmHWM"]]]))
    report.append("")
    verdicts.append(("expiring 100k at once holds no request > 50 ms (max latency)",
                     r["max"] < TARGET_EXPIRY_MAX_US and expired == 100000 and r["timeouts"] == 0,
                     "max %s ms, %d expired" % (ms(r["max"]), expired)))


def section_micro(args, report):
    binary = os.path.join(args.build, "tests", "bench", "gemstone_micro_bench")
    log("micro-benchmarks")
    out = subprocess.run([binary, "--benchmark_min_time=%s" % ("0.02" if args.quick else "0.2"),
                          "--benchmark_format=console", "--benchmark_color=false"],
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError("gemstone_micro_bench failed: " + out.stderr.strip())
    lines = [l for l in out.stdout.splitlines() if l.startswith("BM_") or l.startswith("Benchmark")]
    report.append("### 4. Micro-benchmarks (Google Benchmark, `%s`)\n" % os.path.relpath(binary, REPO))
    report.append("```\n" + "\n".join(lines) + "\n```\n")


def time_command(cmd, runs, tmp):
    """Wall time (ms, measured here) and peak RSS (KiB, GNU time's %M) of
    each run. The RSS goes through /usr/bin/time because a child forked from
    this Python process would report Python's own size as its peak."""
    walls, peaks = [], []
    out = os.path.join(tmp, "time.out")
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out] + cmd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30)
        walls.append((time.perf_counter() - start) * 1000.0)
        if proc.returncode != 0:
            raise RuntimeError("%s exited %d" % (" ".join(cmd), proc.returncode))
        with open(out) as f:
            peaks.append(int(f.read().split()[-1]))
    return walls, peaks


def section_cli(args, tmp, report, verdicts):
    cli = os.path.join(args.build, "cli", "gemstone")
    service = os.path.join(args.build, "tests", "gemstone-test-service")
    missing = [p for p in (cli, service) if not os.access(p, os.X_OK)]
    if missing:
        report.append("### 5. The gemstone CLI vs curl\n")
        report.append("Skipped: not built: %s.\n" % ", ".join(os.path.relpath(p, REPO) for p in missing))
        verdicts.append(("CLI: call_raw wall <= 1.5x curl, peak memory < 10 MiB", None, "not measured"))
        return
    proc = children.start([service, "--host", "127.0.0.1", "--port", "0"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    url = wait_for_line(proc, r"listening on (http://127\.0\.0\.1:\d+/api)", "gemstone-test-service").group(1)
    runs = 11 if args.quick else 31
    body = '{"jsonrpc":"2.0","method":"echo","params":{"value":"hi"},"id":1}'
    commands = {
        "gemstone call_raw URL echo value=hi": [cli, "call_raw", url, "echo", "value=hi"],
        "curl -s -d '<echo request>' URL": ["curl", "-s", "-o", "/dev/null", "-H",
                                            "Content-Type: application/json", "-d", body, url],
        "/bin/true (process start-up floor)": ["/bin/true"],
    }
    for cmd in commands.values():
        time_command(cmd, 2, tmp)  # warm the page cache
    results = {k: ([], []) for k in commands}
    for _ in range(runs):  # interleaved, so that drift hits both alike
        for k, cmd in commands.items():
            w, p = time_command(cmd, 1, tmp)
            results[k][0].extend(w)
            results[k][1].extend(p)
    children.stop(proc)
    curl_median = statistics.median(results["curl -s -d '<echo request>' URL"][0])
    rows = []
    for k, (walls, peaks) in results.items():
        rows.append(["`%s`" % k, "%.2f" % statistics.median(walls), "%.2f" % min(walls),
                     "%.2f" % statistics.quantiles(walls, n=10)[-1], "%.2f" % (statistics.median(walls) / curl_median),
                     "%.1f" % (statistics.median(peaks) / 1024.0), "%.1f" % (max(peaks) / 1024.0)])
    report.append("### 5. The gemstone CLI vs curl (%d runs each, interleaved)\n" % runs)
    report.append("Against `gemstone-test-service` on loopback, each run under `/usr/bin/time -f %M` "
                  "(wall time measured around it, so both include its start-up). call_raw also asks "
                  "`get_service_specs` first (two requests: it identifies the service before calling it); "
                  "curl sends one POST.\n")
    report.append(table(["command", "median ms", "min ms", "p90 ms", "vs curl", "median peak RSS MiB",
                         "max peak RSS MiB"], rows))
    report.append("")
    walls, peaks = results["gemstone call_raw URL echo value=hi"]
    ratio = statistics.median(walls) / curl_median
    verdicts.append(("CLI: call_raw median wall <= %.1fx curl" % TARGET_CLI_RATIO, ratio <= TARGET_CLI_RATIO,
                     "%.2fx (%.2f vs %.2f ms)" % (ratio, statistics.median(walls), curl_median)))
    verdicts.append(("CLI: call_raw peak memory < 10 MiB", max(peaks) < TARGET_CLI_RSS_KIB,
                     "max %.1f MiB" % (max(peaks) / 1024.0)))


# ---------------------------------------------------------------- main

def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "nproc %d, %s, Linux %s" % (os.cpu_count() or 0, model, platform.release())


def git_state():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "no commit"
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def section_slow_clients(args, tmp, report, verdicts):
    """Slow clients: 512 idle and 64 header-trickling connections held open while
    new connections ping; reports the worst wait and the daemon's memory."""
    import socket
    import threading
    idle_count, trickle_count, pings = 512, 64, 50
    registry = start_registry(args.build, tmp, ttl=90)
    host, port = re.match(r"http://([^:/]+):(\d+)/api", registry.url).groups()
    held = []
    try:
        for _ in range(idle_count + trickle_count):
            held.append(socket.create_connection((host, int(port)), timeout=5))
        trickling = held[idle_count:]
        stop = threading.Event()
        header = b"POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

        def trickle():
            for i in range(len(header)):
                if stop.wait(0.1):
                    return
                for sock in trickling:
                    try:
                        sock.send(header[i:i + 1])
                    except OSError:
                        pass

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        time.sleep(0.5)
        body = '{"jsonrpc":"2.0","method":"ping","params":["slow.bench","h",1],"id":1}'
        waits, failures = [], 0
        for _ in range(pings):
            began = time.monotonic()
            try:
                post(registry.url, body, timeout=5)
            except Exception:  # noqa: BLE001 - a failure is what we count
                failures += 1
            waits.append(time.monotonic() - began)
            time.sleep(0.02)
        mem = memory_kib(registry.proc.pid)
        stop.set()
        thread.join(timeout=5)
    finally:
        for sock in held:
            sock.close()
        children.stop(registry.proc)
    worst_ms = max(waits) * 1000.0
    waits.sort()
    report.append("### Slow and idle clients\n")
    report.append("%d idle and %d header-trickling (1 byte / 100 ms) connections held open; %d pings, "
                  "each on a new connection.\n" % (idle_count, trickle_count, pings))
    report.append(table(["median wait", "worst wait", "failed", "VmRSS", "VmHWM"],
                        [["%.2f ms" % (waits[len(waits) // 2] * 1000.0), "%.2f ms" % worst_ms, failures,
                          "%d KiB" % mem["VmRSS"], "%d KiB" % mem["VmHWM"]]]))
    report.append("")
    log("slow clients: worst wait for a ping %.2f ms (%d idle + %d trickling connections)"
        % (worst_ms, idle_count, trickle_count))
    verdicts.append(("with 512 idle + 64 trickling connections, every ping answered within 1 s",
                     failures == 0 and worst_ms < 1000.0, "worst %.2f ms, %d failed" % (worst_ms, failures)))


def self_signed_pair(tmp):
    """A throw-away certificate for 127.0.0.1, made with the openssl command."""
    cert, key = os.path.join(tmp, "bench-cert.pem"), os.path.join(tmp, "bench-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return cert, key


def raise_fd_limit(wanted):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def timed_ping(host, port, context=None, chunked=False, timeout=5.0):
    """One ping on a new connection (TLS when `context`); seconds, or None on failure."""
    import socket
    body = b'{"jsonrpc":"2.0","method":"ping","params":["hostile.bench","10.9.9.9",9],"id":1}'
    if chunked:
        framing = b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    else:
        framing = b"Content-Length: %d\r\n\r\n" % len(body) + body
    request = b"POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n" + framing
    began = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            sock = context.wrap_socket(raw, server_hostname="127.0.0.1") if context else raw
            sock.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        if not answer.startswith(b"HTTP/1.1 200"):
            return None
    except OSError:
        return None
    return time.monotonic() - began


def section_hostile_clients(args, tmp, report, verdicts):
    """Slow bodies (plain and TLS), slow TLS handshakes and clients that never
    read their answers, held open while new TLS and chunked pings are timed;
    the daemon's memory during the attack and after it."""
    import socket
    import ssl
    import threading
    slow_plain, slow_tls, handshakes, non_readers, pings = 1000, 800, 200, 200, 20
    have = raise_fd_limit(slow_plain + slow_tls + handshakes + non_readers + 256)
    if have < slow_plain + slow_tls + handshakes + non_readers + 64:
        scale = have / float(slow_plain + slow_tls + handshakes + non_readers + 256)
        slow_plain, slow_tls = int(slow_plain * scale), int(slow_tls * scale)
        handshakes, non_readers = int(handshakes * scale), int(non_readers * scale)
    cert, key = self_signed_pair(tmp)
    plain = start_registry(args.build, tmp, ttl=90)
    tls = start_registry(args.build, tmp, ttl=90, extra=("--tls-cert", cert, "--tls-key", key))
    phost, pport = re.match(r"https?://([^:/]+):(\d+)/api", plain.url).groups()
    thost, tport = re.match(r"https?://([^:/]+):(\d+)/api", tls.url).groups()
    pport, tport = int(pport), int(tport)
    client_tls = ssl.create_default_context(cafile=cert)
    # Instances with long fields, so that one locate_service("*") answer is large.
    fill = '{"jsonrpc":"2.0","method":"ping","params":["fill.%04d.%s","10.0.0.1",%d]}'
    batch = "[" + ",".join(fill % (i, "n" * 180, 1000 + i) for i in range(100)) + "]"
    for round_ in range(25):
        post(plain.url, batch.replace("fill.", "fill%d." % round_))
    locate = b'{"jsonrpc":"2.0","method":"locate_service","params":["*"],"id":1}'
    locate_request = (b"POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(locate) + locate)
    body_head = (b"POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n")
    held, stop = [], threading.Event()
    rows, ok = [], True
    try:
        before = {"plain": memory_kib(plain.proc.pid), "tls": memory_kib(tls.proc.pid)}
        for _ in range(slow_plain):
            s = socket.create_connection((phost, pport), timeout=5)
            s.sendall(body_head)
            held.append(s)
        for _ in range(slow_tls):
            s = client_tls.wrap_socket(socket.create_connection((thost, tport), timeout=5),
                                       server_hostname="127.0.0.1")
            s.sendall(body_head)
            held.append(s)
        for _ in range(handshakes):  # TCP open, TLS never started
            held.append(socket.create_connection((thost, tport), timeout=5))
        readers = []
        for _ in range(non_readers):  # ask for large answers, never read them
            s = socket.create_connection((phost, pport), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            try:
                s.setblocking(False)
                s.send(locate_request * 8)
            except OSError:
                pass
            readers.append(s)
        held.extend(readers)

        def trickle():
            while not stop.wait(1.0):
                for s in held[:slow_plain + slow_tls]:
                    try:
                        s.send(b" ")
                    except (OSError, ssl.SSLError):
                        pass

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        time.sleep(1.0)
        tls_waits, chunked_waits, failures = [], [], 0
        for _ in range(pings):
            for waits, host, port, ctx, chunked in ((tls_waits, thost, tport, client_tls, False),
                                                    (chunked_waits, phost, pport, None, True)):
                took = timed_ping(host, port, ctx, chunked)
                if took is None:
                    failures += 1
                    took = 5.0
                waits.append(took)
            time.sleep(0.05)
        during = {"plain": memory_kib(plain.proc.pid), "tls": memory_kib(tls.proc.pid)}
        stop.set()
        thread.join(timeout=5)
    finally:
        stop.set()
        for s in held:
            try:
                s.close()
            except OSError:
                pass
    time.sleep(2.0)
    after = {"plain": memory_kib(plain.proc.pid), "tls": memory_kib(tls.proc.pid)}
    children.stop(plain.proc)
    children.stop(tls.proc)
    worst_tls, worst_chunked = max(tls_waits) * 1000.0, max(chunked_waits) * 1000.0
    report.append("### Hostile clients: slow bodies, slow handshakes, clients that do not read\n")
    report.append("%d plain and %d TLS connections each send a head announcing a 100,000-byte body, then 1 byte/s; "
                  "%d TLS connections never start their handshake; %d connections pipeline 8 "
                  "`locate_service(\"*\")` (about 0.5 MB each) and never read. Meanwhile %d new TLS pings and %d "
                  "new chunked pings, each on its own connection.\n"
                  % (slow_plain, slow_tls, handshakes, non_readers, pings, pings))
    report.append(table(["ping", "median", "worst", "failed"],
                        [["TLS", "%.2f ms" % (sorted(tls_waits)[len(tls_waits) // 2] * 1000.0), "%.2f ms" % worst_tls, ""],
                         ["chunked", "%.2f ms" % (sorted(chunked_waits)[len(chunked_waits) // 2] * 1000.0),
                          "%.2f ms" % worst_chunked, failures]]))
    report.append("")
    report.append(table(["daemon", "VmRSS before", "VmRSS during", "VmHWM", "VmRSS 2 s after", "threads"],
                        [[name, "%d KiB" % before[name]["VmRSS"], "%d KiB" % during[name]["VmRSS"],
                          "%d KiB" % after[name]["VmHWM"], "%d KiB" % after[name]["VmRSS"],
                          during[name]["Threads"]] for name in ("plain", "tls")]))
    report.append("")
    log("hostile clients: worst TLS ping %.2f ms, worst chunked ping %.2f ms, %d failed; RSS plain %d->%d KiB"
        % (worst_tls, worst_chunked, failures, during["plain"]["VmRSS"], after["plain"]["VmRSS"]))
    verdicts.append(("with %d slow bodies (plain and TLS), %d idle handshakes and %d non-reading clients, a new TLS "
                     "ping and a new chunked ping each answered within 1 s"
                     % (slow_plain + slow_tls, handshakes, non_readers),
                     failures == 0 and max(worst_tls, worst_chunked) < 1000.0,
                     "worst TLS %.2f ms, chunked %.2f ms, %d failed" % (worst_tls, worst_chunked, failures)))
    verdicts.append(("memory given back after the attack (VmRSS 2 s after within 64 MiB of before)",
                     after["plain"]["VmRSS"] - before["plain"]["VmRSS"] < 64 * 1024,
                     "plain %d -> %d KiB" % (before["plain"]["VmRSS"], after["plain"]["VmRSS"])))


def watch_request(pattern, index, timeout=300):
    body = json.dumps({"jsonrpc": "2.0", "method": "watch_services", "id": 1,
                       "params": {"pattern": pattern, "index": index, "timeout": timeout}})
    return (("POST /api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: %d\r\n\r\n" % len(body)) + body).encode()


def whole_response(data):
    """The JSON body when `data` holds a whole response, else None."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    m = re.search(rb"Content-Length: (\d+)", head, re.I)
    if not m or len(body) < int(m.group(1)):
        return None
    return body[:int(m.group(1))]


def watchers_parked(url, n):
    return ("gemstone_registry_watchers %d\n" % n) in get(url.replace("/api", "/metrics"))


def section_watch(args, tmp, report, verdicts):
    """10,000 watch_services calls parked on one registry, each on its own
    connection: the daemon's memory, ping and locate latency beside an
    identical registry without watchers, and how long a change takes to reach
    each of 1,000 watchers of its pattern."""
    import selectors
    hot_count, idle_count, rounds = 1000, TARGET_WATCHERS - 1000, 5
    have = raise_fd_limit(TARGET_WATCHERS + 1024)
    if have < TARGET_WATCHERS + 256:
        idle_count = max(0, have - hot_count - 256)
    plain = start_registry(args.build, tmp, ttl=3600)
    watched = start_registry(args.build, tmp, ttl=3600)
    plain.name, watched.name = "without watchers", "with watchers"
    load(plain.url, 100)
    load(watched.url, 100)
    host, port = re.match(r"http://([^:/]+):(\d+)/api", watched.url).groups()
    port = int(port)
    _, body = post(watched.url, '{"jsonrpc":"2.0","method":"watch_services","params":{},"id":1}')
    index = json.loads(body)["result"]["index"]
    before = memory_kib(watched.proc.pid)
    hot, idle = [], []
    try:
        log("watch: parking %d watchers, each on its own connection" % (hot_count + idle_count))
        began = time.monotonic()
        for i in range(hot_count + idle_count):
            s = socket.create_connection((host, port), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(watch_request("hot.*" if i < hot_count else "idle.%d.*" % (i % 100), index))
            (hot if i < hot_count else idle).append(s)
        deadline = time.monotonic() + 60
        while not watchers_parked(watched.url, hot_count + idle_count):
            if time.monotonic() > deadline:
                raise RuntimeError("the watchers were not all parked within 60 s")
            time.sleep(0.1)
        parked_in = time.monotonic() - began
        time.sleep(1.0)
        held = memory_kib(watched.proc.pid)

        rows = []
        figures = {}
        for label, mode in (("ping", "ping"), ("locate_service", "locate")):
            log("watch: %s at 16 connections, with and without %d parked watchers"
                % (label, hot_count + idle_count))
            without, with_ = interleaved([plain, watched], mode, 100, 16, args)
            figures[mode] = (without, with_)
            rows.append([label, "%.0f" % without["rps"], ms(without["p50"]), ms(without["p99"]),
                         "%.0f" % with_["rps"], ms(with_["p50"]), ms(with_["p99"]),
                         "%d / %d" % (with_["timeouts"], with_["errors"])])

        log("watch: change-to-wake latency over %d watchers of one pattern, %d rounds" % (hot_count, rounds))
        sel = selectors.DefaultSelector()
        for s in hot:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        wakes = []
        for r in range(rounds):
            deadline = time.monotonic() + 30
            while not watchers_parked(watched.url, hot_count + idle_count):
                if time.monotonic() > deadline:
                    raise RuntimeError("the hot watchers were not parked again within 30 s")
                time.sleep(0.05)
            buffers = {s: b"" for s in hot}
            done = {}
            t0 = time.monotonic()
            post(watched.url, '{"jsonrpc":"2.0","method":"ping","params":{"name":"hot.%d","host":"127.0.0.1",'
                              '"port":%d},"id":1}' % (r, 20000 + r))
            while len(done) < hot_count and time.monotonic() < t0 + 10:
                for key, _ in sel.select(timeout=1.0):
                    s = key.fileobj
                    if s in done:
                        continue
                    try:
                        chunk = s.recv(65536)
                    except BlockingIOError:
                        continue
                    buffers[s] += chunk
                    answer = whole_response(buffers[s])
                    if answer is not None:
                        done[s] = (time.monotonic() - t0, json.loads(answer)["result"]["index"])
            if len(done) < hot_count:
                raise RuntimeError("only %d of %d watchers woke within 10 s" % (len(done), hot_count))
            wakes.extend(t for t, _ in done.values())
            for s, (_, new_index) in done.items():
                s.sendall(watch_request("hot.*", new_index))
        sel.close()
    finally:
        for s in hot + idle:
            try:
                s.close()
            except OSError:
                pass
    children.stop(plain.proc)
    children.stop(watched.proc)
    wakes.sort()
    wake_p50 = wakes[len(wakes) // 2] * 1000.0
    wake_p99 = wakes[int(len(wakes) * 0.99) - 1] * 1000.0
    wake_max = wakes[-1] * 1000.0
    total = hot_count + idle_count
    report.append("### 6. watch_services: %d parked watchers\n" % total)
    report.append("%d watch_services calls parked on one registry, each on its own keep-alive connection "
                  "(%d on `hot.*`, the rest on 100 `idle.N.*` patterns), parked in %.1f s. Two registries "
                  "with 100 instances each, one holding the watchers, measured in interleaved wrk rounds "
                  "(-t1, 16 connections, %d s).\n" % (total, hot_count, parked_in, args.duration))
    report.append(table(["registry", "VmRSS", "VmHWM", "threads"],
                        [["before the watchers", "%d KiB" % before["VmRSS"], "%d KiB" % before["VmHWM"],
                          before["Threads"]],
                         ["%d watchers parked" % total, "%d KiB" % held["VmRSS"], "%d KiB" % held["VmHWM"],
                          held["Threads"]]]))
    report.append("")
    report.append(table(["load", "req/s without", "p50", "p99", "req/s with watchers", "p50", "p99",
                         "timeouts / errors"], rows))
    report.append("")
    report.append("Change to wake: one ping of `hot.N` answers all %d `hot.*` watchers; time from sending the "
                  "ping to each whole answer read by a Python epoll client (its own cost included), %d rounds: "
                  "p50 %.2f ms, p99 %.2f ms, max %.2f ms.\n" % (hot_count, rounds, wake_p50, wake_p99, wake_max))
    log("watch: %d watchers, VmRSS %d KiB; wake p99 %.2f ms" % (total, held["VmRSS"], wake_p99))
    verdicts.append(("%d parked watchers cost under %d MiB resident" % (total, TARGET_WATCH_RSS_KIB // 1024),
                     total >= TARGET_WATCHERS and held["VmRSS"] < TARGET_WATCH_RSS_KIB,
                     "%d watchers, VmRSS %d KiB" % (total, held["VmRSS"])))
    for mode in ("ping", "locate"):
        without, with_ = figures[mode]
        verdicts.append(("with %d watchers, %s p99 at 16 connections < %d ms" % (total, mode, TARGET_WATCH_P99_US // 1000),
                         with_["p99"] < TARGET_WATCH_P99_US and with_["timeouts"] + with_["errors"] == 0,
                         "%s ms (without: %s ms)" % (ms(with_["p99"]), ms(without["p99"]))))
    verdicts.append(("a change reaches each of %d watchers within %d ms (p99)" % (hot_count, TARGET_WAKE_P99_MS),
                     wake_p99 < TARGET_WAKE_P99_MS, "p99 %.2f ms, max %.2f ms" % (wake_p99, wake_max)))


# ---------------------------------------------------------------- etcd backend

BODIES_LUA = os.path.join(HERE, "wrk", "bodies.lua")
TARGET_ETCD_LOCATE_RATIO = 0.9
TARGET_PROPAGATION_P99_MS = 100
TARGET_PROPAGATION_MAX_MS = 1000
# Registering through an etcd-mode node costs two etcd writes (lease, txn) per
# new instance; etcd batches concurrent writes into one fsync, so more and
# smaller requests in flight register faster.
ETCD_LOAD = ("--batch", "10", "--connections", "16")


def b64(text):
    import base64
    return base64.b64encode(text.encode()).decode()


def start_etcd(tmp):
    """One etcd member on loopback (default election settings, data on disk
    in the temp dir, fsync on, as etcd runs in production); its client URL."""
    client, peer = free_port(), free_port()
    data = tempfile.mkdtemp(dir=tmp, prefix="etcd.")
    url = "http://127.0.0.1:%d" % client
    peer_url = "http://127.0.0.1:%d" % peer
    proc = children.start(["etcd", "--name", "bench", "--data-dir", data, "--listen-client-urls", url,
                           "--advertise-client-urls", url, "--listen-peer-urls", peer_url,
                           "--initial-advertise-peer-urls", peer_url, "--initial-cluster", "bench=" + peer_url,
                           "--log-level", "warn"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            if '"health":"true"' in get(url + "/health", timeout=1):
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("etcd did not become healthy (is etcd-server installed?)")
        time.sleep(0.05)
    return Server("etcd", url, proc, proc.pid)


def etcd_post(etcd, path, body):
    _, text = post(etcd.url + path, json.dumps(body))
    return json.loads(text)


def start_etcd_node(args, tmp, etcd, prefix, ttl):
    """A registry node in etcd mode, once /health says it holds its first list."""
    node = start_registry(args.build, tmp, ttl=ttl,
                          extra=("--backend", "etcd", "--etcd-endpoints", etcd.url, "--etcd-prefix", prefix))
    health = node.url.replace("/api", "/health")
    deadline = time.monotonic() + 30
    while True:
        try:
            if '"unreachable"' not in get(health, timeout=2):
                return node
        except OSError:  # 503 while starting
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the etcd-mode registry never said ready")
        time.sleep(0.05)


def instances_of(node):
    return json.loads(get(node.url.replace("/api", "/health")))["instances"]


def wait_instances(node, count, timeout=60):
    deadline = time.monotonic() + timeout
    while instances_of(node) != count:
        if time.monotonic() > deadline:
            raise RuntimeError("%s holds %d instances, not %d" % (node.url, instances_of(node), count))
        time.sleep(0.05)


def write_lines(path, lines):
    with open(path, "w") as f:
        for line in lines:
            f.write(line + "\n")
    return path


class Load:
    """One wrk process: a URL, a script and its arguments, a connection count."""

    def __init__(self, url, script, script_args, conns):
        self.url, self.script, self.script_args, self.conns = url, script, script_args, conns


def run_loads(tagged, duration, cpu_pids):
    """Runs every (tag, Load) of `tagged` at once for `duration` seconds: one
    merged result per tag (summed requests and req/s, the worst p99 and max,
    the median p50), and the CPU seconds each pid of `cpu_pids` used meanwhile."""
    procs = []
    before = {pid: cpu_ticks(pid) for pid in cpu_pids}
    for tag, l in tagged:
        cmd = ["wrk", "-t1", "-c%d" % l.conns, "-d%ds" % duration, "--timeout", "2s", "-s", l.script, l.url, "--"]
        procs.append((tag, children.start(cmd + [str(a) for a in l.script_args], stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)))
    by_tag = {}
    for tag, p in procs:
        out, err = p.communicate(timeout=duration + 60)
        children.procs.remove(p)
        m = re.search(r"^RESULT (.*)$", out, re.M)
        if p.returncode != 0 or not m:
            raise RuntimeError("wrk failed: " + (err or out).strip())
        r = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
        r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"]
        by_tag.setdefault(tag, []).append(r)
    cpu = {pid: (cpu_ticks(pid) - before[pid]) / TICKS for pid in cpu_pids}
    merged = {}
    for tag, rs in by_tag.items():
        m = {k: sum(r[k] for r in rs) for k in ("requests", "timeouts", "errors", "rps")}
        m["p50"] = statistics.median(r["p50"] for r in rs)
        m["p99"] = max(r["p99"] for r in rs)
        m["max"] = max(r["max"] for r in rs)
        merged[tag] = m
    return merged, cpu


def interleaved_loads(cases, args):
    """`cases`: (label, loads, cpu_pids) each; every case runs once per round,
    in turn, so that a change in the machine's load hits all alike."""
    runs = {label: [] for label, _, _ in cases}
    for _ in range(args.rounds):
        for label, loads, pids in cases:
            merged, cpu = run_loads([("all", l) for l in loads], args.duration, pids)
            runs[label].append((merged["all"], cpu))
    merged = {}
    for label, rs in runs.items():
        m = {k: sum(r[k] for r, _ in rs) for k in ("requests", "timeouts", "errors")}
        m["rps"] = sum(r["rps"] for r, _ in rs) / len(rs)
        m["p50"] = statistics.median(r["p50"] for r, _ in rs)
        m["p99"] = max(r["p99"] for r, _ in rs)
        m["max"] = max(r["max"] for r, _ in rs)
        m["cpu"] = {}
        for _, cpu in rs:
            for pid, s in cpu.items():
                m["cpu"][pid] = m["cpu"].get(pid, 0.0) + s
        merged[label] = m
    return merged


def ping_body(name, port, index=1):
    return ('{"jsonrpc":"2.0","method":"ping","params":{"name":"%s","host":"127.0.0.1","port":%d},"id":%d}'
            % (name, port, index))


def locate_body(pattern):
    return '{"jsonrpc":"2.0","method":"locate_service","params":["%s"],"id":1}' % pattern


def section_etcd(args, tmp, report, verdicts):
    """The etcd backend: ping and locate on one and two etcd-mode nodes beside
    memory mode and etcd's own gateway doing the same work (lease keepalive,
    prefix range), propagation from one node to another, a fleet of 100,000
    instances pinging every 30 s through two nodes, and mass expiry."""
    raise_fd_limit(8192)  # the fleet's wrk holds 800 connections
    etcd = start_etcd(tmp)
    count = 100

    # ---- throughput, side by side
    memory = start_registry(args.build, tmp, ttl=3600)
    node_a = start_etcd_node(args, tmp, etcd, "/bench/reg/", 3600)
    node_b = start_etcd_node(args, tmp, etcd, "/bench/reg/", 3600)
    load(memory.url, count)
    load(node_a.url, count)
    wait_instances(node_b, count)
    # The gateway's equivalent: the same 100 instances as keys under a prefix,
    # one lease each; a ping is one keepalive, a locate one prefix range.
    leases = []
    for k in range(count):
        lease = etcd_post(etcd, "/v3/lease/grant", {"TTL": "3600"})["ID"]
        value = json.dumps({"name": "svc.%d.%d" % (k // 10, k % 10), "host": "127.0.0.1", "port": 10000 + k,
                            "url": "http://127.0.0.1:%d/api" % (10000 + k), "meta": {}})
        etcd_post(etcd, "/v3/kv/put", {"key": b64("/bench/gw/svc.%d.%d" % (k // 10, k % 10)),
                                       "value": b64(value), "lease": lease})
        leases.append(lease)
    files = {
        "ping": write_lines(os.path.join(tmp, "ping.txt"),
                            [ping_body("svc.%d.%d" % (k // 10, k % 10), 10000 + k) for k in range(count)]),
        "locate": write_lines(os.path.join(tmp, "locate.txt"),
                              [locate_body("svc.%d.*" % k) for k in range(count // 10)]),
        "keepalive": write_lines(os.path.join(tmp, "keepalive.txt"), [json.dumps({"ID": l}) for l in leases]),
        "range": write_lines(os.path.join(tmp, "range.txt"),
                             [json.dumps({"key": b64("/bench/gw/svc.%d." % k),
                                          "range_end": b64("/bench/gw/svc.%d/" % k)}) for k in range(count // 10)]),
    }
    sample = etcd_post(etcd, "/v3/kv/range", json.loads(open(files["range"]).readline()))
    if int(sample.get("count", "0")) != 10:
        raise RuntimeError("the gateway's prefix range did not find ten keys: %s" % sample)
    conns = 16
    rows, figures = [], {}
    for what, gateway_path, gateway_file in (("ping", "/v3/lease/keepalive", "keepalive"),
                                              ("locate", "/v3/kv/range", "range")):
        cases = [
            ("memory mode, 1 node", [Load(memory.url, BODIES_LUA, [files[what]], conns)], [memory.cpu_pid]),
            ("etcd mode, 1 node", [Load(node_a.url, BODIES_LUA, [files[what]], conns)],
             [node_a.cpu_pid, node_b.cpu_pid, etcd.cpu_pid]),
            ("etcd mode, 2 nodes", [Load(node_a.url, BODIES_LUA, [files[what]], conns // 2),
                                    Load(node_b.url, BODIES_LUA, [files[what]], conns // 2)],
             [node_a.cpu_pid, node_b.cpu_pid, etcd.cpu_pid]),
            ("etcd's gateway", [Load(etcd.url + gateway_path, BODIES_LUA, [files[gateway_file]], conns)],
             [etcd.cpu_pid]),
        ]
        log("etcd: %s, %d connections: memory mode, etcd mode on 1 and 2 nodes, etcd's gateway" % (what, conns))
        measured = interleaved_loads(cases, args)
        figures[what] = measured
        base = measured["memory mode, 1 node"]["rps"]
        for label, _, pids in cases:
            m = measured[label]
            registry_cpu = sum(m["cpu"].get(p, 0.0) for p in pids if p != etcd.cpu_pid)
            etcd_cpu = m["cpu"].get(etcd.cpu_pid, 0.0)
            rows.append([what if label.startswith("memory") else "", label, "%.0f" % m["rps"],
                         "**%.2f**" % (m["rps"] / base), ms(m["p50"]), ms(m["p99"]), ms(m["max"]),
                         "%d / %d" % (m["timeouts"], m["errors"]),
                         "%.1f" % (registry_cpu * 1e6 / max(m["requests"], 1)),
                         "%.1f" % (etcd_cpu * 1e6 / max(m["requests"], 1))])
    children.stop(memory.proc)

    # ---- propagation: a ping on A, a parked watch on B wakes
    samples = 60 if args.quick else 300
    log("etcd: propagation A -> B, %d samples" % samples)
    host, port = re.match(r"http://([^:/]+):(\d+)/api", node_b.url).groups()
    a_host, a_port = re.match(r"http://([^:/]+):(\d+)/api", node_a.url).groups()
    import http.client
    pinger = http.client.HTTPConnection(a_host, int(a_port), timeout=10)
    watcher = socket.create_connection((host, int(port)), timeout=10)
    watcher.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _, body = post(node_b.url, '{"jsonrpc":"2.0","method":"watch_services","params":{"pattern":"prop.*"},"id":1}')
    index = json.loads(body)["result"]["index"]
    propagation, ping_times = [], []
    for i in range(samples):
        watcher.sendall(watch_request("prop.*", index, timeout=10))
        deadline = time.monotonic() + 5
        while not watchers_parked(node_b.url, 1):
            if time.monotonic() > deadline:
                raise RuntimeError("the watch on B was not parked within 5 s")
            time.sleep(0.001)
        t0 = time.perf_counter()
        pinger.request("POST", "/api", body=ping_body("prop.%d" % i, 20000 + i),
                       headers={"Content-Type": "application/json"})
        answer = pinger.getresponse().read()
        t_ping = time.perf_counter()
        if b'"result":{' not in answer:
            raise RuntimeError("ping on A failed: %s" % answer[:200])
        data = b""
        while whole_response(data) is None:
            chunk = watcher.recv(65536)
            if not chunk:
                raise RuntimeError("B closed the watch connection")
            data += chunk
        t_woke = time.perf_counter()
        result = json.loads(whole_response(data))["result"]
        if not any(inst["name"] == "prop.%d" % i for inst in result["instances"]):
            raise RuntimeError("B woke without prop.%d" % i)
        index = result["index"]
        propagation.append((t_woke - t0) * 1000.0)
        ping_times.append((t_ping - t0) * 1000.0)
    watcher.close()
    pinger.close()
    propagation.sort()
    ping_times.sort()

    def pct(values, p):
        return values[min(len(values) - 1, int(len(values) * p / 100.0))]

    children.stop(node_a.proc)
    children.stop(node_b.proc)

    # ---- the fleet: 100,000 instances pinging every 30 s through two nodes
    fleet_count = 20000 if args.quick else 100000
    fleet_seconds = 15 if args.quick else 60
    interval = 30.0
    # A ttl of 300 s rather than gemstone's 90: registering 100,000 here takes
    # about as long as 90 s, and none may expire before the fleet runs. A
    # renewal costs the same whatever the ttl (one keepalive).
    fleet_ttl = 300
    fleet_a = start_etcd_node(args, tmp, etcd, "/bench/fleet/", fleet_ttl)
    fleet_b = start_etcd_node(args, tmp, etcd, "/bench/fleet/", fleet_ttl)
    half = fleet_count // 2
    log("etcd: fleet: registering %d instances through two nodes" % fleet_count)
    began = time.monotonic()
    loaders = [subprocess.Popen([sys.executable, LOADER, n.url, str(half), "--prefix", "fleet", "--first",
                                 str(first), *ETCD_LOAD], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n, first in ((fleet_a, 0), (fleet_b, half))]
    for p in loaders:
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError("loading the fleet failed: " + (err or out).strip())
    registered_in = time.monotonic() - began
    wait_instances(fleet_a, fleet_count, timeout=120)
    wait_instances(fleet_b, fleet_count, timeout=120)
    ping_files = [write_lines(os.path.join(tmp, "fleet-%d.txt" % i),
                              [ping_body("fleet.%d.%d" % (k // 10, k % 10), 10000 + k % 50000)
                               for k in range(first, first + half)])
                  for i, first in enumerate((0, half))]
    locate_file = write_lines(os.path.join(tmp, "fleet-locate.txt"),
                              [locate_body("fleet.%d.*" % k) for k in range(0, fleet_count // 10, 7)])
    # Each node gets half the fleet's rate: connections x 1000 / (delay +
    # latency) ms. Many connections with a long delay keep the latency's
    # share of each connection's cycle, and so the shortfall, small.
    rate_per_node = half / interval
    fleet_conns = 200 if args.quick else 800
    delay_ms = max(1, int(round(fleet_conns * 1000.0 / rate_per_node)))
    locate_conns, locate_delay = 4, 10
    log("etcd: fleet: %.0f pings/s through two nodes and locate load for %d s"
        % (2 * fleet_conns * 1000.0 / delay_ms, fleet_seconds))
    etcd_before = memory_kib(etcd.proc.pid)
    procs = []
    before = {pid: 0 for pid in (etcd.cpu_pid, fleet_a.cpu_pid, fleet_b.cpu_pid)}
    for node, f in ((fleet_a, ping_files[0]), (fleet_b, ping_files[1])):
        procs.append(("ping", Load(node.url, BODIES_LUA, [f, "cycle", delay_ms], fleet_conns)))
        procs.append(("locate", Load(node.url, BODIES_LUA, [locate_file, "random", locate_delay], locate_conns)))
    results, cpu = run_loads(procs, fleet_seconds, list(before))
    etcd_cpu = cpu[etcd.cpu_pid] / fleet_seconds * 100.0
    nodes_cpu = (cpu[fleet_a.cpu_pid] + cpu[fleet_b.cpu_pid]) / fleet_seconds * 100.0
    etcd_after = memory_kib(etcd.proc.pid)
    fleet_ping, fleet_locate = results["ping"], results["locate"]
    children.stop(fleet_a.proc)
    children.stop(fleet_b.proc)
    # A fresh etcd for the expiry: the fleet's 100,000 leases must not be
    # revoked in the middle of it.
    children.stop(etcd.proc)
    etcd = start_etcd(tmp)

    # ---- mass expiry: 10,000 instances stop pinging at once
    # Registered (one lease each), then all renewed in one burst, so that
    # their leases run out within the burst's length of each other; the ttl
    # only has to outlast the registration.
    # The ttl outlasts the registration by far, at the rate the fleet's took.
    expiry_count = 10000
    expiry_ttl = int(max(20, 2.5 * expiry_count * registered_in / fleet_count + 5))
    node = start_etcd_node(args, tmp, etcd, "/bench/expiry/", expiry_ttl)
    other = start_etcd_node(args, tmp, etcd, "/bench/expiry/", expiry_ttl)
    log("etcd: mass expiry of %d instances, ttl %d s" % (expiry_count, expiry_ttl))
    expiry_registered = load(node.url, expiry_count, *ETCD_LOAD)
    wait_instances(other, expiry_count)
    renew_from = time.monotonic()
    load(node.url, expiry_count, *ETCD_LOAD)
    renew_to = time.monotonic()
    first_gone = all_gone = None
    deadline = renew_to + expiry_ttl + 120
    while time.monotonic() < deadline:
        left = instances_of(other)
        now = time.monotonic()
        if first_gone is None and left < expiry_count:
            first_gone = now
        if left == 0:
            all_gone = now
            break
        time.sleep(0.05)
    children.stop(node.proc)
    children.stop(other.proc)
    children.stop(etcd.proc)
    if all_gone is None:
        raise RuntimeError("the expired instances had not all left the view 120 s after their ttl")
    first_late = first_gone - (renew_from + expiry_ttl)
    all_late = all_gone - (renew_to + expiry_ttl)

    # ---- report
    loc = figures["locate"]
    locate_ratio = loc["etcd mode, 1 node"]["rps"] / loc["memory mode, 1 node"]["rps"]
    locate_ratio2 = loc["etcd mode, 2 nodes"]["rps"] / loc["memory mode, 1 node"]["rps"]
    report.append("### etcd backend\n")
    report.append("One etcd member (Debian's etcd 3.4, default settings, data on disk) on loopback. wrk -t1, "
                  "%d keep-alive connections (split 8 + 8 over two nodes), %d interleaved rounds of %d s per row, "
                  "script `tests/bench/wrk/bodies.lua` for every target. 100 instances svc.K.J; a ping renews a "
                  "random one, a locate asks `svc.K.*` (ten answers). etcd's gateway does the equivalent work on "
                  "100 keys under a prefix, one lease each: a ping is one `lease/keepalive`, a locate one prefix "
                  "`kv/range` (ten keys). Ratio = req/s over memory mode's. CPU µs per request: the registry "
                  "nodes' (all threads) and etcd's.\n" % (conns, args.rounds, args.duration))
    report.append(table(["call", "target", "req/s", "vs memory", "p50", "p99", "max", "timeouts / errors",
                         "registry CPU µs/req", "etcd CPU µs/req"], rows))
    report.append("")
    report.append("Propagation, %d samples: a new instance pinged on node A (one keep-alive connection), a "
                  "`watch_services(\"prop.*\")` parked on node B; from sending the ping to B's whole answer: "
                  "p50 %.2f ms, p99 %.2f ms, max %.2f ms (the ping's own answer: p50 %.2f ms, p99 %.2f ms).\n"
                  % (samples, pct(propagation, 50), pct(propagation, 99), propagation[-1], pct(ping_times, 50),
                     pct(ping_times, 99)))
    report.append("Fleet: %d instances (ttl %d s; registered through two nodes in %.1f s), each pinging every %.0f s: "
                  "two wrk with %d connections and a random delay of %d ms on average before each request "
                  "(`cycle` order: every instance once per round), %.0f pings/s for %d s; meanwhile %d connections per node locate `fleet.K.*` every %d ms.\n"
                  % (fleet_count, fleet_ttl, registered_in, interval, fleet_conns, delay_ms,
                     fleet_ping["rps"], fleet_seconds, locate_conns, locate_delay))
    report.append(table(["load", "req/s", "p50", "p99", "max", "timeouts / errors"],
                        [[k, "%.0f" % r["rps"], ms(r["p50"]), ms(r["p99"]), ms(r["max"]),
                          "%d / %d" % (r["timeouts"], r["errors"])]
                         for k, r in (("ping (renewals)", fleet_ping), ("locate_service", fleet_locate))]))
    report.append("")
    report.append("CPU during the fleet: etcd %.0f%% of one core, the two registry nodes %.0f%% together. etcd "
                  "VmRSS %d KiB before, %d KiB after.\n"
                  % (etcd_cpu, nodes_cpu, etcd_before.get("VmRSS", 0), etcd_after.get("VmRSS", 0)))
    report.append("Mass expiry: %d instances with ttl %d s, registered through one node in %.2f s, then all "
                  "renewed in one burst of %.2f s and never again. Node B's view (/health) lost the first %.2f s "
                  "after the first renewal's ttl ran out and the last %.2f s after the last one's: etcd revokes "
                  "expired leases at a bounded rate (about 1,000/s).\n"
                  % (expiry_count, expiry_ttl, expiry_registered, renew_to - renew_from, first_late, all_late))
    log("etcd: locate etcd/memory %.2f (2 nodes %.2f); propagation p99 %.2f ms; fleet ping p99 %s ms, "
        "etcd CPU %.0f%%; the last of 10k left %.1f s after its ttl"
        % (locate_ratio, locate_ratio2, pct(propagation, 99), ms(fleet_ping["p99"]), etcd_cpu, all_late))
    verdicts.append(("etcd mode: locate_service req/s >= %.1f of memory mode (one node, same run)"
                     % TARGET_ETCD_LOCATE_RATIO, locate_ratio >= TARGET_ETCD_LOCATE_RATIO,
                     "%.2f (two nodes: %.2f)" % (locate_ratio, locate_ratio2)))
    verdicts.append(("etcd mode: a ping on A is located on B within %d ms (p99) and 1 s (max)"
                     % TARGET_PROPAGATION_P99_MS,
                     pct(propagation, 99) < TARGET_PROPAGATION_P99_MS and propagation[-1] < TARGET_PROPAGATION_MAX_MS,
                     "p99 %.2f ms, max %.2f ms" % (pct(propagation, 99), propagation[-1])))
    verdicts.append(("etcd mode: the fleet's %d pings/s through two nodes with no error or timeout"
                     % round(fleet_count / interval),
                     fleet_ping["errors"] + fleet_ping["timeouts"] + fleet_locate["errors"] +
                     fleet_locate["timeouts"] == 0 and fleet_ping["rps"] >= 0.9 * fleet_count / interval,
                     "%.0f pings/s, p99 %s ms; locate p99 %s ms; etcd CPU %.0f%%"
                     % (fleet_ping["rps"], ms(fleet_ping["p99"]), ms(fleet_locate["p99"]), etcd_cpu)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", required=True)
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run (default 3)")
    parser.add_argument("--quick", action="store_true", help="2 s runs, short micro-benchmarks")
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--skip-micro", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--command", default="tests/bench/run.sh", help="the command line, for the record")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved wrk rounds per server and row")
    parser.add_argument("--registry", help="measure this gemstone-registry binary instead of the build's")
    parser.add_argument("--baseline", help="another gemstone-registry binary measured side by side in the "
                        "HTTP section (e.g. the last release), in the same interleaved rounds")
    parser.add_argument("--only", choices=["http", "100k", "expiry", "slow", "hostile", "watch", "micro", "cli",
                                           "etcd"],
                        action="append", help="run only these sections (repeatable)")
    args = parser.parse_args()
    if args.quick:
        args.duration = min(args.duration, 2)
        args.rounds = 1
    args.build = os.path.abspath(args.build)
    if args.baseline:
        args.baseline = os.path.abspath(args.baseline)
    global REGISTRY
    REGISTRY = os.path.abspath(args.registry) if args.registry else None

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    report, verdicts = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="gemstone-bench.") as tmp:
            sections = [("http", section_http), ("100k", section_100k), ("expiry", section_expiry),
                        ("slow", section_slow_clients), ("hostile", section_hostile_clients),
                        ("watch", section_watch), ("etcd", section_etcd)]
            if not args.skip_micro:
                sections.append(("micro", lambda a, _tmp, r, _v: section_micro(a, r)))
            if not args.skip_cli:
                sections.append(("cli", section_cli))
            for name, run in sections:
                if not args.only or name in args.only:
                    run(args, tmp, report, verdicts)
    finally:
        children.stop_all()
    load_after = os.getloadavg()

    head = ["## %s — `%s`\n" % (started.strftime("%Y-%m-%d %H:%M UTC"), args.command),
            "Machine: %s. Load average (1 min) %.2f before, %.2f after%s. Source: %s%s. wrk %ds per run.\n"
            % (machine(), load_before[0], load_after[0],
               " — **the machine was busy: absolute figures are low, compare ratios**"
               if max(load_before[0], load_after[0]) > 1.5 else "", git_state(),
               "; registry binary: `%s`" % args.registry if args.registry else "", args.duration)]
    summary = ["### Targets\n", table(["target", "met", "this run"],
                                      [[t, "—" if ok is None else ("yes" if ok else "**NO**"), v]
                                       for t, ok, v in verdicts]), ""]
    text = "\n".join(head + summary + report) + "\n"
    print(text)
    if not args.no_results:
        path = os.path.join(HERE, "RESULTS.md")
        new = not os.path.exists(path)
        with open(path, "a") as f:
            if new:
                f.write("# Benchmark results\n\nAppended by `tests/bench/run.sh`, newest last. Compare "
                        "ratios between runs rather than absolute figures: the machine is shared.\n\n")
            f.write(text + "\n")
        log("appended to %s" % os.path.relpath(path, REPO))


if __name__ == "__main__":
    main()
