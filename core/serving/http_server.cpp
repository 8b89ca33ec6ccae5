#include "core/serving/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <openssl/ssl.h>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <exception>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace cerulean::serving {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

void appendNumber(std::string &out, std::uint64_t value)
{
    std::array<char, 24> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    (void)ec;
    out.append(digits.data(), end);
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace

std::optional<std::string_view> Request::header(std::string_view name) const
{
    for (const HttpHeader &h : headers) {
        if (equalsIgnoreCase(h.name, name))
            return std::string_view(h.value);
    }
    return std::nullopt;
}

std::optional<std::string> Request::queryParameter(std::string_view name) const
{
    std::string_view rest(query);
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const std::size_t eq = pair.find('=');
        const std::string key = percentDecode(pair.substr(0, eq));
        if (key == name)
            return eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
    }
    return std::nullopt;
}

Response Response::json(int status, std::string body)
{
    Response r;
    r.status = status;
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = std::move(body);
    return r;
}

Response Response::jsonError(int status, std::string_view code, std::string_view message)
{
    nlohmann::json j;
    j["error"] = {{"code", code}, {"message", message}};
    return json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Response::setHeader(std::string_view name, std::string value)
{
    for (HttpHeader &h : headers) {
        if (equalsIgnoreCase(h.name, name)) {
            h.value = std::move(value);
            return;
        }
    }
    headers.push_back({std::string(name), std::move(value)});
}

std::string_view statusReason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

namespace {

// RLIMIT_NOFILE's soft limit; nullopt when there is none.
std::optional<std::size_t> softDescriptorLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return std::nullopt;
    return static_cast<std::size_t>(limit.rlim_cur);
}

} // namespace

std::size_t connectionCapForDescriptorLimit(std::size_t wanted)
{
    const std::optional<std::size_t> limit = softDescriptorLimit();
    if (!limit)
        return wanted;
    const std::size_t soft = *limit;
    // A tiny limit still serves someone: half of it, rather than nothing.
    const std::size_t available =
        soft > 2 * kReservedDescriptors ? soft - kReservedDescriptors : std::max<std::size_t>(1, soft / 2);
    return std::min(wanted, available);
}

namespace {

// accept() failed because the process or the system is out of descriptors or memory: trying
// again at once fails again (the listener stays readable) and would spin a core.
bool outOfResources(const beast::error_code &ec)
{
    if (ec.category() != boost::system::system_category() && ec.category() != boost::system::generic_category())
        return false;
    const int value = ec.value();
    return value == EMFILE || value == ENFILE || value == ENOBUFS || value == ENOMEM;
}

void removeFile(const std::string &path)
{
    if (path.empty())
        return;
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
}

} // namespace

class Session;

// The byte stream of one connection: the socket itself, or TLS over it once startTls() was
// called. Beast's readers and Asio's writers take it as they take a socket.
class ConnectionStream
{
public:
    using executor_type = tcp::socket::executor_type;

    explicit ConnectionStream(tcp::socket &socket) : m_socket(socket) {}
    executor_type get_executor() { return m_socket.get_executor(); }

    void startTls(net::ssl::context &context) { m_tls.emplace(m_socket, context); }
    bool tls() const { return m_tls.has_value(); }
    net::ssl::stream<tcp::socket &> &tlsStream() { return *m_tls; }

    template <class Buffers, class Handler>
    void async_read_some(const Buffers &buffers, Handler &&handler)
    {
        if (m_tls)
            m_tls->async_read_some(buffers, std::forward<Handler>(handler));
        else
            m_socket.async_read_some(buffers, std::forward<Handler>(handler));
    }

    template <class Buffers, class Handler>
    void async_write_some(const Buffers &buffers, Handler &&handler)
    {
        if (m_tls)
            m_tls->async_write_some(buffers, std::forward<Handler>(handler));
        else
            m_socket.async_write_some(buffers, std::forward<Handler>(handler));
    }

private:
    tcp::socket &m_socket;
    std::optional<net::ssl::stream<tcp::socket &>> m_tls;
};

class HttpServer::Impl
{
public:
    HttpServerOptions options;
    std::unique_ptr<net::ssl::context> tls; // with options.tls, from start()
    Handler syncHandler;
    AsyncHandler asyncHandler;
    std::function<void(const ServerEvent &)> eventCallback;

