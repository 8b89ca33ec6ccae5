#include "core/serving/scoring_service.h"

#include "core/serving/swagger.h"

#include <algorithm>
#include <random>

namespace cerulean::serving {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kBearer = "Bearer ";

std::string hex(std::uint64_t value, int digits)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = kDigits[value & 15];
        value >>= 4;
    }
    return out;
}


// A JSON media type, as Azure ML's inference server (Flask's is_json) takes it:
// application/json or application/*+json, any parameters, any case.
bool isJsonContentType(std::string_view value)
{
    const std::size_t semicolon = value.find(';');
    std::string_view type = value.substr(0, semicolon);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
        type.remove_prefix(1);
    std::string lower(type);
    for (char &c : lower)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    constexpr std::string_view kApplication = "application/";
    constexpr std::string_view kJsonSuffix = "+json";
    return lower == "application/json"
           || (lower.size() > kApplication.size() + kJsonSuffix.size() && lower.starts_with(kApplication)
               && lower.ends_with(kJsonSuffix));
}

} // namespace

bool constantTimeEquals(std::string_view a, std::string_view b)
{
    // Walk the longer length so that the time does not reveal a matching prefix.
    const std::size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff = static_cast<unsigned char>(diff | (x ^ y));
    }
    return diff == 0;
}

bool isLoopbackHost(std::string_view host)
{
    const std::size_t bracket = host.rfind(']');
    const std::size_t colon = host.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket))
        host = host.substr(0, colon);
    for (const std::string_view name : {std::string_view("127.0.0.1"), std::string_view("localhost"), std::string_view("[::1]")})
        if (host.size() == name.size()
            && std::equal(host.begin(), host.end(), name.begin(), [](char a, char b) {
                   return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
               }))
            return true;
    return false;
}

ScoringService::ScoringService(std::shared_ptr<const Scorer> scorer, ScoringOptions options,
                               std::shared_ptr<Telemetry> telemetry)
    : m_scorer(std::move(scorer)), m_options(std::move(options)), m_telemetry(std::move(telemetry))
{
    m_keys.store(std::make_shared<const Keys>(Keys{m_options.primaryKey, m_options.secondaryKey}));
    m_baseUrl.store(std::make_shared<const std::string>());
    SwaggerInfo info;
    info.title = m_options.endpointName;
    info.version = m_scorer->version().empty() ? "1.0" : m_scorer->version();
    m_swagger2 = swagger2(m_scorer->schema(), info);
    m_swagger3 = openApi3(m_scorer->schema(), info);
    std::random_device random;
    m_requestIdPrefix = hex((static_cast<std::uint64_t>(random()) << 32) ^ random(), 8);
}

void ScoringService::setKeys(std::string primary, std::string secondary)
{
    m_keys.store(std::make_shared<const Keys>(Keys{std::move(primary), std::move(secondary)}));
}

void ScoringService::setBaseUrl(std::string baseUrl)
{
    m_baseUrl.store(std::make_shared<const std::string>(std::move(baseUrl)));
}

Response ScoringService::error(int status, std::string_view code, std::string_view message, std::string &errorCode) const
{
    errorCode.assign(code);
    return Response::jsonError(status, code, message);
}

void ScoringService::addCors(Response &response) const
{
    if (m_options.corsOrigin.empty())
        return;
    response.headers.push_back({"Access-Control-Allow-Origin", m_options.corsOrigin});
    if (m_options.corsOrigin != "*")
        response.headers.push_back({"Vary", "Origin"});
}

std::optional<Response> ScoringService::authenticate(const Request &request, std::string &errorCode) const
{
    const std::shared_ptr<const Keys> keys = m_keys.load(std::memory_order_acquire);
    const bool hasKeys = !keys->primary.empty() || !keys->secondary.empty();
    if (!hasKeys && !m_options.tokenValidator)
        return std::nullopt;
    auto unauthorized = [&](std::string_view code, std::string_view message) {
        Response r = error(401, code, message, errorCode);
        r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"score\""});
        return r;
    };
    const auto header = request.header("Authorization");
    if (!header)
        return unauthorized("missing_key", "The request has no Authorization header; send 'Authorization: Bearer <key>'.");
    std::string_view value = *header;
    if (value.size() < kBearer.size() || !constantTimeEquals(value.substr(0, kBearer.size()), kBearer))
        return unauthorized("invalid_authorization", "The Authorization header must be 'Bearer <key>'.");
    value.remove_prefix(kBearer.size());
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    // Both comparisons always run, so timing does not tell which key (if any) matched.
    const bool primary = !keys->primary.empty() && constantTimeEquals(value, keys->primary);
    const bool secondary = !keys->secondary.empty() && constantTimeEquals(value, keys->secondary);
    if (!(primary | secondary) && !(m_options.tokenValidator && m_options.tokenValidator(value)))
        return hasKeys ? unauthorized("invalid_key", "The key in the Authorization header is not valid for this endpoint.")
                       : unauthorized("invalid_token", "The token in the Authorization header is not valid for this endpoint.");
    return std::nullopt;
}

