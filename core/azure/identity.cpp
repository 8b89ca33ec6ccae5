#include "core/azure/identity.h"

#include <QTimer>

#include <nlohmann/json.hpp>

namespace cerulean::azure {

using namespace std::chrono;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
TokenCache::TokenCache(std::shared_ptr<const Clock> clock) : m_clock(std::move(clock)) {}

QString TokenCache::key(const QString &tenant, const QStringList &scopes)
{
    QStringList sorted = scopes;
    sorted.sort();
    return tenant + QLatin1Char('|') + sorted.join(QLatin1Char(' '));
}

std::optional<AccessToken> TokenCache::find(const QString &tenant, const QStringList &scopes) const
{
    const auto it = m_tokens.constFind(key(tenant, scopes));
    if (it == m_tokens.constEnd() || it->expiresOn - m_clock->now() <= refreshMargin)
        return std::nullopt;
    return *it;
}

void TokenCache::store(const QString &tenant, const QStringList &scopes, const AccessToken &token)
{
    m_tokens.insert(key(tenant, scopes), token);
}

void TokenCache::invalidate(const QString &tenant, const QStringList &scopes)
{
    m_tokens.remove(key(tenant, scopes));
}

void TokenCache::clear()
{
    m_tokens.clear();
}

// ---------------------------------------------------------------------------------------------
QByteArray formEncode(const QList<std::pair<QString, QString>> &fields)
{
    QByteArray body;
    for (const auto &[name, value] : fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

Result<TokenResponse> parseTokenResponse(const QByteArray &body, system_clock::time_point now)
{
    const json doc = json::parse(body.constBegin(), body.constEnd(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return AzureError::invalidResponse(QStringLiteral("the token endpoint's answer is not a JSON object"));
    const auto token = doc.find("access_token");
    if (token == doc.end() || !token->is_string() || token->get<std::string>().empty())
        return AzureError::invalidResponse(QStringLiteral("the token endpoint's answer has no access_token"));
    seconds lifetime{3599};
    if (auto expires = doc.find("expires_in"); expires != doc.end()) {
        // Entra sends a number; some proxies send it as a string.
        if (expires->is_number_integer())
            lifetime = seconds(expires->get<long long>());
        else if (expires->is_string())
            lifetime = seconds(QString::fromStdString(expires->get<std::string>()).toLongLong());
    }
    TokenResponse response;
    response.accessToken.token = QString::fromStdString(token->get<std::string>());
    response.accessToken.expiresOn = now + lifetime;
    if (auto refresh = doc.find("refresh_token"); refresh != doc.end() && refresh->is_string())
        response.refreshToken = QString::fromStdString(refresh->get<std::string>());
    return response;
}

namespace {

HttpRequest formPost(const QUrl &url, const QByteArray &body)
{
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers.set("Content-Type", "application/x-www-form-urlencoded");
    request.headers.set("Accept", "application/json");
    request.body = body;
    return request;
}

void deliver(const QPointer<QObject> &context, bool hadContext, const TokenCallback &done, const Result<AccessToken> &result)
{
    if (hadContext && !context)
        return;
    done(result);
}

} // namespace

// ---------------------------------------------------------------------------------------------
ClientSecretCredential::ClientSecretCredential(Cloud cloud, QString tenantId, QString clientId, QString clientSecret,
                                               std::shared_ptr<HttpPipeline> tokenPipeline)
    : m_cloud(std::move(cloud)), m_tenantId(std::move(tenantId)), m_clientId(std::move(clientId)),
      m_clientSecret(std::move(clientSecret)), m_pipeline(std::move(tokenPipeline)),
      m_cache(m_pipeline->options().clock), m_guard(std::make_unique<QObject>())
{
}

ClientSecretCredential::~ClientSecretCredential() = default;

void ClientSecretCredential::getToken(const TokenRequestContext &request, QObject *context, TokenCallback done)
{
    const QString tenant = request.tenantId.isEmpty() ? m_tenantId : request.tenantId;
    const QStringList scopes = request.scopes;
    QPointer<QObject> alive = context;
    const bool hadContext = context != nullptr;
    if (request.forceRefresh) {
        m_cache.invalidate(tenant, scopes);
    } else if (auto cached = m_cache.find(tenant, scopes)) {
        // Answer asynchronously, like every other path.
        QTimer::singleShot(0, m_guard.get(), [alive, hadContext, done, token = *cached]() {
            deliver(alive, hadContext, done, token);
        });
        return;
    }
    QStringList sortedScopes = scopes;
    sortedScopes.sort();
    const QString key = tenant + QLatin1Char('|') + sortedScopes.join(QLatin1Char(' '));
    auto &waiting = m_waiting[key];
    waiting.append({alive, [hadContext, alive, done](Result<AccessToken> result) { deliver(alive, hadContext, done, result); }});
    if (waiting.size() > 1)
        return; // a request for this key is already on its way

    const QByteArray body = formEncode({{QStringLiteral("client_id"), m_clientId},
                                        {QStringLiteral("scope"), scopes.join(QLatin1Char(' '))},
                                        {QStringLiteral("client_secret"), m_clientSecret},
                                        {QStringLiteral("grant_type"), QStringLiteral("client_credentials")}});
    m_pipeline->send(formPost(m_cloud.tokenUrl(tenant), body), m_guard.get(),
                     [this, key, tenant, scopes](HttpResponse response) {
                         Result<AccessToken> result = AzureError{};
                         if (!response.isSuccess()) {
                             result = AzureError::fromResponse(response);
                         } else if (auto parsed = parseTokenResponse(response.body, m_pipeline->options().clock->now())) {
                             m_cache.store(tenant, scopes, parsed->accessToken);
                             result = parsed->accessToken;
                         } else {
                             result = parsed.error();
                         }
                         const auto callbacks = m_waiting.take(key);
                         for (const auto &[ctx, callback] : callbacks)
                             callback(result);
                     });
}

// ---------------------------------------------------------------------------------------------
struct DeviceCodeCredential::Flow
{
    QString tenant;
    QStringList scopes;
    QString deviceCode;
    seconds interval{5};
    system_clock::time_point expiresAt;
    QPointer<QObject> context;
    bool hadContext = false;
    TokenCallback done;
    bool finished = false;
};

DeviceCodeCredential::DeviceCodeCredential(Cloud cloud, QString tenantId, QString clientId,
                                           std::shared_ptr<HttpPipeline> tokenPipeline, Prompt prompt)
    : m_cloud(std::move(cloud)), m_tenantId(std::move(tenantId)), m_clientId(std::move(clientId)),
      m_pipeline(std::move(tokenPipeline)), m_prompt(std::move(prompt)), m_cache(m_pipeline->options().clock),
      m_guard(std::make_unique<QObject>())
{
}

DeviceCodeCredential::~DeviceCodeCredential() = default;

void DeviceCodeCredential::finish(const std::shared_ptr<Flow> &flow, Result<AccessToken> result)
{
    if (flow->finished)
        return;
    flow->finished = true;
    std::erase(m_flows, flow);
    deliver(flow->context, flow->hadContext, flow->done, result);
}

void DeviceCodeCredential::cancel()
{
    const auto flows = m_flows;
    for (const auto &flow : flows)
        finish(flow, AzureError::canceled());
}

void DeviceCodeCredential::getToken(const TokenRequestContext &request, QObject *context, TokenCallback done)
{
    auto flow = std::make_shared<Flow>();
    flow->tenant = request.tenantId.isEmpty() ? m_tenantId : request.tenantId;
    flow->scopes = request.scopes;
    flow->context = context;
    flow->hadContext = context != nullptr;
    flow->done = std::move(done);
    m_flows.push_back(flow);

    if (request.forceRefresh) {
        m_cache.invalidate(flow->tenant, flow->scopes);
    } else if (auto cached = m_cache.find(flow->tenant, flow->scopes)) {
        QTimer::singleShot(0, m_guard.get(), [this, flow, token = *cached]() { finish(flow, token); });
        return;
    }

    QStringList scopes = flow->scopes;
    scopes << QStringLiteral("offline_access");
    auto startDeviceCode = [this, flow, scopes]() {
        const QByteArray body = formEncode({{QStringLiteral("client_id"), m_clientId},
                                            {QStringLiteral("scope"), scopes.join(QLatin1Char(' '))}});
        m_pipeline->send(formPost(m_cloud.deviceCodeUrl(flow->tenant), body), m_guard.get(), [this, flow](HttpResponse response) {
            if (flow->finished)
                return;
            if (!response.isSuccess()) {
                finish(flow, AzureError::fromResponse(response));
                return;
            }
            const json doc = json::parse(response.body.constBegin(), response.body.constEnd(), nullptr, false);
            if (!doc.is_object() || !doc.contains("device_code") || !doc["device_code"].is_string()
                || !doc.contains("user_code") || !doc["user_code"].is_string()) {
                finish(flow, AzureError::invalidResponse(
                                 QStringLiteral("the device authorization answer has no device_code or user_code")));
                return;
            }
            DeviceCodeInfo info;
            info.userCode = QString::fromStdString(doc["user_code"].get<std::string>());
            info.verificationUri = QUrl(QString::fromStdString(doc.value("verification_uri", std::string())));
            info.message = QString::fromStdString(doc.value("message", std::string()));
            if (doc.contains("expires_in") && doc["expires_in"].is_number_integer())
                info.expiresIn = seconds(doc["expires_in"].get<long long>());
            if (doc.contains("interval") && doc["interval"].is_number_integer())
                info.interval = seconds(std::max<long long>(1, doc["interval"].get<long long>()));
            flow->deviceCode = QString::fromStdString(doc["device_code"].get<std::string>());
            flow->interval = info.interval;
            flow->expiresAt = m_pipeline->options().clock->now() + info.expiresIn;
            if (m_prompt)
                m_prompt(info);
            m_pipeline->options().scheduler->schedule(flow->interval, m_guard.get(), [this, flow]() { poll(flow); });
        });
    };

    if (m_refreshToken.isEmpty()) {
        startDeviceCode();
        return;
    }
    // Signed in already: trade the refresh token for this scope instead of asking again.
    const QByteArray body = formEncode({{QStringLiteral("client_id"), m_clientId},
                                        {QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
                                        {QStringLiteral("refresh_token"), m_refreshToken},
                                        {QStringLiteral("scope"), scopes.join(QLatin1Char(' '))}});
    m_pipeline->send(formPost(m_cloud.tokenUrl(flow->tenant), body), m_guard.get(),
                     [this, flow, startDeviceCode](HttpResponse response) {
                         if (flow->finished)
                             return;
                         auto parsed = response.isSuccess()
                                           ? parseTokenResponse(response.body, m_pipeline->options().clock->now())
                                           : Result<TokenResponse>(AzureError::fromResponse(response));
                         if (!parsed) {
                             m_refreshToken.clear();
                             startDeviceCode();
                             return;
                         }
                         if (!parsed->refreshToken.isEmpty())
                             m_refreshToken = parsed->refreshToken;
                         m_cache.store(flow->tenant, flow->scopes, parsed->accessToken);
                         finish(flow, parsed->accessToken);
                     });
}

void DeviceCodeCredential::poll(const std::shared_ptr<Flow> &flow)
{
    if (flow->finished)
        return;
    if (m_pipeline->options().clock->now() >= flow->expiresAt) {
        AzureError error;
        error.kind = ErrorKind::Authentication;
        error.code = QStringLiteral("expired_token");
        error.message = QStringLiteral("the sign-in code expired before it was entered");
        error.action = actionFor(0, error.code, {});
        finish(flow, error);
        return;
    }
    const QByteArray body = formEncode({{QStringLiteral("grant_type"), QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")},
                                        {QStringLiteral("client_id"), m_clientId},
                                        {QStringLiteral("device_code"), flow->deviceCode}});
    m_pipeline->send(formPost(m_cloud.tokenUrl(flow->tenant), body), m_guard.get(), [this, flow](HttpResponse response) {
        if (flow->finished)
            return;
        if (response.isSuccess()) {
            auto parsed = parseTokenResponse(response.body, m_pipeline->options().clock->now());
            if (!parsed) {
                finish(flow, parsed.error());
                return;
            }
            if (!parsed->refreshToken.isEmpty())
                m_refreshToken = parsed->refreshToken;
            m_cache.store(flow->tenant, flow->scopes, parsed->accessToken);
            finish(flow, parsed->accessToken);
            return;
        }
        AzureError error = AzureError::fromResponse(response);
        if (error.code == QLatin1String("authorization_pending") || error.code == QLatin1String("slow_down")) {
            if (error.code == QLatin1String("slow_down"))
                flow->interval += slowDownIncrement;
            m_pipeline->options().scheduler->schedule(flow->interval, m_guard.get(), [this, flow]() { poll(flow); });
            return;
        }
        error.kind = ErrorKind::Authentication;
        finish(flow, error);
    });
}

} // namespace cerulean::azure
