#pragma once

#include "core/azure/result.h"

#include <QObject>
#include <QStringList>

#include <chrono>
#include <functional>

namespace cerulean::azure {

struct AccessToken
{
    QString token;
    std::chrono::system_clock::time_point expiresOn;
};

struct TokenRequestContext
{
    QStringList scopes;
    QString tenantId;          // empty: the credential's own tenant
    bool forceRefresh = false; // after a 401: do not trust the cache
};

using TokenCallback = std::function<void(Result<AccessToken>)>;

// Something that can obtain an access token (client secret, device code, a test double).
class TokenCredential
{
public:
    virtual ~TokenCredential() = default;
    // Calls done once, on the event loop, unless context is destroyed first.
    virtual void getToken(const TokenRequestContext &request, QObject *context, TokenCallback done) = 0;
};

} // namespace cerulean::azure