Response ScoringService::handle(const Request &request) const
{
    std::size_t rows = 0;
    std::string errorCode;
    Response response = route(request, rows, errorCode);
    addCors(response);
    const std::uint64_t sequence = m_requestCounter.fetch_add(1, std::memory_order_relaxed);
    std::string id = m_requestIdPrefix;
    id += hex(sequence, 8);
    response.headers.push_back({"x-ms-request-id", id});

    if (m_telemetry) {
        const auto now = Clock::now();
        const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(now - request.received);
        RequestRecord record;
        record.timestamp = std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(duration);
        record.id = std::move(id);
        record.name = request.method + " " + request.path;
        record.url = *m_baseUrl.load(std::memory_order_acquire) + request.target;
        record.resultCode = response.status;
        record.duration = duration;
        record.success = response.status < 400;
        record.rows = rows;
        record.modelName = m_scorer->name();
        record.modelVersion = m_scorer->version();
        if (!record.success) {
            record.errorCode = errorCode;
            std::string line = std::to_string(response.status) + " " + record.name + " " + errorCode + ": ";
            // The reply's message is the most useful text; it never holds the key.
            const auto at = response.body.find("\"message\":\"");
            if (at != std::string::npos)
                line += response.body.substr(at + 11, response.body.size() - at - 11 - 3);
            m_telemetry->log(response.status >= 500 ? LogLevel::Error : LogLevel::Warning, std::move(line));
        }
        m_telemetry->record(std::move(record));
    }
    return response;
}

Response ScoringService::route(const Request &request, std::size_t &rows, std::string &errorCode) const
{
    const std::string &path = request.path;
    const std::string &method = request.method;
    if (m_options.loopbackHostsOnly) {
        const auto host = request.header("Host");
        if (host && !isLoopbackHost(*host))
            return error(421, "misdirected_request",
                         "The Host '" + std::string(host->substr(0, 100))
                             + "' is not served here: this endpoint answers 127.0.0.1, localhost and [::1] only.",
                         errorCode);
    }
    const bool known = path == "/" || path == "/score" || path == "/swagger.json";
    if (!known)
        return error(404, "not_found", "No route " + path + "; this endpoint serves POST /score, GET /swagger.json and GET /.",
                     errorCode);

    if (method == "OPTIONS") {
        Response r;
        r.status = 204;
        if (!m_options.corsOrigin.empty()) {
            r.headers.push_back({"Access-Control-Allow-Methods", path == "/score" ? "POST, OPTIONS" : "GET, OPTIONS"});
            const auto asked = request.header("Access-Control-Request-Headers");
            r.headers.push_back({"Access-Control-Allow-Headers", asked ? std::string(*asked) : "Authorization, Content-Type"});
            r.headers.push_back({"Access-Control-Max-Age", "600"});
        }
        r.headers.push_back({"Allow", path == "/score" ? "POST, OPTIONS" : "GET, HEAD, OPTIONS"});
        return r;
    }

    if (path == "/score") {
        if (method != "POST") {
            Response r = error(405, "method_not_allowed", method + " is not allowed on /score; use POST.", errorCode);
            r.headers.push_back({"Allow", "POST, OPTIONS"});
            return r;
        }
        return score(request, rows, errorCode);
    }
    if (method != "GET" && method != "HEAD") {
        Response r = error(405, "method_not_allowed", method + " is not allowed on " + path + "; use GET.", errorCode);
        r.headers.push_back({"Allow", "GET, HEAD, OPTIONS"});
        return r;
    }
    if (path == "/") {
        Response r;
        r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
        r.body = "Healthy";
        return r;
    }
    // /swagger.json
    const auto version = request.queryParameter("version");
    if (version && *version != "2" && *version != "3")
        return error(400, "invalid_version", "version must be 2 or 3, got '" + *version + "'.", errorCode);
    return Response::json(200, version && *version == "3" ? m_swagger3 : m_swagger2);
}

Response ScoringService::score(const Request &request, std::size_t &rows, std::string &errorCode) const
{
    if (auto denied = authenticate(request, errorCode))
        return std::move(*denied);
    // A form or text/plain POST is what a browser sends cross-origin without asking first;
    // JSON only, as on Azure, means every such request needs a preflight the server refuses.
    const auto contentType = request.header("Content-Type");
    if (!contentType || !isJsonContentType(*contentType))
        return error(415, "unsupported_media_type",
                     "Expects Content-Type to be application/json, got '" + std::string(contentType.value_or("")) + "'.",
                     errorCode);

    // Per-thread scratch space: rows, cells and the reply keep their capacity between requests.
    thread_local ScoringRequest parsed;
    thread_local Prediction prediction;
    ScoringError failure;
    ScoringLimits limits;
    limits.maxRows = m_options.maxRows;
    const ScoringSchema &schema = m_scorer->schema();
    if (!parseScoringRequest(request.body, schema, limits, parsed, failure))
        return error(failure.status, failure.code, failure.message, errorCode);
    rows = parsed.rows.size();
    if (auto rejected = m_scorer->predict(parsed.rows, prediction))
        return error(400, "invalid_input", *rejected, errorCode);
    if (prediction.rows != parsed.rows.size())
        return error(500, "model_error", "The model returned " + std::to_string(prediction.rows) + " predictions for "
                                             + std::to_string(parsed.rows.size()) + " rows.", errorCode);
    Response r;
    r.headers.push_back({"Content-Type", "application/json"});
    writeScoringReply(parsed, schema, prediction, r.body);
    return r;
}

