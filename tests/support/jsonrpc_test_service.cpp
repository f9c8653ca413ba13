// A small JSON-RPC service for the tests of the gemstone command and the
// client library, built on gemstone's own Dispatcher and cpp-httplib.
//
//   gemstone-test-service [--port N] [--name NAME] [--strict] [--no-specs]
//                         [--non-json] [--never-answer] [--status CODE]
//                         [--tls CERT_OUT] [--require-token TOKEN]
//
// Prints "listening on http://127.0.0.1:PORT/api" on stderr (https with
// --tls, after writing its self-signed certificate to CERT_OUT, valid for
// 127.0.0.1 and localhost). With --require-token, every request, whatever
// its method, is answered with error -32001 "Access denied" (as
// gemstone-registry answers a protected call; the id is null) unless it
// carries `Authorization: Bearer TOKEN` or `X-Api-Token: TOKEN`.
// Methods:
//   echo(value)           returns value
//   add(a, b)             a + b (numbers)
//   greet(name)           "hello, NAME"
//   fail(message)         error -32000 "failed on purpose" with data {"reason", "message"}
//   slow(seconds)         sleeps, then returns "done"
//   types(a..h)           the JSON type of each parameter it got
//   header(name)          the value of an HTTP request header, or null
//   record(value)         remembers value (for notifications); recorded() lists them
//   get_service_specs()   name and methods (unless --no-specs)

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/jsonrpc/json.hpp"

namespace {

using gemstone::jsonrpc::Allocator;
using gemstone::jsonrpc::Error;
using gemstone::jsonrpc::MethodResult;
using gemstone::jsonrpc::Params;
using rapidjson::Value;

thread_local const httplib::Request* current_request = nullptr;

bool starts_with_bearer(const std::string& value) {
  if (value.size() < 7 || value[6] != ' ') return false;
  for (std::size_t i = 0; i < 6; ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != "bearer"[i]) return false;
  }
  return true;
}

// Whether `req` presents `token` in either of the headers the registry reads.
bool presents(const httplib::Request& req, const std::string& token) {
  const std::string authorization = req.get_header_value("Authorization");
  if (starts_with_bearer(authorization) && authorization.substr(7) == token) return true;
  return req.has_header("X-Api-Token") && req.get_header_value("X-Api-Token") == token;
}

const char* type_name(const Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsInt64() || v.IsUint64()) return "integer";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  return "object";
}

Value copy(const Value* v, Allocator& a) {
  Value out;
  if (v != nullptr) out.CopyFrom(*v, a);
  return out;
}