    std::atomic<bool> stopping{false};
    std::atomic<bool> runningFlag{false};
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> active{0};
    std::atomic<std::uint64_t> acceptFailures{0};
    std::uint16_t boundPort = 0;
    std::size_t maxConnections = 0; // options.maxConnections under the descriptor limit
    // Connections answered at all: past maxConnections with a 503, past this closed at once.
    std::size_t maxAnswered = 0;
    // Accept back-off (touched on the first context's thread only).
    std::unique_ptr<net::steady_timer> acceptTimer;
    std::chrono::milliseconds acceptBackoff{0};

    // Guards answers from asynchronous handlers against a server that has stopped.
    struct Liveness
    {
        std::mutex mutex;
        bool alive = true;
    };
    std::shared_ptr<Liveness> liveness = std::make_shared<Liveness>();

    std::mutex sessionsMutex;
    std::unordered_map<Session *, std::weak_ptr<Session>> sessions;

    std::mutex stopMutex;
    std::vector<std::unique_ptr<net::io_context>> contexts;
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::size_t nextContext = 0;

    void emit(ServerEvent event)
    {
        if (eventCallback)
            eventCallback(event);
    }

    void doAccept();
    void registerSession(const std::shared_ptr<Session> &session);
    void unregisterSession(Session *session);
};

// One connection. All its handlers run on the io_context that owns its socket, one at a
// time (there is only ever one chain of operations in flight), so it needs no strand.
class Session final : public std::enable_shared_from_this<Session>
{
public:
    Session(HttpServer::Impl &server, tcp::socket socket)
        : m_server(server), m_socket(std::move(socket)), m_stream(m_socket), m_timer(m_socket.get_executor())
    {
        m_server.active.fetch_add(1, std::memory_order_relaxed);
        if (m_server.tls)
            m_stream.startTls(*m_server.tls);
    }
    ~Session()
    {
        removeFile(m_bodyFile);
        m_server.active.fetch_sub(1, std::memory_order_relaxed);
    }
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    void start()
    {
        beast::error_code ec;
        const tcp::endpoint peer = m_socket.remote_endpoint(ec);
        if (!ec)
            m_request.remoteAddress = peer.address().to_string() + ":" + std::to_string(peer.port());
        m_socket.set_option(tcp::no_delay(true), ec);
        handshakeThen([this] { waitForRequest(); });
    }

    // Over the connection cap: answer 503 and close.
    void reject()
    {
        beast::error_code ec;
        const tcp::endpoint peer = m_socket.remote_endpoint(ec);
        if (!ec)
            m_request.remoteAddress = peer.address().to_string() + ":" + std::to_string(peer.port());
        m_request.received = Clock::now();
        handshakeThen([this] {
            sendServerError(ServerEvent::Kind::ConnectionLimit, 503, "connection_limit",
                            "The server is at its connection limit (" + std::to_string(m_server.maxConnections)
                                + "); retry later.");
        });
    }

    // Called on this session's executor when the server stops.
    void onStop()
    {
        m_closeAfterResponse = true;
        if (m_state == State::Idle || m_state == State::Closing)
            close();
    }

    net::any_io_executor executor() { return m_socket.get_executor(); }

    // After the I/O threads are joined: break the self-reference of sessions whose
    // asynchronous handler never answered.
    void releaseSelf() { m_self.reset(); }


private:
    enum class State
    {
        Idle,     // between requests, waiting for the first byte
        Reading,  // a request has started arriving
        Handling, // the handler has it
        Writing,  // the response is being sent
        Closing,  // lingering after a final response
        Closed
    };

    // Over TLS, the handshake first (within the request timeout); then `next`. A plain
    // connection goes straight on. `next` runs on this session's executor with it alive.
    template <class Next>
    void handshakeThen(Next next)
    {
        if (!m_stream.tls()) {
            next();
            return;
        }
        m_state = State::Reading;
        armDeadline(m_server.options.requestTimeout);
        m_stream.tlsStream().async_handshake(
            net::ssl::stream_base::server, [self = shared_from_this(), next](beast::error_code ec) {
                if (ec) {
                    // A client that does not trust the certificate hangs up here: say why.
                    ServerEvent event;
                    event.kind = ServerEvent::Kind::IoError;
                    event.message = "TLS handshake failed: " + ec.message();
                    event.remoteAddress = self->m_request.remoteAddress;
                    self->m_server.emit(std::move(event));
                    self->close();
                    return;
                }
                next();
            });
    }

