#pragma once

#include "core/azure/clock.h"
#include "core/azure/credential.h"
#include "core/azure/http.h"

#include <QLoggingCategory>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace cerulean::azure {

Q_DECLARE_LOGGING_CATEGORY(lcAzureHttp)

using ResponseCallback = std::function<void(HttpResponse)>;

// Sends one try over the wire. The only implementation that reaches the network owns the
// one QNetworkAccessManager (QtNetworkTransport); tests may plug in a scripted one.
class HttpTransport
{
public:
    virtual ~HttpTransport() = default;
    // Calls done exactly once, asynchronously (never from inside send()).
    virtual void send(const HttpRequest &request, std::chrono::milliseconds timeout, ResponseCallback done) = 0;
};

struct RetryOptions
{
    int maxRetries = 3;
    std::chrono::milliseconds retryDelay{800};
    std::chrono::milliseconds maxRetryDelay{60'000};
    QList<int> statusCodes{408, 429, 500, 502, 503, 504};
};

struct PipelineOptions
{
    RetryOptions retry;
    std::chrono::milliseconds tryTimeout{100'000}; // per try, as the Azure SDK's default
    // Bearer authentication; when null no Authorization header is added (token endpoint).
    std::shared_ptr<TokenCredential> credential;
    QStringList scopes;
    QString tenantId;
    std::shared_ptr<const Clock> clock;       // default: SystemClock
    std::shared_ptr<Scheduler> scheduler;     // default: QtScheduler
    std::function<double()> jitter;           // in [0.8, 1.3]; default: random
};

class NextPolicy;

// One step of the pipeline (request id, user agent, retry, bearer token, logging, transport).
class HttpPolicy
{
public:
    virtual ~HttpPolicy() = default;
    virtual void send(HttpRequest request, const NextPolicy &next, ResponseCallback done) = 0;
};

// The rest of the pipeline after a policy.
class NextPolicy final
{
public:
    NextPolicy(std::shared_ptr<const std::vector<std::shared_ptr<HttpPolicy>>> policies, size_t index);
    void operator()(HttpRequest request, ResponseCallback done) const;

private:
    std::shared_ptr<const std::vector<std::shared_ptr<HttpPolicy>>> m_policies;
    size_t m_index;
};

// Policies, in pipeline order. Exposed so that tests can check them one by one.
class ClientRequestIdPolicy final : public HttpPolicy
{
public:
    void send(HttpRequest request, const NextPolicy &next, ResponseCallback done) override;
};

class UserAgentPolicy final : public HttpPolicy
{
public:
    void send(HttpRequest request, const NextPolicy &next, ResponseCallback done) override;
    static QByteArray userAgent(); // cerulean/<version> (Qt <v>; Linux)
};

class RetryPolicy final : public HttpPolicy
{
public:
    RetryPolicy(RetryOptions options, std::shared_ptr<const Clock> clock, std::shared_ptr<Scheduler> scheduler,
                std::function<double()> jitter, QObject *guard);
    void send(HttpRequest request, const NextPolicy &next, ResponseCallback done) override;

    // The wait before retry number `attempt` (1-based) after `response`.
    std::chrono::milliseconds delayFor(const HttpResponse &response, int attempt) const;
    bool shouldRetry(const HttpResponse &response) const;

private:
    RetryOptions m_options;
    std::shared_ptr<const Clock> m_clock;
    std::shared_ptr<Scheduler> m_scheduler;
    std::function<double()> m_jitter;
    QPointer<QObject> m_guard;
};

// The server-requested wait from retry-after-ms, x-ms-retry-after-ms or Retry-After
// (seconds or HTTP-date); negative when the response asks for none.
std::chrono::milliseconds retryAfter(const HttpHeaders &headers, std::chrono::system_clock::time_point now);

class BearerTokenPolicy final : public HttpPolicy
{
public:
    BearerTokenPolicy(std::shared_ptr<TokenCredential> credential, QStringList scopes, QString tenantId,
                      QObject *guard);
    void send(HttpRequest request, const NextPolicy &next, ResponseCallback done) override;

private:
    std::shared_ptr<TokenCredential> m_credential;
    QStringList m_scopes;
    QString m_tenantId;
    QPointer<QObject> m_guard;
};

class LoggingPolicy final : public HttpPolicy
{
public:
    void send(HttpRequest request, const NextPolicy &next, ResponseCallback done) override;
};

class TransportPolicy final : public HttpPolicy
{
public:
    TransportPolicy(std::shared_ptr<HttpTransport> transport, std::chrono::milliseconds tryTimeout);
    void send(HttpRequest request, const NextPolicy &next, ResponseCallback done) override;

private:
    std::shared_ptr<HttpTransport> m_transport;
    std::chrono::milliseconds m_tryTimeout;
};

// Redaction used by the logging policy (and anything else that prints requests).
QByteArray redactHeader(const QByteArray &name, const QByteArray &value);
QString redactUrl(const QUrl &url);
QByteArray redactBody(const QByteArray &body);

// The pipeline every request goes through. Cheap to share; callbacks run on the event loop
// and are dropped when their context object is gone.
class HttpPipeline final
{
public:
    HttpPipeline(std::shared_ptr<HttpTransport> transport, PipelineOptions options);
    ~HttpPipeline();
    HttpPipeline(const HttpPipeline &) = delete;
    HttpPipeline &operator=(const HttpPipeline &) = delete;

    void send(HttpRequest request, QObject *context, ResponseCallback done) const;

    const PipelineOptions &options() const { return m_options; }
    const std::shared_ptr<HttpTransport> &transport() const { return m_transport; }
    // A pipeline on the same transport and options whose bearer tokens are for `scopes`
    // instead: another service's audience, from the same credential (and its token cache).
    std::shared_ptr<HttpPipeline> withScopes(QStringList scopes) const;

private:
    std::shared_ptr<HttpTransport> m_transport;
    PipelineOptions m_options;
    std::unique_ptr<QObject> m_guard; // timers and token waits die with the pipeline
    std::shared_ptr<const std::vector<std::shared_ptr<HttpPolicy>>> m_policies;
};

} // namespace cerulean::azure