void add_methods(gemstone::jsonrpc::Dispatcher& d, const std::string& name, bool specs) {
  static std::mutex recorded_mutex;
  static std::vector<std::string> recorded;  // JSON text of each record(value)

  d.add({"echo", {"value"}, 0, "Returns its parameter.",
         [](const Params& p, Allocator& a) -> MethodResult { return copy(p[0], a); }});
  d.add({"add", {"a", "b"}, 2, "Adds two numbers.", [](const Params& p, Allocator&) -> MethodResult {
           for (std::size_t i = 0; i < 2; ++i) {
             if (!p[i]->IsNumber()) return Error::invalid_params(i == 0 ? "a" : "b", "must be a number");
           }
           if (p[0]->IsInt64() && p[1]->IsInt64()) return Value(static_cast<int64_t>(p[0]->GetInt64() + p[1]->GetInt64()));
           return Value(p[0]->GetDouble() + p[1]->GetDouble());
         }});
  d.add({"greet", {"name"}, 1, "Says hello.", [](const Params& p, Allocator& a) -> MethodResult {
           if (!p[0]->IsString()) return Error::invalid_params("name", "must be a string");
           const std::string text = "hello, " + std::string(p[0]->GetString(), p[0]->GetStringLength());
           return Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a);
         }});
  d.add({"fail", {"message"}, 0, "Always fails, with data.", [](const Params& p, Allocator&) -> MethodResult {
           std::string data = R"({"reason":"asked to fail","message":)";
           data += p[0] != nullptr ? gemstone::jsonrpc::to_json(*p[0]) : "null";
           data += "}";
           return Error{-32000, "failed on purpose", data};
         }});
  d.add({"slow", {"seconds"}, 1, "Sleeps, then answers.", [](const Params& p, Allocator&) -> MethodResult {
           if (!p[0]->IsNumber()) return Error::invalid_params("seconds", "must be a number");
           const double seconds = std::min(p[0]->GetDouble(), 60.0);
           std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
           return Value("done");
         }});
  d.add({"types", {"a", "b", "c", "d", "e", "f", "g", "h"}, 0, "The JSON type of each parameter.",
         [](const Params& p, Allocator& a) -> MethodResult {
           static const char* names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
           if (p.positional()) {
             Value out(rapidjson::kArrayType);
             for (std::size_t i = 0; i < p.given(); ++i) out.PushBack(Value(rapidjson::StringRef(type_name(*p[i]))), a);
             return out;
           }
           Value out(rapidjson::kObjectType);
           for (std::size_t i = 0; i < 8; ++i) {
             if (p[i] != nullptr) out.AddMember(Value(rapidjson::StringRef(names[i])), Value(rapidjson::StringRef(type_name(*p[i]))), a);
           }
           return out;
         }});
  d.add({"header", {"name"}, 1, "An HTTP request header.", [](const Params& p, Allocator& a) -> MethodResult {
           if (!p[0]->IsString()) return Error::invalid_params("name", "must be a string");
           if (current_request == nullptr || !current_request->has_header(p[0]->GetString())) return Value();
           const std::string v = current_request->get_header_value(p[0]->GetString());
           return Value(v.c_str(), static_cast<rapidjson::SizeType>(v.size()), a);
         }});
  d.add({"record", {"value"}, 0, "Remembers its parameter.", [](const Params& p, Allocator&) -> MethodResult {
           std::lock_guard lock(recorded_mutex);
           recorded.push_back(p[0] != nullptr ? gemstone::jsonrpc::to_json(*p[0]) : "null");
           return Value(true);
         }});
  d.add({"recorded", {}, 0, "What record() was given.", [](const Params&, Allocator& a) -> MethodResult {
           std::lock_guard lock(recorded_mutex);
           Value out(rapidjson::kArrayType);
           for (const std::string& text : recorded) {
             auto doc = gemstone::jsonrpc::parse_json(text);
             Value v;
             v.CopyFrom(doc.value(), a);
             out.PushBack(v, a);
           }
           return out;
         }});
  if (specs) {
    const gemstone::jsonrpc::Dispatcher* self = &d;
    d.add({"get_service_specs", {}, 0, "What this service is.",
           [self, name](const Params&, Allocator& a) -> MethodResult {
             Value out(rapidjson::kObjectType);
             out.AddMember("name", Value(name.c_str(), a), a);
             out.AddMember("version", "test", a);
             Value methods(rapidjson::kObjectType);
             for (const auto& m : self->methods()) {
               methods.AddMember(Value(m.name.c_str(), a), Value(m.description.c_str(), a), a);
             }
             out.AddMember("methods", methods, a);
             return out;
           }});
  }
}