    // One timer per connection, re-armed only when it fires: setting a deadline per phase
    // is a store, not a timer-queue operation, which keeps the keep-alive path cheap.
    void armDeadline(std::chrono::milliseconds timeout)
    {
        m_deadline = Clock::now() + timeout;
        if (!m_timerPending || m_deadline < m_timerExpiry)
            startTimer();
    }

    void clearDeadline() { m_deadline = Clock::time_point::max(); }

    void startTimer()
    {
        m_timerPending = true;
        m_timerExpiry = m_deadline;
        const std::uint64_t generation = ++m_timerGeneration;
        m_timer.expires_at(m_deadline);
        m_timer.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
            if (generation == self->m_timerGeneration) // else a newer wait replaced this one
                self->onTimer(ec);
        });
    }

    void onTimer(beast::error_code ec)
    {
        m_timerPending = false;
        if (ec || m_state == State::Closed)
            return;
        if (m_deadline == Clock::time_point::max())
            return; // no deadline in this phase (the handler has the request)
        if (Clock::now() < m_deadline) {
            startTimer();
            return;
        }
        clearDeadline();
        if (m_state == State::Reading) {
            // Cancel the read; its handler answers 408 on a still usable socket.
            m_timedOut = true;
            beast::error_code ignored;
            m_socket.cancel(ignored);
        } else {
            close();
        }
    }

    void waitForRequest()
    {
        if (m_server.stopping.load(std::memory_order_relaxed) || m_closeAfterResponse) {
            close();
            return;
        }
        if (m_buffer.size() > 0) { // pipelined: the next request is already here
            m_request.received = Clock::now();
            readRequest();
            return;
        }
        m_state = State::Idle;
        armDeadline(m_server.options.idleTimeout);
        m_stream.async_read_some(m_buffer.prepare(kReadChunk),
                                 [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                     self->onFirstBytes(ec, n);
                                 });
    }

    void onFirstBytes(beast::error_code ec, std::size_t n)
    {
        if (ec) {
            // Idle timeout, the client closed, or stop(): nothing to answer.
            close();
            return;
        }
        m_buffer.commit(n);
        m_request.received = Clock::now();
        readRequest();
    }

    void readRequest()
    {
        m_state = State::Reading;
        m_fileParser.reset();
        m_parser.emplace();
        m_bodyLimit = m_server.options.maxBodyBytes;
        m_tooLarge.reset();
        // No limit while the head is read (Beast would refuse a long Content-Length there):
        // the admission may raise it, and onHeader() sets it before any body byte is read.
        // (Not boost::none: this Beast compares a Content-Length with an empty limit as over it.)
        m_parser->body_limit(std::numeric_limits<std::uint64_t>::max());
        m_parser->header_limit(static_cast<std::uint32_t>(m_server.options.maxHeaderBytes));
        armDeadline(m_server.options.requestTimeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    self->onHeader(ec);
                                });
    }

    void onHeader(beast::error_code ec)
    {
        if (ec) {
            onReadError(ec);
            return;
        }
        fillHead();
        std::string bodyFile;
        if (m_server.options.admit) {
            Admission admission;
            try {
                admission = m_server.options.admit(m_request);
            } catch (const std::exception &e) {
                admission.reject = Response::jsonError(500, "internal_error", std::string("The admission check failed: ") + e.what());
            }
            if (admission.reject) {
                const int status = admission.reject->status;
                sendServerError(ServerEvent::Kind::Rejected, status, {}, "refused from the request's head",
                                std::move(admission.reject));
                return;
            }
            if (admission.maxBodyBytes > 0)
                m_bodyLimit = admission.maxBodyBytes;
            m_tooLarge = std::move(admission.tooLarge);
            bodyFile = std::move(admission.bodyFile);
        }
        m_parser->body_limit(m_bodyLimit);
        const auto length = m_parser->content_length();
        if (length && *length > m_bodyLimit) {
            sendServerError(ServerEvent::Kind::BodyTooLarge, 413, "body_too_large",
                            "The request body has " + std::to_string(*length) + " bytes; the limit is "
                                + std::to_string(m_bodyLimit) + " bytes.",
                            std::move(m_tooLarge));
            return;
        }
        if (m_parser->is_done()) {
            dispatch();
            return;
        }
        const bool expectContinue = [&] {
            const auto &message = m_parser->get();
            const auto expect = message.find(http::field::expect);
            return expect != message.end() && equalsIgnoreCase(expect->value(), "100-continue");
        }();
        if (!bodyFile.empty() && !streamBodyTo(std::move(bodyFile)))
            return;
        if (expectContinue) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(m_stream, net::buffer(kContinue.data(), kContinue.size()),
                             [self = shared_from_this()](beast::error_code wec, std::size_t) {
                                 if (wec) {
                                     self->close();
                                     return;
                                 }
                                 self->readBody();
                             });
            return;
        }
        readBody();
    }

    // From here the body goes to the file, not memory (the parser changes its body type;
    // nothing of the body has been parsed yet). False, with the reply sent, if it cannot open.
    bool streamBodyTo(std::string path)
    {
        m_fileParser.emplace(std::move(*m_parser));
        m_parser.reset();
        m_fileParser->body_limit(m_bodyLimit);
        beast::error_code ec;
        m_fileParser->get().body().open(path.c_str(), beast::file_mode::write, ec);
        m_bodyFile = std::move(path);
        if (ec) {
            sendServerError(ServerEvent::Kind::IoError, 500, "body_file",
                            "The request body cannot be stored: " + ec.message() + ".");
            return false;
        }
        return true;
    }

    void readBody()
    {
        auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->onReadError(ec);
                return;
            }
            self->dispatch();
        };
        if (m_fileParser)
            http::async_read(m_stream, m_buffer, *m_fileParser, std::move(done));
        else
            http::async_read(m_stream, m_buffer, *m_parser, std::move(done));
    }

    bool headerDone() const { return (m_parser && m_parser->is_header_done()) || m_fileParser.has_value(); }

    void onReadError(beast::error_code ec)
    {
        if (m_parser && m_parser->is_header_done())
            captureRequestLine();
        if (m_timedOut) {
            sendServerError(ServerEvent::Kind::RequestTimeout, 408, "request_timeout",
                            "The request did not arrive within "
                                + std::to_string(m_server.options.requestTimeout.count()) + " ms.");
        } else if (ec == http::error::body_limit) {
            sendServerError(ServerEvent::Kind::BodyTooLarge, 413, "body_too_large",
                            "The request body is over the limit of " + std::to_string(m_bodyLimit) + " bytes.",
                            std::move(m_tooLarge));
        } else if (ec == http::error::header_limit) {
            sendServerError(ServerEvent::Kind::BadRequest, 431, "headers_too_large",
                            "The request headers are over the limit of "
                                + std::to_string(m_server.options.maxHeaderBytes) + " bytes.");
        } else if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof
                   || ec == net::error::connection_reset || ec == net::error::operation_aborted
                   || ec == net::error::bad_descriptor) {
            if (ec == http::error::partial_message || headerDone()) {
                ServerEvent event;
                event.kind = ServerEvent::Kind::IoError;
                event.message = "The client closed the connection in the middle of a request: " + ec.message();
                event.method = m_request.method;
                event.target = m_request.target;
                event.remoteAddress = m_request.remoteAddress;
                m_server.emit(std::move(event));
            }
            close();
        } else if (m_fileParser && ec.category() != http::make_error_code(http::error::bad_target).category()) {
            sendServerError(ServerEvent::Kind::IoError, 500, "body_file",
                            "The request body cannot be stored: " + ec.message() + ".");
        } else {
            sendServerError(ServerEvent::Kind::BadRequest, 400, "bad_request",
                            "The request is not valid HTTP/1.1: " + ec.message() + ".");
        }
    }

    void captureRequestLine()
    {
        const auto &message = m_parser->get();
        m_request.method.assign(message.method_string().data(), message.method_string().size());
        m_request.target.assign(message.target().data(), message.target().size());
    }

    // The request line and headers into m_request (its strings keep their capacity).
    void fillHead()
    {
        auto &message = m_parser->get();
        m_request.method.assign(message.method_string().data(), message.method_string().size());
        const std::string_view target(message.target().data(), message.target().size());
        m_request.target.assign(target);
        const std::size_t question = target.find('?');
        m_request.path.assign(target.substr(0, question));
        if (question == std::string_view::npos)
            m_request.query.clear();
        else
            m_request.query.assign(target.substr(question + 1));
        m_request.version = message.version();
        std::size_t count = 0;
        for (const auto &field : message) {
            if (count == m_request.headers.size())
                m_request.headers.emplace_back();
            HttpHeader &h = m_request.headers[count++];
            h.name.assign(field.name_string().data(), field.name_string().size());
            h.value.assign(field.value().data(), field.value().size());
        }
        m_request.headers.resize(count);
        m_request.body.clear();
        m_request.bodyFile.clear();
    }

    void dispatch()
    {
        m_state = State::Handling;
        clearDeadline();
        if (m_fileParser) {
            auto &message = m_fileParser->get();
            message.body().close(); // flushed: the handler reads the whole file
            m_request.bodyFile = m_bodyFile;
            m_keepAlive = message.keep_alive();
            m_isHead = false;
            m_fileParser.reset();
        } else {
            auto &message = m_parser->get();
            m_request.body = std::move(message.body());
            m_keepAlive = message.keep_alive();
            m_isHead = message.method() == http::verb::head;
            m_parser.reset();
        }

        if (m_server.syncHandler) {
            Response response;
            try {
                response = m_server.syncHandler(m_request);
            } catch (const std::exception &e) {
                response = Response::jsonError(500, "internal_error", std::string("The handler failed: ") + e.what());
            }
            sendResponse(std::move(response));
            return;
        }
        // The session keeps itself alive while the handler works (nothing else holds it:
        // no I/O is pending); the responder only holds it weakly, so an answer that comes
        // after stop() finds nothing and is dropped.
        m_self = shared_from_this();
        std::weak_ptr<Session> weak = m_self;
        auto liveness = m_server.liveness;
        auto answered = std::make_shared<std::atomic<bool>>(false);
        Responder responder = [weak, liveness, answered](Response response) {
            if (answered->exchange(true))
                return; // a second answer is a handler bug; ignore it rather than corrupt the stream
            std::lock_guard lock(liveness->mutex);
            if (!liveness->alive)
                return;
            if (auto session = weak.lock()) {
                net::post(session->executor(), [session, r = std::move(response)]() mutable {
                    session->m_self.reset();
                    session->sendResponse(std::move(r));
                });
            }
        };
        try {
            m_server.asyncHandler(m_request, std::move(responder));
        } catch (const std::exception &e) {
            if (!answered->exchange(true)) {
                m_self.reset();
                sendResponse(Response::jsonError(500, "internal_error", std::string("The handler failed: ") + e.what()));
            }
        }
    }

    void writeHead(const Response &response, bool keepAlive)
    {
        m_head.clear();
        m_head.append("HTTP/1.1 ");
        appendNumber(m_head, static_cast<std::uint64_t>(response.status));
        m_head.push_back(' ');
        m_head.append(statusReason(response.status));
        m_head.append("\r\nServer: ");
        m_head.append(m_server.options.serverName);
        m_head.append("\r\n");
        for (const HttpHeader &h : response.headers) {
            if (equalsIgnoreCase(h.name, "Content-Length") || equalsIgnoreCase(h.name, "Connection")
                || equalsIgnoreCase(h.name, "Transfer-Encoding"))
                continue;
            m_head.append(h.name);
            m_head.append(": ");
            m_head.append(h.value);
            m_head.append("\r\n");
        }
        m_head.append("Content-Length: ");
        appendNumber(m_head, response.body.size());
        m_head.append("\r\n");
        if (!keepAlive)
            m_head.append("Connection: close\r\n");
        else if (m_request.version == 10)
            m_head.append("Connection: keep-alive\r\n");
        m_head.append("\r\n");
    }

    void sendResponse(Response response)
    {
        if (m_state == State::Writing || m_state == State::Closing || m_state == State::Closed)
            return;
        // The handler is done with the body's file (a handler that keeps it renamed it).
        removeFile(m_bodyFile);
        m_bodyFile.clear();
        const bool keepAlive = m_keepAlive && !m_closeAfterResponse && !m_server.stopping.load(std::memory_order_relaxed);
        writeHead(response, keepAlive);
        m_body = std::move(response.body);
        m_state = State::Writing;
        armDeadline(m_server.options.writeTimeout);
        std::array<net::const_buffer, 2> buffers{net::buffer(m_head),
                                                  m_isHead ? net::const_buffer() : net::buffer(m_body)};
        m_server.requests.fetch_add(1, std::memory_order_relaxed);
        net::async_write(m_stream, buffers, [self = shared_from_this(), keepAlive](beast::error_code ec, std::size_t) {
            if (ec) {
                self->close();
                return;
            }
            if (!keepAlive) {
                if (self->m_lingerOnClose && !self->m_server.stopping.load(std::memory_order_relaxed))
                    self->lingeringClose();
                else
                    self->close();
                return;
            }
            self->waitForRequest();
        });
    }

    // An error the server answers itself; the connection is closed after the reply because
    // the rest of the stream cannot be trusted (an unread body, a broken request line).
    void sendServerError(ServerEvent::Kind kind, int status, std::string_view code, const std::string &message,
                         std::optional<Response> reply = std::nullopt)
    {
        ServerEvent event;
        event.kind = kind;
        event.status = status;
        event.message = message;
        event.method = m_request.method;
        event.target = m_request.target;
        event.remoteAddress = m_request.remoteAddress;
        event.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - m_request.received);
        m_server.emit(std::move(event));
        m_keepAlive = false;
        m_isHead = false;
        m_timedOut = false;
        m_lingerOnClose = true;
        m_parser.reset();
        if (m_fileParser) {
            m_fileParser->get().body().close();
            m_fileParser.reset();
        }
        m_state = State::Handling;
        clearDeadline();
        sendResponse(reply ? std::move(*reply) : Response::jsonError(status, code, message));
    }

    // Half-close and read what the client still sends for a moment, so that it sees our
    // reply instead of a reset caused by closing with unread data. (Over TLS the half-close
    // comes without a close_notify: the reply's Content-Length already told the client where
    // it ends, and the bytes drained are discarded unread.)
    void lingeringClose()
    {
        m_state = State::Closing;
        beast::error_code ec;
        m_socket.shutdown(tcp::socket::shutdown_send, ec);
        if (ec) {
            close();
            return;
        }
        armDeadline(kLingerTime);
        drain();
    }

    void drain()
    {
        m_buffer.clear();
        m_socket.async_read_some(m_buffer.prepare(kReadChunk), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->close();
                return;
            }
            self->drain();
        });
    }

    void close()
    {
        m_state = State::Closed;
        clearDeadline();
        m_timer.cancel();
        beast::error_code ec;
        m_socket.shutdown(tcp::socket::shutdown_both, ec);
        m_socket.close(ec);
    }

    static constexpr std::size_t kReadChunk = 8192;
    static constexpr std::chrono::seconds kLingerTime{2};

    HttpServer::Impl &m_server;
    tcp::socket m_socket;
    ConnectionStream m_stream; // m_socket, or TLS over it
    net::steady_timer m_timer;
    Clock::time_point m_deadline = Clock::time_point::max();
    Clock::time_point m_timerExpiry = Clock::time_point::max();
    std::uint64_t m_timerGeneration = 0;
    bool m_timerPending = false;
    bool m_lingerOnClose = false;
    bool m_timedOut = false;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::optional<http::request_parser<http::file_body>> m_fileParser; // after Admission::bodyFile
    std::size_t m_bodyLimit = 0;
    std::optional<Response> m_tooLarge;
    std::string m_bodyFile; // removed once the response is sent
    Request m_request;
    std::string m_head;
    std::string m_body;
    State m_state = State::Idle;
    bool m_keepAlive = false;
    bool m_isHead = false;
    bool m_closeAfterResponse = false;
    std::shared_ptr<Session> m_self;
};

