// The stack's ceiling for tests/bench/run.sh: stock cpp-httplib answering
// every POST /api with a fixed JSON-RPC body, no parsing, no store. It is set
// up as the stack notes say a tuned httplib server must be (TCP_NODELAY,
// unlimited keep-alive requests, a pool with a thread for every connection),
// but keeps the library's own connection handling.
//
//   bare_httplib_responder [PORT]     (default 0: any free port)
//
// Prints "listening on 127.0.0.1:PORT" on stderr; exits 0 on SIGTERM/SIGINT.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include <httplib.h>


int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 0;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server server;
  // A thread per connection, held for its keep-alive life: enough of them
  // for the benchmark's connections.
  server.new_task_queue = [] { return new httplib::ThreadPool(256); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000000);
  server.Post("/api", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"jsonrpc":"2.0","result":"pong","error":null,"id":1})", "application/json");
  });
  const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                              : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "bare_httplib_responder: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::fprintf(stderr, "listening on 127.0.0.1:%d\n", bound);
  std::thread stopper([&] {
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  });
  server.listen_after_bind();
  stopper.join();
  return 0;
}
