#pragma once

// A generic HTTP/1.1 and HTTP/1.0 server on Boost.Beast: keep-alive and close, pipelined
// requests answered in order, N threads with one io_context each (no strands on the hot
// path), idle and slow-client timeouts, a connection cap under the descriptor limit, a
// back-off when accept() runs out of descriptors, and an admission step that refuses a
// request, bounds its body or streams it to a file from the headers alone. It knows nothing
// about scoring; the scoring application and the local workspace service both sit on it
// through a handler that maps a plain Request to a plain Response. With HttpServerOptions::tls
// it speaks HTTPS instead (OpenSSL through Asio's SSL streams), with the same admission,
// limits and timeouts; a TLS handshake counts against the request timeout.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cerulean::serving {

// One HTTP header as received or to be sent. Names compare case-insensitively.
struct HttpHeader
{
    std::string name;
    std::string value;
};

// A request as the handler sees it. Strings are owned: the handler may keep a copy.
struct Request
{
    std::string method;  // "GET", "POST", ... as sent (upper case by convention)
    std::string target;  // "/score?version=3": path and query as sent
    std::string path;    // "/score"
    std::string query;   // "version=3" (no '?'; empty when absent)
    unsigned version = 11; // 10 for HTTP/1.0, 11 for HTTP/1.1
    std::vector<HttpHeader> headers;
    std::string body;     // empty when the body went to bodyFile
    std::string bodyFile; // the file the body was streamed to (see Admission::bodyFile), else empty
    std::string remoteAddress; // "127.0.0.1:53124"
    std::chrono::steady_clock::time_point received; // when the request's first byte arrived

    // The first header with this name (case-insensitive), or nullopt.
    std::optional<std::string_view> header(std::string_view name) const;
    // The value of one query parameter (no percent-decoding beyond '+'), or nullopt.
    std::optional<std::string> queryParameter(std::string_view name) const;
};

// A response to send. Content-Length, Server and Connection are set by the server.
struct Response
{
    int status = 200;
    std::vector<HttpHeader> headers;
    std::string body;     // empty when the body went to bodyFile
    std::string bodyFile; // the file the body was streamed to (see Admission::bodyFile), else empty

    // A response with Content-Type: application/json.
    static Response json(int status, std::string body);
    // {"error":{"code":CODE,"message":MESSAGE}} with the given status.
    static Response jsonError(int status, std::string_view code, std::string_view message);
    void setHeader(std::string_view name, std::string value);
};

// Completes an asynchronous request: call exactly once, from any thread.
using Responder = std::function<void(Response)>;
// Synchronous handler: runs on an I/O thread, so it must be quick (microseconds).
using Handler = std::function<Response(const Request &)>;
// Asynchronous handler: hands the request to other work and answers later via the Responder.
using AsyncHandler = std::function<void(const Request &, Responder)>;

// What the application decides about a request from its head alone (method, target,
// headers), before any byte of its body is buffered: refuse it (a credential missing, a
// foreign Host), bound its body, or have its body written to a file instead of memory.
struct Admission
{
    // Sent at once; the body is never read and the connection is closed after the reply.
    std::optional<Response> reject;
    // The largest body this request may have; 0 keeps HttpServerOptions::maxBodyBytes.
    std::size_t maxBodyBytes = 0;
    // The reply to a body over the limit; the server's own 413 when empty.
    std::optional<Response> tooLarge;
    // When set, the body is streamed into this file (created or truncated) and the handler
    // finds it in Request::bodyFile. The server removes the file once the response is on
    // its way (or the request failed): a handler that keeps the data renames the file.
    std::string bodyFile;
};

// Called on an I/O thread once a request's headers are read (`head` has no body yet).
using Admit = std::function<Admission(const Request &head)>;

// Something the server answered by itself (413, 400 bad HTTP, 408, 503) or a connection it
// dropped, for the application's telemetry. Sent on an I/O thread: keep the callback short.
struct ServerEvent
{
    enum class Kind
    {
        BodyTooLarge,    // 413, the connection is closed after the reply
        BadRequest,      // 400, unparseable HTTP
        RequestTimeout,  // 408, a slow client did not send the request in time
        ConnectionLimit, // 503, over maxConnections
        Rejected,        // the application's Admission refused the request from its head
        IoError          // a read or write failed (reset by peer, ...)
    };
    Kind kind = Kind::IoError;
    int status = 0; // the status sent, 0 if none was
    std::string message;
    std::string method; // if the request line was read
    std::string target;
    std::string remoteAddress;
    std::chrono::microseconds duration{0};
};