void HttpServer::Impl::registerSession(const std::shared_ptr<Session> &session)
{
    std::lock_guard lock(sessionsMutex);
    sessions.emplace(session.get(), session);
}

void HttpServer::Impl::unregisterSession(Session *session)
{
    std::lock_guard lock(sessionsMutex);
    sessions.erase(session);
}

void HttpServer::Impl::doAccept()
{
    net::io_context &target = *contexts[nextContext];
    nextContext = (nextContext + 1) % contexts.size();
    acceptor->async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (ec == net::error::operation_aborted || stopping.load())
                return;
            acceptFailures.fetch_add(1, std::memory_order_relaxed);
            if (!outOfResources(ec)) {
                doAccept(); // that one connection failed (reset before accept): the next may not
                return;
            }
            // Out of descriptors: the pending connection stays queued and the listener stays
            // readable, so trying again at once fails again. Wait, longer each time, until
            // some descriptor is freed; say so once per spell, not once per try.
            if (acceptBackoff.count() == 0) {
                ServerEvent event;
                event.kind = ServerEvent::Kind::IoError;
                event.message = "accept failed: " + ec.message() + "; retrying with back-off";
                emit(std::move(event));
                acceptBackoff = options.acceptBackoffMin;
            } else {
                acceptBackoff = std::min(acceptBackoff * 2, options.acceptBackoffMax);
            }
            acceptTimer->expires_after(acceptBackoff);
            acceptTimer->async_wait([this](beast::error_code waitError) {
                if (!waitError && !stopping.load())
                    doAccept();
            });
            return;
        }
        acceptBackoff = std::chrono::milliseconds(0);
        accepted.fetch_add(1, std::memory_order_relaxed);
        const std::uint64_t open = active.load(std::memory_order_relaxed);
        if (open >= maxAnswered) {
            // A flood: a 503 would hold this descriptor while its reply lingers. Close it now
            // so that the descriptors the cap leaves for files and the database stay free.
            rejected.fetch_add(1, std::memory_order_relaxed);
            beast::error_code ignored;
            socket.close(ignored);
            doAccept();
            return;
        }
        const bool overCap = open >= maxConnections;
        // The session's deleter unregisters it, so stop() only ever sees live sessions.
        Session *raw = new Session(*this, std::move(socket));
        std::shared_ptr<Session> session(raw, [this](Session *s) {
            unregisterSession(s);
            delete s;
        });
        if (overCap) {
            rejected.fetch_add(1, std::memory_order_relaxed);
            net::dispatch(session->executor(), [session] { session->reject(); });
        } else {
            registerSession(session);
            net::dispatch(session->executor(), [session] { session->start(); });
        }
        doAccept();
    });
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->options = std::move(options);
    m_impl->syncHandler = std::move(handler);
}