// A fresh EC key and a self-signed certificate for 127.0.0.1 and localhost.
struct SelfSigned {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) throw std::runtime_error("cannot make a certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

std::unique_ptr<SelfSigned> make_certificate(const std::string& pem_path) {
  auto out = std::make_unique<SelfSigned>();
  out->key = EVP_EC_gen("P-256");
  out->cert = X509_new();
  if (out->key == nullptr || out->cert == nullptr) throw std::runtime_error("cannot make a key");
  X509_set_version(out->cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(out->cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(out->cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(out->cert), 24 * 3600);
  X509_set_pubkey(out->cert, out->key);
  X509_NAME* subject = X509_get_subject_name(out->cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(out->cert, subject);
  add_extension(out->cert, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(out->cert, NID_subject_key_identifier, "hash");
  add_extension(out->cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  if (X509_sign(out->cert, out->key, EVP_sha256()) == 0) throw std::runtime_error("cannot sign");
  std::FILE* f = std::fopen(pem_path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + pem_path);
  PEM_write_X509(f, out->cert);
  std::fclose(f);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string name = "test.service";
  bool strict = false, no_specs = false, non_json = false, never_answer = false;
  int status = 0;
  std::string tls_cert;
  std::string required_token;
  std::string locate_answer;

  CLI::App app("JSON-RPC test service for gemstone's tests");
  app.add_option("--host", host);
  app.add_option("--port", port);
  app.add_option("--name", name);
  app.add_flag("--strict", strict, "strict JSON-RPC responses");
  app.add_flag("--no-specs", no_specs, "no get_service_specs method");
  app.add_flag("--non-json", non_json, "answer every POST with HTML");
  app.add_flag("--never-answer", never_answer, "never answer a POST");
  app.add_option("--status", status, "answer every POST with this HTTP status");
  app.add_option("--tls", tls_cert, "serve https; write the certificate (PEM) to this file");
  app.add_option("--require-token", required_token,
                 "answer -32001 \"Access denied\" to calls that do not carry this token");
  app.add_option("--locate-answer", locate_answer,
                 "serve locate_service(name), answering this JSON whatever the name: a stand-in for "
                 "another registry (gemstone's example registry answers [url])");
  CLI11_PARSE(app, argc, argv);

  gemstone::jsonrpc::DispatcherOptions options;
  options.style = strict ? gemstone::jsonrpc::ResponseStyle::kStrict
                         : gemstone::jsonrpc::ResponseStyle::kGemstone;
  gemstone::jsonrpc::Dispatcher dispatcher(options);
  add_methods(dispatcher, name, !no_specs);
  if (!locate_answer.empty()) {
    auto answer = std::make_shared<rapidjson::Document>();
    if (answer->Parse(locate_answer.c_str()).HasParseError()) {
      std::fprintf(stderr, "--locate-answer is not JSON\n");
      return 2;
    }
    dispatcher.add({"locate_service", {"name"}, 1, "Answers what --locate-answer says.",
                    [answer](const Params&, Allocator& a) -> MethodResult { return Value(*answer, a); }});
  }

  std::unique_ptr<SelfSigned> certificate;
  std::unique_ptr<httplib::Server> server;
  if (!tls_cert.empty()) {
    certificate = make_certificate(tls_cert);
    server = std::make_unique<httplib::SSLServer>(certificate->cert, certificate->key);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(100000);
  server->Post("/api", [&](const httplib::Request& req, httplib::Response& res) {
    if (never_answer) {
      for (int i = 0; i < 6000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return;
    }
    if (status != 0) {
      res.status = status;
      res.set_content("status " + std::to_string(status) + " on purpose", "text/plain");
      return;
    }
    if (non_json) {
      res.set_content("<html><body>Hello, I am not JSON-RPC</body></html>", "text/html");
      return;
    }
    if (!required_token.empty() && !presents(req, required_token)) {
      // Refused before dispatch, so that any method, even one this service
      // lacks (locate_service, ping: it stands in for a registry), is denied.
      res.set_content(dispatcher.error_response(Error{-32001, "Access denied", {}}), "application/json");
      return;
    }
    current_request = &req;
    std::string body = dispatcher.handle(req.body);
    current_request = nullptr;
    if (body.empty()) {
      res.status = 204;
    } else {
      res.set_content(std::move(body), "application/json");
    }
  });

  const int bound = port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "cannot listen on %s:%d\n", host.c_str(), port);
    return 1;
  }
  std::fprintf(stderr, "%s listening on %s://%s:%d/api\n", name.c_str(), tls_cert.empty() ? "http" : "https",
               host.c_str(), bound);
  std::fflush(stderr);
  server->listen_after_bind();
  return 0;
}
