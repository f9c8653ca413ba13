#!/usr/bin/env python3
"""A client written the way gemstone 0.5 to 0.12 discovered services: the
registry's locate_service answers a list of URL strings, and each element is
handed straight to RemoteService(url).

- 0.10-0.12: HttpDiscoveryStrategy.ping(name, url) and .locate(name), which
  POSTs {"jsonrpc": "2.0", "method": "locate_service", "params": {"name": name},
  "id": <random string>} and returns response["result"]; MicroService.get_service
  asks each strategy in turn, skips one with no match, shuffles the URLs and
  builds RemoteService(url) from each.
- 0.5-0.8: RemoteService.get_service_by_name(registry_url, pattern) calls
  locate_service(pattern) positionally and passes random.choice(result) to
  RemoteService.

Every call reads response["result"] and response["error"], as gemstone did.

Usage: gemstone_012_client.py REGISTRY_URL SERVICE_URL. Registers SERVICE_URL
(a gemstone-test-service) as "echo.012", finds it both ways and calls its
greet method. Prints "ok" and exits 0 when every step worked, else prints
what failed and exits 1. Standard library only.
"""
import json
import random
import string
import sys
import urllib.request


def random_id():
    return "".join(random.choice(string.ascii_letters) for _ in range(10))


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read().decode())


class CalledServiceError(Exception):
    pass


class RemoteService:
    """gemstone's RemoteService: a URL and JSON-RPC calls to it."""

    def __init__(self, url):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            # What urllib says of a dict or a bare name: the failure this
            # registry's default answer causes in an unconfigured 0.12 fleet.
            raise ValueError("unknown url type: %r" % (url,))
        self.url = url

    def call(self, method, *args, **kwargs):
        response = post(self.url, {"jsonrpc": "2.0", "method": method, "params": args or kwargs,
                                   "id": random_id()})
        if response["error"]:
            raise CalledServiceError(response["error"])
        return response["result"]

    @staticmethod
    def get_service_by_name(registry_url, pattern):
        urls = RemoteService(registry_url).call("locate_service", pattern)
        if not urls:
            return None
        return RemoteService(random.choice(urls))


class HttpDiscoveryStrategy:
    def __init__(self, registry_url):
        self.registry_url = registry_url

    def ping(self, name, url):
        post(self.registry_url, {"jsonrpc": "2.0", "method": "ping",
                                 "params": {"name": name, "url": url}, "id": random_id()})

    def locate(self, name):
        response = post(self.registry_url, {"jsonrpc": "2.0", "method": "locate_service",
                                            "params": {"name": name}, "id": random_id()})
        return response["result"]


class MicroService:
    def __init__(self, discovery_strategies):
        self.discovery_strategies = discovery_strategies

    def get_service(self, name):
        for strategy in self.discovery_strategies:
            urls = strategy.locate(name)
            if not urls:
                continue
            random.shuffle(urls)
            for url in urls:
                try:
                    return RemoteService(url)
                except ConnectionError:
                    continue  # as gemstone did: try the next instance
        return None


def main():
    registry_url, service_url = sys.argv[1], sys.argv[2]
    strategy = HttpDiscoveryStrategy(registry_url)
    strategy.ping("echo.012", service_url)

    service = MicroService([HttpDiscoveryStrategy(registry_url)]).get_service("echo.*")
    assert service is not None, "get_service found nothing"
    assert service.url == service_url, service.url
    assert service.call("greet", name="0.12") == "hello, 0.12"

    old = RemoteService.get_service_by_name(registry_url, "echo.*")
    assert old is not None, "get_service_by_name found nothing"
    assert old.call("greet", "0.5") == "hello, 0.5"

    assert MicroService([strategy]).get_service("nothing.*") is None
    print("ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the test's failure message
        print("FAILED: {!r}".format(e))
        sys.exit(1)