HttpServer::HttpServer(HttpServerOptions options, AsyncHandler handler)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->options = std::move(options);
    m_impl->asyncHandler = std::move(handler);
}

HttpServer::~HttpServer()
{
    stop(std::chrono::milliseconds(0));
}

void HttpServer::setEventCallback(std::function<void(const ServerEvent &)> callback)
{
    m_impl->eventCallback = std::move(callback);
}

std::optional<std::string> HttpServer::start()
{
    Impl &d = *m_impl;
    if (d.runningFlag.load())
        return std::string("the server is already running");
    const unsigned threads = d.options.threads > 0 ? d.options.threads : std::max(1u, std::thread::hardware_concurrency());
    d.maxConnections = connectionCapForDescriptorLimit(std::max<std::size_t>(1, d.options.maxConnections));
    // Past the cap a connection is still answered (503) while half of the descriptors the
    // limit leaves above the cap are in use at most; past that it is closed at once.
    const std::optional<std::size_t> limit = softDescriptorLimit();
    d.maxAnswered = limit && *limit > d.maxConnections ? d.maxConnections + (*limit - d.maxConnections) / 2
                                                       : 2 * d.maxConnections;
    if (d.options.tls) {
        // TLS 1.2 and 1.3 only, and OpenSSL's default ciphers for them.
        auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
        beast::error_code tlsError;
        context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2
                                 | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1
                                 | net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                             tlsError);
        if (!tlsError && SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1)
            return std::string("cannot require TLS 1.2");
        if (!tlsError)
            context->use_certificate_chain(net::buffer(d.options.tls->certificateChainPem), tlsError);
        if (tlsError)
            return "cannot load the TLS certificate: " + tlsError.message();
        context->use_private_key(net::buffer(d.options.tls->privateKeyPem), net::ssl::context::pem, tlsError);
        if (tlsError)
            return "cannot load the TLS key: " + tlsError.message();
        d.tls = std::move(context);
    }
    for (unsigned i = 0; i < threads; ++i) {
        d.contexts.push_back(std::make_unique<net::io_context>(1));
        d.guards.push_back(net::make_work_guard(*d.contexts.back()));
    }
    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(d.options.host, ec);
    if (ec)
        return "invalid host address '" + d.options.host + "': " + ec.message();
    const tcp::endpoint endpoint(address, d.options.port);
    d.acceptor = std::make_unique<tcp::acceptor>(*d.contexts.front());
    d.acceptTimer = std::make_unique<net::steady_timer>(*d.contexts.front());
    d.acceptBackoff = std::chrono::milliseconds(0);
    d.acceptor->open(endpoint.protocol(), ec);
    if (!ec)
        d.acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        d.acceptor->bind(endpoint, ec);
    if (!ec)
        d.acceptor->listen(d.options.listenBacklog, ec);
    if (ec) {
        const std::string message = "cannot listen on " + d.options.host + ":" + std::to_string(d.options.port) + ": "
                                    + ec.message();
        d.acceptTimer.reset();
        d.acceptor.reset();
        d.guards.clear();
        d.contexts.clear();
        return message;
    }
    d.boundPort = d.acceptor->local_endpoint().port();
    d.stopping = false;
    d.liveness = std::make_shared<Impl::Liveness>();
    d.runningFlag = true;
    d.doAccept();
    for (auto &context : d.contexts) {
        net::io_context *ctx = context.get();
        d.threads.emplace_back([ctx] { ctx->run(); });
    }
    return std::nullopt;
}