void ScoringService::recordServerEvent(const ServerEvent &event) const
{
    if (!m_telemetry)
        return;
    std::string code;
    switch (event.kind) {
    case ServerEvent::Kind::BodyTooLarge: code = "body_too_large"; break;
    case ServerEvent::Kind::BadRequest: code = "bad_request"; break;
    case ServerEvent::Kind::RequestTimeout: code = "request_timeout"; break;
    case ServerEvent::Kind::ConnectionLimit: code = "connection_limit"; break;
    case ServerEvent::Kind::Rejected: code = "rejected"; break;
    case ServerEvent::Kind::IoError: code = "io_error"; break;
    }
    std::string line = (event.status ? std::to_string(event.status) + " " : std::string()) + code + " from "
                       + event.remoteAddress + ": " + event.message;
    m_telemetry->log(event.kind == ServerEvent::Kind::IoError ? LogLevel::Warning : LogLevel::Error, std::move(line));
    if (event.status == 0)
        return;
    RequestRecord record;
    record.timestamp = std::chrono::system_clock::now()
                       - std::chrono::duration_cast<std::chrono::system_clock::duration>(event.duration);
    record.id = m_requestIdPrefix + hex(m_requestCounter.fetch_add(1, std::memory_order_relaxed), 8);
    record.name = event.method.empty() ? std::string("(unparsed request)") : event.method + " " + event.target;
    record.url = *m_baseUrl.load(std::memory_order_acquire) + event.target;
    record.resultCode = event.status;
    record.duration = event.duration;
    record.success = false;
    record.modelName = m_scorer->name();
    record.modelVersion = m_scorer->version();
    record.errorCode = std::move(code);
    m_telemetry->record(std::move(record));
}

ScoringServer::ScoringServer(std::shared_ptr<const Scorer> scorer, ScoringServerOptions options,
                             std::shared_ptr<TelemetrySink> sink)
    : m_options(std::move(options)),
      m_telemetry(std::make_shared<Telemetry>(std::move(sink), m_options.telemetry)),
      m_service(std::make_shared<ScoringService>(std::move(scorer), m_options.scoring, m_telemetry))
{
    std::shared_ptr<ScoringService> service = m_service;
    m_http = std::make_unique<HttpServer>(m_options.http, Handler([service](const Request &request) {
                                              return service->handle(request);
                                          }));
    m_http->setEventCallback([service](const ServerEvent &event) { service->recordServerEvent(event); });
}

ScoringServer::~ScoringServer()
{
    stop(std::chrono::milliseconds(0));
}

std::optional<std::string> ScoringServer::start()
{
    const Scorer &scorer = m_service->scorer();
    m_telemetry->log(LogLevel::Info, "Starting scoring server (" + std::to_string(std::max(1u, m_options.http.threads))
                                         + " threads, up to " + std::to_string(m_options.scoring.maxRows)
                                         + " rows per request)");
    m_telemetry->log(LogLevel::Info, "Model " + scorer.name() + " version " + scorer.version() + " loaded: "
                                         + std::to_string(scorer.schema().columns.size()) + " input columns, "
                                         + std::to_string(scorer.schema().classLabels.size()) + " classes");
    if (auto failure = m_http->start()) {
        m_telemetry->log(LogLevel::Error, "Cannot start: " + *failure);
        return failure;
    }
    m_service->setBaseUrl(url());
    m_telemetry->log(LogLevel::Info, "Listening on " + url());
    return std::nullopt;
}

void ScoringServer::stop(std::chrono::milliseconds drain)
{
    if (!m_http->running())
        return;
    m_telemetry->log(LogLevel::Info, "Stopping: draining in-flight requests");
    m_http->stop(drain);
    m_telemetry->log(LogLevel::Info, "Stopped after " + std::to_string(m_http->stats().requests) + " requests");
    m_telemetry->flush();
}

std::uint16_t ScoringServer::port() const
{
    return m_http->port();
}

std::string ScoringServer::url() const
{
    const std::string &host = m_http->host();
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(m_http->port());
}

void ScoringServer::setKeys(std::string primary, std::string secondary)
{
    m_service->setKeys(std::move(primary), std::move(secondary));
    m_telemetry->log(LogLevel::Info, "Endpoint keys rotated");
}

HttpServerStats ScoringServer::httpStats() const
{
    return m_http->stats();
}

} // namespace cerulean::serving
