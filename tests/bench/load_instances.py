#!/usr/bin/env python3
"""Registers many instances in a gemstone registry, fast: JSON-RPC batches of
`ping` over a few keep-alive connections (loopback only).

  load_instances.py URL COUNT [--batch 100] [--connections 4] [--prefix svc] [--first 0]

Instances k = FIRST .. FIRST + COUNT - 1 are registered; instance k is named PREFIX.<k // 10>.<k % 10> (so `svc.123.*` matches ten
instances), host 127.0.0.1, port 10000 + k % 50000. Prints the number of
instances registered and the seconds it took; exits 1 on any error.
"""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse


def batch_body(prefix, first, count):
    calls = []
    for k in range(first, first + count):
        calls.append('{"jsonrpc":"2.0","method":"ping","params":{"name":"%s.%d.%d",'
                     '"host":"127.0.0.1","port":%d},"id":%d}'
                     % (prefix, k // 10, k % 10, 10000 + k % 50000, k))
    return ("[" + ",".join(calls) + "]").encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--prefix", default="svc")
    parser.add_argument("--first", type=int, default=0, help="number of the first instance")
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("load_instances.py: loopback addresses only")
    starts = list(range(0, args.count, args.batch))
    # Bodies are built before the clock starts: the figure is the registry's.
    bodies = [batch_body(args.prefix, args.first + s, min(args.batch, args.count - s)) for s in starts]
    errors = []
    lock = threading.Lock()

    def worker(index):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            for i in range(index, len(bodies), args.connections):
                conn.request("POST", url.path or "/api", body=bodies[i],
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                if response.status != 200 or b'"error":{' in data:
                    with lock:
                        errors.append("HTTP %d: %s" % (response.status, data[:200]))
                    return
        except OSError as e:
            with lock:
                errors.append(str(e))
        finally:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if errors:
        sys.exit("load_instances.py: " + errors[0])
    print("%d %.3f" % (args.count, elapsed))


if __name__ == "__main__":
    main()