std::uint16_t HttpServer::port() const
{
    return m_impl->boundPort;
}

const std::string &HttpServer::host() const
{
    return m_impl->options.host;
}

bool HttpServer::secure() const
{
    return m_impl->options.tls.has_value();
}

bool HttpServer::running() const
{
    return m_impl->runningFlag.load();
}

HttpServerStats HttpServer::stats() const
{
    HttpServerStats s;
    s.connectionsAccepted = m_impl->accepted.load(std::memory_order_relaxed);
    s.connectionsRejected = m_impl->rejected.load(std::memory_order_relaxed);
    s.requests = m_impl->requests.load(std::memory_order_relaxed);
    s.activeConnections = m_impl->active.load(std::memory_order_relaxed);
    s.acceptFailures = m_impl->acceptFailures.load(std::memory_order_relaxed);
    s.maxConnections = m_impl->maxConnections;
    return s;
}

void HttpServer::stop(std::chrono::milliseconds drain)
{
    Impl &d = *m_impl;
    std::lock_guard stopLock(d.stopMutex);
    if (!d.runningFlag.load())
        return;
    d.stopping = true;
    {
        std::promise<void> closed;
        auto done = closed.get_future();
        net::post(*d.contexts.front(), [&d, &closed] {
            beast::error_code ec;
            d.acceptor->close(ec);
            d.acceptTimer->cancel();
            closed.set_value();
        });
        done.wait();
    }
    std::vector<std::shared_ptr<Session>> live;
    {
        std::lock_guard lock(d.sessionsMutex);
        for (auto &[raw, weak] : d.sessions) {
            (void)raw;
            if (auto s = weak.lock())
                live.push_back(std::move(s));
        }
    }
    for (auto &s : live)
        net::post(s->executor(), [s] { s->onStop(); });
    live.clear();

    const auto deadline = Clock::now() + drain;
    while (d.active.load() > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));

    {
        std::lock_guard lock(d.liveness->mutex);
        d.liveness->alive = false;
    }
    for (auto &guard : d.guards)
        guard.reset();
    for (auto &context : d.contexts)
        context->stop();
    for (auto &thread : d.threads)
        thread.join();
    d.threads.clear();
    {
        std::vector<std::shared_ptr<Session>> stuck;
        {
            std::lock_guard lock(d.sessionsMutex);
            for (auto &[raw, weak] : d.sessions) {
                (void)raw;
                if (auto s = weak.lock())
                    stuck.push_back(std::move(s));
            }
        }
        for (auto &s : stuck)
            s->releaseSelf();
    }
    d.acceptor.reset();
    d.acceptTimer.reset();
    d.guards.clear();
    // Destroying the contexts destroys pending handlers and with them the last sessions.
    d.contexts.clear();
    d.runningFlag = false;
}

} // namespace cerulean::serving