// A certificate and its key for HTTPS, in PEM: the chain (leaf first) and the key. Given in
// memory, so that a key made for one process's run need never be written to disk.
struct TlsOptions
{
    std::string certificateChainPem;
    std::string privateKeyPem;
};

struct HttpServerOptions
{
    std::string host = "127.0.0.1";
    std::uint16_t port = 0; // 0 picks a free port; see HttpServer::port()
    unsigned threads = 0;   // I/O threads; 0: one per core

    // How long a keep-alive connection may sit with no request before it is closed.
    std::chrono::milliseconds idleTimeout{std::chrono::seconds(60)};
    // Once a request's first byte arrived, how long the whole request may take (slow clients).
    std::chrono::milliseconds requestTimeout{std::chrono::seconds(10)};
    // How long writing one response may take.
    std::chrono::milliseconds writeTimeout{std::chrono::seconds(10)};
    // Connections served at once (more are answered 503 and closed). Never above what the
    // descriptor limit (RLIMIT_NOFILE) leaves after kReservedDescriptors: start() lowers it.
    std::size_t maxConnections = 4096;
    std::size_t maxBodyBytes = 8u << 20;
    std::size_t maxHeaderBytes = 16u << 10;
    std::string serverName = "cerulean";
    int listenBacklog = 1024;
    // When accept() fails for want of descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM), the
    // server waits before it tries again, doubling the wait up to the maximum, instead of
    // spinning; an accept that succeeds resets it.
    std::chrono::milliseconds acceptBackoffMin{10};
    std::chrono::milliseconds acceptBackoffMax{std::chrono::seconds(1)};
    // Decides from the head of each request; empty: every request is admitted as is.
    Admit admit;
    // Set: every connection is TLS (1.2 or later) with this certificate; start() fails when
    // the files cannot be loaded.
    std::optional<TlsOptions> tls;
};

// Descriptors start() leaves for everything but connections (the listener, files, SQLite,
// log files, child processes' pipes).
inline constexpr std::size_t kReservedDescriptors = 64;

// Connections a server may hold under the process's descriptor limit: `wanted`, or less.
std::size_t connectionCapForDescriptorLimit(std::size_t wanted);

// Counters since start(); read at any time from any thread.
struct HttpServerStats
{
    std::uint64_t connectionsAccepted = 0;
    std::uint64_t connectionsRejected = 0; // over the cap
    std::uint64_t requests = 0;            // responses sent, including the server's own errors
    std::uint64_t activeConnections = 0;
    std::uint64_t acceptFailures = 0;      // accept() errors (each one waited for, see acceptBackoffMin)
    std::size_t maxConnections = 0;        // the cap in force (after the descriptor limit)
};

class HttpServer final
{
public:
    HttpServer(HttpServerOptions options, Handler handler);
    HttpServer(HttpServerOptions options, AsyncHandler handler);
    ~HttpServer(); // stops with no drain time if still running
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    // Binds, listens and starts the I/O threads. Returns an error message on failure.
    std::optional<std::string> start();
    // The bound port (after start()).
    std::uint16_t port() const;
    const std::string &host() const;
    bool secure() const; // HTTPS (HttpServerOptions::tls)

    // Stops accepting, lets in-flight requests finish (each answered with
    // "Connection: close") for up to `drain`, closes idle connections, joins the threads.
    // Safe to call more than once and from any thread except an I/O thread.
    void stop(std::chrono::milliseconds drain = std::chrono::seconds(5));
    bool running() const;

    void setEventCallback(std::function<void(const ServerEvent &)> callback); // before start()
    HttpServerStats stats() const;

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

// Reason phrase for a status code ("Not Found"), for error bodies and logs.
std::string_view statusReason(int status);

} // namespace cerulean::serving
