#!/usr/bin/env python3
"""A client written the way gemstone 0.x's RemoteService was: urllib, a JSON
body with Content-Type application/json, get_service_specs first (reading
"name" and the keys of "methods"), response["error"] read on every response,
service URLs built as http://{host}:{port}/api from locate_service.

Usage: gemstone_era_client.py REGISTRY_URL. Exits 0 when every step worked,
else prints what failed and exits 1. Standard library only.
"""
import json
import random
import string
import sys
import urllib.request


class CalledServiceError(Exception):
    pass


class RemoteService:
    def __init__(self, url):
        self.url = url
        self.req_id = 1
        res = self._post({"jsonrpc": "2.0", "method": "get_service_specs", "id": self.req_id})
        res = json.loads(res)
        self.req_id += 1
        self.name = res["result"]["name"]
        self.methods = list(res["result"]["methods"].keys())

    def _post(self, body):
        request = urllib.request.Request(self.url)
        request.data = json.dumps(body).encode()
        request.method = "POST"
        request.add_header("Content-Type", "application/json")
        return urllib.request.urlopen(request, timeout=10).read().decode()

    def call(self, method, *args, **kwargs):
        if method not in self.methods:
            raise AttributeError(method)
        body = {"jsonrpc": "2.0", "method": method, "params": args or kwargs, "id": self.req_id}
        self.req_id += 1
        response = json.loads(self._post(body))
        if response["error"]:
            raise CalledServiceError(response["error"])
        return response["result"]

    def notify(self, method, *args, **kwargs):
        # gemstone sent notifications without an id and ignored the answer.
        self._post({"jsonrpc": "2.0", "method": method, "params": args or kwargs})


def discovery_ping(registry_url, name, location):
    """gemstone >= 0.5's HttpDiscoveryStrategy: ping(name, url), random string id."""
    body = json.dumps({"jsonrpc": "2.0", "method": "ping",
                       "params": {"name": name, "url": location},
                       "id": "".join(random.choice(string.ascii_letters) for _ in range(10))})
    request = urllib.request.Request(registry_url, data=body.encode(), method="POST",
                                     headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read().decode())


def main():
    registry_url = sys.argv[1]
    host, port = registry_url.split("//")[1].split("/")[0].rsplit(":", 1)

    registry = RemoteService(registry_url)
    assert registry.name == "gemstone.registry", registry.name
    for m in ("ping", "locate_service"):
        assert m in registry.methods, registry.methods

    # The registry registers itself, as a service would, with keyword params...
    registry.call("ping", name="registry.self", host=host, port=int(port))
    # ...and another instance with positional params and one via notification.
    registry.call("ping", "worker.1", "127.0.0.1", 9)
    registry.notify("ping", name="worker.2", host="127.0.0.1", port=10)
    reply = discovery_ping(registry_url, "worker.3", "http://127.0.0.1:11/api")
    assert reply["error"] is None and reply["result"]["port"] == 11, reply

    # get_service_by_name: locate, pick at random, build the URL the old way.
    located = registry.call("locate_service", "registry.*")
    assert len(located) == 1, located
    chosen = random.choice(located)
    url = "http://{}:{}/api".format(chosen["host"], chosen["port"])
    service = RemoteService(url)
    workers = service.call("locate_service", "worker.*")
    assert sorted(w["name"] for w in workers) == ["worker.1", "worker.2", "worker.3"], workers

    # An error comes back in response["error"] and is raised.
    try:
        registry.call("ping", name="bad name", host=host, port=1)
    except CalledServiceError as e:
        assert e.args[0]["code"] == -32602, e.args[0]
    else:
        raise AssertionError("invalid params were accepted")
    print("ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the test's failure message
        print("FAILED: {!r}".format(e))
        sys.exit(1)
