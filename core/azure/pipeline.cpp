#include "core/azure/pipeline.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QLocale>
#include <QRegularExpression>
#include <QTimer>
#include <QTimeZone>
#include <QUrlQuery>
#include <QUuid>

#include <algorithm>
#include <random>

namespace cerulean::azure {

Q_LOGGING_CATEGORY(lcAzureHttp, "cerulean.azure.http", QtInfoMsg)

using namespace std::chrono;

void QtScheduler::schedule(milliseconds delay, QObject *context, std::function<void()> fn)
{
    QTimer::singleShot(delay, context, std::move(fn));
}

// ---------------------------------------------------------------------------------------------
NextPolicy::NextPolicy(std::shared_ptr<const std::vector<std::shared_ptr<HttpPolicy>>> policies, size_t index)
    : m_policies(std::move(policies)), m_index(index)
{
}

void NextPolicy::operator()(HttpRequest request, ResponseCallback done) const
{
    const NextPolicy after(m_policies, m_index + 1);
    (*m_policies)[m_index]->send(std::move(request), after, std::move(done));
}

// ---------------------------------------------------------------------------------------------
void ClientRequestIdPolicy::send(HttpRequest request, const NextPolicy &next, ResponseCallback done)
{
    if (!request.headers.contains("x-ms-client-request-id"))
        request.headers.set("x-ms-client-request-id", QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
    next(std::move(request), std::move(done));
}

QByteArray UserAgentPolicy::userAgent()
{
    return QByteArrayLiteral("cerulean/" CERULEAN_VERSION " (Qt ") + QByteArray(qVersion()) + QByteArrayLiteral("; Linux)");
}

void UserAgentPolicy::send(HttpRequest request, const NextPolicy &next, ResponseCallback done)
{
    request.headers.set("User-Agent", userAgent());
    next(std::move(request), std::move(done));
}

// ---------------------------------------------------------------------------------------------
milliseconds retryAfter(const HttpHeaders &headers, system_clock::time_point now)
{
    for (const char *name : {"retry-after-ms", "x-ms-retry-after-ms"}) {
        bool ok = false;
        const double value = headers.value(name).trimmed().toDouble(&ok);
        if (ok && value >= 0)
            return milliseconds(static_cast<milliseconds::rep>(value));
    }
    const QByteArray retryAfterValue = headers.value("retry-after").trimmed();
    if (retryAfterValue.isEmpty())
        return milliseconds(-1);
    bool ok = false;
    const double seconds = retryAfterValue.toDouble(&ok);
    if (ok)
        return seconds >= 0 ? milliseconds(static_cast<milliseconds::rep>(seconds * 1000)) : milliseconds(-1);
    // HTTP-date (RFC 7231 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT"
    QDateTime date = QLocale::c().toDateTime(QString::fromLatin1(retryAfterValue),
                                             QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!date.isValid())
        return milliseconds(-1);
    date.setTimeZone(QTimeZone::utc());
    const auto at = system_clock::time_point(milliseconds(date.toMSecsSinceEpoch()));
    return std::max(milliseconds(0), duration_cast<milliseconds>(at - now));
}

RetryPolicy::RetryPolicy(RetryOptions options, std::shared_ptr<const Clock> clock, std::shared_ptr<Scheduler> scheduler,
                         std::function<double()> jitter, QObject *guard)
    : m_options(std::move(options)), m_clock(std::move(clock)), m_scheduler(std::move(scheduler)),
      m_jitter(std::move(jitter)), m_guard(guard)
{
}

bool RetryPolicy::shouldRetry(const HttpResponse &response) const
{
    switch (response.failure) {
    case HttpResponse::Failure::Transport:
    case HttpResponse::Failure::Timeout:
        return true;
    case HttpResponse::Failure::Canceled:
    case HttpResponse::Failure::Credential:
        return false;
    case HttpResponse::Failure::None:
        break;
    }
    return m_options.statusCodes.contains(response.status);
}

milliseconds RetryPolicy::delayFor(const HttpResponse &response, int attempt) const
{
    const milliseconds asked = retryAfter(response.headers, m_clock->now());
    if (asked >= milliseconds(0))
        return asked;
    // Exponential: 1x, 2x, 4x … the base delay, times a jitter factor in [0.8, 1.3], capped.
    double factor = m_jitter ? m_jitter() : 1.0;
    factor = std::clamp(factor, 0.8, 1.3);
    const int shift = std::clamp(attempt - 1, 0, 30);
    const double exponential = static_cast<double>(m_options.retryDelay.count()) * static_cast<double>(1LL << shift);
    const double delay = std::min(exponential * factor, static_cast<double>(m_options.maxRetryDelay.count()));
    return milliseconds(static_cast<milliseconds::rep>(delay));
}

void RetryPolicy::send(HttpRequest request, const NextPolicy &next, ResponseCallback done)
{
    struct State
    {
        HttpRequest request;
        NextPolicy next;
        ResponseCallback done;
        int attempt = 0;
    };
    auto state = std::make_shared<State>(State{std::move(request), next, std::move(done), 0});
    auto tryOnce = std::make_shared<std::function<void()>>();
    // The lambda holds a weak reference to itself: the pending callback keeps it alive.
    *tryOnce = [this, state, weakTry = std::weak_ptr<std::function<void()>>(tryOnce)]() {
        auto self = weakTry.lock();
        state->next(state->request, [this, state, self](HttpResponse response) {
            if (!shouldRetry(response) || state->attempt >= m_options.maxRetries || !m_guard) {
                state->done(std::move(response));
                return;
            }
            ++state->attempt;
            const milliseconds wait = delayFor(response, state->attempt);
            qCInfo(lcAzureHttp).noquote() << "retry" << state->attempt << "of" << m_options.maxRetries << "for"
                                          << redactUrl(state->request.url) << "after"
                                          << (response.status ? QString::number(response.status) : response.failureText)
                                          << "in" << wait.count() << "ms";
            m_scheduler->schedule(wait, m_guard, [self]() { (*self)(); });
        });
    };
    (*tryOnce)();
}

// ---------------------------------------------------------------------------------------------
BearerTokenPolicy::BearerTokenPolicy(std::shared_ptr<TokenCredential> credential, QStringList scopes, QString tenantId,
                                     QObject *guard)
    : m_credential(std::move(credential)), m_scopes(std::move(scopes)), m_tenantId(std::move(tenantId)), m_guard(guard)
{
}

namespace {

bool isLoopback(const QUrl &url)
{
    // "localhost" and every name under it are loopback (RFC 6761): the local workspace's
    // host-style blob storage is {account}.blob.localhost.
    const QString host = url.host().toLower();
    return host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") || host == QLatin1String("::1") ||
           host.endsWith(QLatin1String(".localhost"));
}

HttpResponse credentialFailure(const HttpRequest &request, AzureError error)
{
    HttpResponse response;
    response.failure = HttpResponse::Failure::Credential;
    response.failureText = error.message;
    if (error.clientRequestId.isEmpty())
        error.clientRequestId = QString::fromLatin1(request.headers.value("x-ms-client-request-id"));
    response.credentialError = std::move(error);
    response.url = request.url;
    return response;
}

} // namespace

void BearerTokenPolicy::send(HttpRequest request, const NextPolicy &next, ResponseCallback done)
{
    // A bearer token must never travel in clear text, except to the local service on loopback.
    if (request.url.scheme() != QLatin1String("https") && !isLoopback(request.url)) {
        done(credentialFailure(request, AzureError::invalidInput(
                                            QStringLiteral("refusing to send a bearer token over %1 to %2")
                                                .arg(request.url.scheme(), request.url.host()))));
        return;
    }
    TokenRequestContext context{m_scopes, m_tenantId, false};
    auto credential = m_credential;
    QPointer<QObject> guard = m_guard;
    m_credential->getToken(context, m_guard, [=, request = std::move(request)](Result<AccessToken> token) mutable {
        if (!token) {
            done(credentialFailure(request, token.error()));
            return;
        }
        request.headers.set("Authorization", "Bearer " + token->token.toUtf8());
        next(request, [=](HttpResponse response) mutable {
            if (response.status != 401 || !guard) {
                done(std::move(response));
                return;
            }
            // The token was refused (revoked, clock skew, new role): get a fresh one, retry once.
            TokenRequestContext refresh = context;
            refresh.forceRefresh = true;
            credential->getToken(refresh, guard, [=](Result<AccessToken> fresh) mutable {
                if (!fresh) {
                    done(credentialFailure(request, fresh.error()));
                    return;
                }
                request.headers.set("Authorization", "Bearer " + fresh->token.toUtf8());
                next(request, done);
            });
        });
    });
}

// ---------------------------------------------------------------------------------------------
QByteArray redactHeader(const QByteArray &name, const QByteArray &value)
{
    const QByteArray lower = name.toLower();
    static const char *const sensitive[] = {"authorization", "cookie", "key", "token", "secret", "signature",
                                            "password", "credential"};
    for (const char *word : sensitive) {
        if (lower.contains(word))
            return QByteArrayLiteral("REDACTED");
    }
    return value;
}

namespace {

bool sensitiveName(const QString &name)
{
    static const QRegularExpression pattern(
        QStringLiteral("^(sig|signature|code|client_secret|secret|password|token|access_token|refresh_token|"
                       "device_code|assertion|client_assertion|key|api-key|apikey|sv_sig)$|key|token|secret"),
        QRegularExpression::CaseInsensitiveOption);
    return pattern.match(name).hasMatch();
}

} // namespace

QString redactUrl(const QUrl &url)
{
    QUrl copy = url;
    copy.setUserInfo({});
    if (copy.hasQuery()) {
        QUrlQuery query(copy);
        auto items = query.queryItems(QUrl::FullyEncoded);
        for (auto &item : items) {
            if (sensitiveName(item.first))
                item.second = QStringLiteral("REDACTED");
        }
        QUrlQuery redacted;
        redacted.setQueryItems(items);
        copy.setQuery(redacted);
    }
    return copy.toString(QUrl::FullyEncoded);
}

QByteArray redactBody(const QByteArray &body)
{
    QString text = QString::fromUtf8(body);
    // Form bodies: client_secret=…&refresh_token=…
    static const QRegularExpression form(
        QStringLiteral("(^|&)([^=&]*(?:secret|token|password|assertion|device_code|key)[^=&]*)=[^&]*"),
        QRegularExpression::CaseInsensitiveOption);
    text.replace(form, QStringLiteral("\\1\\2=REDACTED"));
    // JSON string members whose name speaks of a secret: "secretText": "…", "primaryKey": "…"
    static const QRegularExpression json(
        QStringLiteral("(\"[^\"]*(?:secret|token|password|key|credential)[^\"]*\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\""),
        QRegularExpression::CaseInsensitiveOption);
    text.replace(json, QStringLiteral("\\1\"REDACTED\""));
    // SAS signatures embedded in URLs inside bodies.
    static const QRegularExpression sig(QStringLiteral("([?&]sig=)[^&\"\\s]*"), QRegularExpression::CaseInsensitiveOption);
    text.replace(sig, QStringLiteral("\\1REDACTED"));
    return text.toUtf8();
}

void LoggingPolicy::send(HttpRequest request, const NextPolicy &next, ResponseCallback done)
{
    if (lcAzureHttp().isDebugEnabled()) {
        QStringList headers;
        for (const auto &[name, value] : request.headers.all())
            headers << QString::fromLatin1(name) + QStringLiteral(": ") + QString::fromLatin1(redactHeader(name, value));
        qCDebug(lcAzureHttp).noquote() << "->" << QString::fromLatin1(request.method) << redactUrl(request.url)
                                       << headers.join(QStringLiteral("; "))
                                       << QString::fromUtf8(redactBody(request.body.left(4096)));
    }
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    const QByteArray method = request.method;
    const QUrl url = request.url;
    next(std::move(request), [done = std::move(done), timer, method, url](HttpResponse response) {
        if (lcAzureHttp().isDebugEnabled()) {
            QStringList headers;
            for (const auto &[name, value] : response.headers.all())
                headers << QString::fromLatin1(name) + QStringLiteral(": ")
                               + QString::fromLatin1(redactHeader(name, value));
            qCDebug(lcAzureHttp).noquote()
                << "<-" << QString::fromLatin1(method) << redactUrl(url)
                << (response.status ? QString::number(response.status) : response.failureText) << timer->elapsed()
                << "ms" << headers.join(QStringLiteral("; ")) << QString::fromUtf8(redactBody(response.body.left(4096)));
        }
        done(std::move(response));
    });
}

// ---------------------------------------------------------------------------------------------
TransportPolicy::TransportPolicy(std::shared_ptr<HttpTransport> transport, milliseconds tryTimeout)
    : m_transport(std::move(transport)), m_tryTimeout(tryTimeout)
{
}

void TransportPolicy::send(HttpRequest request, const NextPolicy &, ResponseCallback done)
{
    const QString clientRequestId = QString::fromLatin1(request.headers.value("x-ms-client-request-id"));
    const QUrl url = request.url;
    m_transport->send(request, m_tryTimeout, [done = std::move(done), clientRequestId, url](HttpResponse response) {
        response.clientRequestId = clientRequestId;
        response.url = url;
        done(std::move(response));
    });
}

// ---------------------------------------------------------------------------------------------
HttpPipeline::HttpPipeline(std::shared_ptr<HttpTransport> transport, PipelineOptions options)
    : m_transport(std::move(transport)), m_options(std::move(options)), m_guard(std::make_unique<QObject>())
{
    if (!m_options.clock)
        m_options.clock = std::make_shared<SystemClock>();
    if (!m_options.scheduler)
        m_options.scheduler = std::make_shared<QtScheduler>();
    if (!m_options.jitter) {
        m_options.jitter = [engine = std::make_shared<std::mt19937>(std::random_device{}())]() {
            return std::uniform_real_distribution<double>(0.8, 1.3)(*engine);
        };
    }
    auto policies = std::make_shared<std::vector<std::shared_ptr<HttpPolicy>>>();
    policies->push_back(std::make_shared<ClientRequestIdPolicy>());
    policies->push_back(std::make_shared<UserAgentPolicy>());
    policies->push_back(std::make_shared<RetryPolicy>(m_options.retry, m_options.clock, m_options.scheduler,
                                                      m_options.jitter, m_guard.get()));
    if (m_options.credential)
        policies->push_back(std::make_shared<BearerTokenPolicy>(m_options.credential, m_options.scopes,
                                                                m_options.tenantId, m_guard.get()));
    policies->push_back(std::make_shared<LoggingPolicy>());
    policies->push_back(std::make_shared<TransportPolicy>(m_transport, m_options.tryTimeout));
    m_policies = std::move(policies);
}

HttpPipeline::~HttpPipeline() = default;

std::shared_ptr<HttpPipeline> HttpPipeline::withScopes(QStringList scopes) const
{
    PipelineOptions options = m_options;
    options.scopes = std::move(scopes);
    return std::make_shared<HttpPipeline>(m_transport, std::move(options));
}

void HttpPipeline::send(HttpRequest request, QObject *context, ResponseCallback done) const
{
    QPointer<QObject> alive = context;
    const bool hasContext = context != nullptr;
    NextPolicy(m_policies, 0)(std::move(request), [alive, hasContext, done = std::move(done)](HttpResponse response) {
        if (hasContext && !alive)
            return;
        done(std::move(response));
    });
}

} // namespace cerulean::azure
