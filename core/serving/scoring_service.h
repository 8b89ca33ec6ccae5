#pragma once

// The scoring application: routes (/score, /swagger.json, / health), Bearer key auth, CORS,
// input validation, and telemetry; plus ScoringServer, which runs it on an HttpServer.

#include "core/serving/http_server.h"
#include "core/serving/scorer.h"
#include "core/serving/scoring_request.h"
#include "core/serving/telemetry.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cerulean::serving {

struct ScoringOptions
{
    std::size_t maxRows = 10000;  // rows per request; over it is 413
    std::string corsOrigin;       // Access-Control-Allow-Origin; empty: no CORS headers
    std::string primaryKey;       // both empty and no tokenValidator: no authentication
    std::string secondaryKey;
    // Bearer tokens the endpoint takes besides its keys (an AMLToken or AADToken endpoint):
    // the check of whoever issues them. Called per request from the I/O threads; empty: keys only.
    std::function<bool(std::string_view token)> tokenValidator;
    std::string endpointName = "cerulean-endpoint"; // Swagger title
    // Answer 421 to a Host header that is not a loopback name (127.0.0.1, localhost, [::1],
    // any port): a page whose name resolves to 127.0.0.1 (DNS rebinding) gets nothing.
    bool loopbackHostsOnly = false;
};

// Answers one request. Thread-safe; handle() is the HttpServer handler.
class ScoringService final
{
public:
    ScoringService(std::shared_ptr<const Scorer> scorer, ScoringOptions options, std::shared_ptr<Telemetry> telemetry);

    Response handle(const Request &request) const;

    // Replaces the keys at run time (key rotation); requests in flight use the old or the new pair.
    void setKeys(std::string primary, std::string secondary);
    // The base URL used in telemetry records and the Swagger host ("http://127.0.0.1:5001").
    void setBaseUrl(std::string baseUrl);

    // A record and an error log line for something the HTTP layer answered by itself.
    void recordServerEvent(const ServerEvent &event) const;

    const Scorer &scorer() const { return *m_scorer; }
    Telemetry *telemetry() const { return m_telemetry.get(); }

private:
    struct Keys
    {
        std::string primary;
        std::string secondary;
    };

    Response route(const Request &request, std::size_t &rows, std::string &errorCode) const;
    Response score(const Request &request, std::size_t &rows, std::string &errorCode) const;
    std::optional<Response> authenticate(const Request &request, std::string &errorCode) const;
    void addCors(Response &response) const;
    Response error(int status, std::string_view code, std::string_view message, std::string &errorCode) const;

    std::shared_ptr<const Scorer> m_scorer;
    ScoringOptions m_options;
    std::shared_ptr<Telemetry> m_telemetry;
    std::atomic<std::shared_ptr<const Keys>> m_keys;
    std::atomic<std::shared_ptr<const std::string>> m_baseUrl;
    std::string m_swagger2;
    std::string m_swagger3;
    std::string m_requestIdPrefix;
    mutable std::atomic<std::uint64_t> m_requestCounter{0};
};

struct ScoringServerOptions
{
    HttpServerOptions http;
    ScoringOptions scoring;
    TelemetryOptions telemetry;
};

// A scoring endpoint: an HttpServer running a ScoringService, with its telemetry.
class ScoringServer final
{
public:
    ScoringServer(std::shared_ptr<const Scorer> scorer, ScoringServerOptions options,
                  std::shared_ptr<TelemetrySink> sink = nullptr);
    ~ScoringServer();
    ScoringServer(const ScoringServer &) = delete;
    ScoringServer &operator=(const ScoringServer &) = delete;

    std::optional<std::string> start();
    // Stops accepting, drains in-flight requests, flushes telemetry.
    void stop(std::chrono::milliseconds drain = std::chrono::seconds(5));
    std::uint16_t port() const;
    std::string url() const; // "http://127.0.0.1:5001"
    void setKeys(std::string primary, std::string secondary);
    HttpServerStats httpStats() const;
    Telemetry &telemetry() { return *m_telemetry; }
    ScoringService &service() { return *m_service; }

private:
    ScoringServerOptions m_options;
    std::shared_ptr<Telemetry> m_telemetry;
    std::shared_ptr<ScoringService> m_service;
    std::unique_ptr<HttpServer> m_http;
};

// Compares in time that depends only on the lengths, not on where the bytes differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

// Whether a Host header value names this computer's loopback: 127.0.0.1, localhost or [::1],
// with or without a port, in any case.
bool isLoopbackHost(std::string_view host);

} // namespace cerulean::serving
