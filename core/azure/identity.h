#pragma once

#include "core/azure/cloud.h"
#include "core/azure/credential.h"
#include "core/azure/pipeline.h"

#include <QHash>
#include <QUrl>

#include <chrono>
#include <memory>
#include <optional>

namespace cerulean::azure {

// Access tokens per (tenant, scopes); a token counts as valid while more than
// refreshMargin remains, so callers refresh before ARM starts refusing it.
class TokenCache final
{
public:
    static constexpr std::chrono::minutes refreshMargin{2};

    explicit TokenCache(std::shared_ptr<const Clock> clock);
    std::optional<AccessToken> find(const QString &tenant, const QStringList &scopes) const;
    void store(const QString &tenant, const QStringList &scopes, const AccessToken &token);
    void invalidate(const QString &tenant, const QStringList &scopes);
    void clear();

private:
    static QString key(const QString &tenant, const QStringList &scopes);
    std::shared_ptr<const Clock> m_clock;
    QHash<QString, AccessToken> m_tokens;
};

// Parses a token endpoint's 200 body ({access_token, expires_in, refresh_token?}).
struct TokenResponse
{
    AccessToken accessToken;
    QString refreshToken;
};
Result<TokenResponse> parseTokenResponse(const QByteArray &body, std::chrono::system_clock::time_point now);

// A service principal with a client secret: the Entra v2 client-credentials grant.
class ClientSecretCredential final : public TokenCredential
{
public:
    // tokenPipeline: a pipeline without a credential (the token endpoint takes none).
    ClientSecretCredential(Cloud cloud, QString tenantId, QString clientId, QString clientSecret,
                           std::shared_ptr<HttpPipeline> tokenPipeline);
    ~ClientSecretCredential() override;

    void getToken(const TokenRequestContext &request, QObject *context, TokenCallback done) override;

    const QString &tenantId() const { return m_tenantId; }
    const QString &clientId() const { return m_clientId; }
    const Cloud &cloud() const { return m_cloud; }

private:
    Cloud m_cloud;
    QString m_tenantId;
    QString m_clientId;
    QString m_clientSecret;
    std::shared_ptr<HttpPipeline> m_pipeline;
    TokenCache m_cache;
    // Concurrent requests for one scope share one token request.
    QHash<QString, QList<std::pair<QPointer<QObject>, TokenCallback>>> m_waiting;
    std::unique_ptr<QObject> m_guard;
};

// What to tell the user while the device code flow waits for them.
struct DeviceCodeInfo
{
    QString userCode;
    QUrl verificationUri;
    QString message;
    std::chrono::seconds expiresIn{900};
    std::chrono::seconds interval{5};
};

// A person signing in on another device: the OAuth 2 device authorization grant. Polls
// at the server's interval, +5 s on slow_down; stops on expired_token,
// authorization_declined, or when expires_in has passed. A refresh token, when issued,
// gets tokens for other scopes without asking again.
class DeviceCodeCredential final : public TokenCredential
{
public:
    using Prompt = std::function<void(const DeviceCodeInfo &)>;
    DeviceCodeCredential(Cloud cloud, QString tenantId, QString clientId, std::shared_ptr<HttpPipeline> tokenPipeline,
                         Prompt prompt);
    ~DeviceCodeCredential() override;

    void getToken(const TokenRequestContext &request, QObject *context, TokenCallback done) override;
    // Stops a sign-in that waits for the user; its callback gets a Canceled error.
    void cancel();

    static constexpr std::chrono::seconds slowDownIncrement{5};

private:
    struct Flow;
    void poll(const std::shared_ptr<Flow> &flow);
    void finish(const std::shared_ptr<Flow> &flow, Result<AccessToken> result);

    Cloud m_cloud;
    QString m_tenantId;
    QString m_clientId;
    std::shared_ptr<HttpPipeline> m_pipeline;
    Prompt m_prompt;
    TokenCache m_cache;
    QString m_refreshToken;
    std::unique_ptr<QObject> m_guard;
    std::vector<std::shared_ptr<Flow>> m_flows;
};

// Form-encodes key/value pairs (application/x-www-form-urlencoded).
QByteArray formEncode(const QList<std::pair<QString, QString>> &fields);

} // namespace cerulean::azure
