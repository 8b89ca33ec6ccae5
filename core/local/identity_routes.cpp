// Identity: the Entra ID token endpoint and the Microsoft Graph subset the service-principal
// step uses. Tokens come from client credentials (the built-in principal, applications made
// through Graph), from the device code grant, and from the refresh token a device code sign-in
// gives. A device code is approved only by someone who holds the built-in principal's secret
// (the sign-in page asks for it; `cerulean-cli login --approve` reads it from the keychain), so
// no other program on the computer can approve the code it asked for. Every token is issued
// for one resource (the audience each route checks, LocalService::admit).

#include "core/local/arm_internal.h"
#include "core/local/service.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUrlQuery>

namespace cerulean::local {

namespace {

const QString kApps = QStringLiteral("graph/applications");
const QString kPrincipals = QStringLiteral("graph/serviceprincipals");
const QString kDeviceCodeGrant = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");
// Easy to read aloud and to type: no 0/O or 1/I. 32 symbols, so a byte maps evenly.
constexpr char kUserCodeAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
constexpr int kUserCodeLength = 9;
constexpr int kUserCodeAttempts = 4;
constexpr std::chrono::seconds kThrottledRetryAfter{60};

ApiResponse aadError(int status, const char *error, int code, const QString &description)
{
    const QString traceId = newGuid();
    return ApiResponse::fromJson(status, Json{{"error", error},
                                              {"error_description",
                                               QStringLiteral("AADSTS%1: %2\r\nTrace ID: %3\r\nTimestamp: %4")
                                                   .arg(code)
                                                   .arg(description, traceId, isoNow())
                                                   .toStdString()},
                                              {"error_codes", Json::array({code})},
                                              {"timestamp", isoNow().toStdString()},
                                              {"trace_id", traceId.toStdString()},
                                              {"correlation_id", newGuid().toStdString()}});
}

ApiResponse missingParameter(const char *name)
{
    return aadError(400, "invalid_request", 900144,
                    QStringLiteral("The request body must contain the following parameter: '%1'.").arg(QLatin1String(name)));
}

QString formField(const QUrlQuery &form, const char *key)
{
    return form.queryItemValue(QString::fromLatin1(key), QUrl::FullyDecoded);
}

// An application/x-www-form-urlencoded body ('+' is a space).
QUrlQuery formOf(const QByteArray &body)
{
    // '+' becomes a space before the percent-decoding, so an encoded '+' (%2B) stays a '+'.
    QByteArray text = body;
    text.replace('+', "%20");
    return QUrlQuery(QString::fromUtf8(text));
}

// The resource a v2 scope list asks for, checked as Entra checks it: one resource, and one
// that exists here. "https://management.azure.com/.default offline_access" asks for ARM with
// a refresh token; "https://management.core.windows.net//.default" (Azure CLI's) for ARM too.
struct ScopeRequest
{
    QString resource;
    bool offlineAccess = false;
};

std::optional<ApiResponse> parseScope(const QString &scope, const QString &tenant, ScopeRequest *out)
{
    static const QStringList reserved{QStringLiteral("openid"), QStringLiteral("profile"), QStringLiteral("email"),
                                      QStringLiteral("offline_access")};
    static const QStringList known{Audience::management(),      Audience::managementClassic(), Audience::storage(),
                                   Audience::machineLearning(), Audience::graph(),             Audience::appInsights()};
    QStringList resources;
    for (const QString &item : scope.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (reserved.contains(item, Qt::CaseInsensitive)) {
            out->offlineAccess = out->offlineAccess || item.compare(QLatin1String("offline_access"), Qt::CaseInsensitive) == 0;
            continue;
        }
        // A bare permission ("User.Read") is Graph's; otherwise the resource is the scope up to
        // its last path segment (".default" or a permission).
        QString resource = Audience::graph();
        if (item.contains(QLatin1Char(':')) || item.contains(QLatin1Char('/'))) {
            const qsizetype scheme = item.indexOf(QLatin1String("://"));
            const qsizetype path = item.indexOf(QLatin1Char('/'), scheme >= 0 ? scheme + 3 : 0);
            resource = path < 0 ? item : item.left(item.lastIndexOf(QLatin1Char('/')));
        }
        while (resource.endsWith(QLatin1Char('/')))
            resource.chop(1);
        QString canonical;
        for (const QString &k : known)
            if (k.compare(resource, Qt::CaseInsensitive) == 0)
                canonical = k;
        if (canonical.isEmpty())
            return aadError(400, "invalid_resource", 500011,
                            QStringLiteral("The resource principal named %1 was not found in the tenant named %2. This "
                                           "can happen if the application has not been installed by the administrator "
                                           "of the tenant or consented to by any user in the tenant. You might have sent "
                                           "your authentication request to the wrong tenant.")
                                .arg(resource, tenant));
        if (!resources.contains(canonical))
            resources << canonical;
    }
    if (resources.size() > 1)
        return aadError(400, "invalid_scope", 28000,
                        QStringLiteral("Provided value for the input parameter scope is not valid because it contains "
                                       "more than one resource. Scope %1 is not valid.")
                            .arg(scope));
    out->resource = resources.isEmpty() ? Audience::graph() : resources.first();
    return std::nullopt;
}

QString newUserCode()
{
    QByteArray raw(kUserCodeLength, Qt::Uninitialized);
    for (char &c : raw)
        c = kUserCodeAlphabet[QRandomGenerator::system()->bounded(32)];
    return QString::fromLatin1(raw);
}

// What a person types: any case, with spaces or dashes.
QString normalizedUserCode(QString text)
{
    text.remove(QLatin1Char('-'));
    text.remove(QLatin1Char(' '));
    return text.trimmed().toUpper();
}

// The sign-in page: a form, or the outcome of one. It asks for a secret, so no cache, no
// frame and no form posted anywhere else.
ApiResponse devicePage(int status, const QString &title, const QString &paragraph, const QString &prefill, bool form)
{
    QString html = QStringLiteral("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%1</title>"
                                  "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto}"
                                  "label{display:block;margin-top:1em}input{font-size:1.1em;width:100%}</style>"
                                  "</head><body><h1>%1</h1><p>%2</p>")
                       .arg(title.toHtmlEscaped(), paragraph.toHtmlEscaped());
    if (form)
        html += QStringLiteral("<form method=\"post\" action=\"/devicelogin\">"
                               "<label>Code <input name=\"user_code\" value=\"%1\" autocomplete=\"off\" required></label>"
                               "<label>The local workspace's principal secret <input name=\"client_secret\" "
                               "type=\"password\" autocomplete=\"off\" required></label>"
                               "<p><button name=\"action\" value=\"approve\">Approve</button> "
                               "<button name=\"action\" value=\"deny\">Deny</button></p></form>")
                    .arg(prefill.toHtmlEscaped());
    html += QStringLiteral("</body></html>");
    ApiResponse r{status, {}, html.toUtf8()};
    r.setHeader("Content-Type", "text/html; charset=utf-8");
    r.setHeader("Cache-Control", "no-store");
    r.setHeader("X-Frame-Options", "DENY");
    r.setHeader("Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
    r.setHeader("Referrer-Policy", "no-referrer");
    return r;
}

ApiResponse graphError(int status, const char *code, const QString &message)
{
    return ApiResponse::fromJson(status, Json{{"error",
                                               {{"code", code},
                                                {"message", message.toStdString()},
                                                {"innerError", {{"date", isoNow().toStdString()},
                                                                {"request-id", newGuid().toStdString()}}}}}});
}

} // namespace

bool LocalService::isBuiltInPrincipalSecret(const QString &secret) const
{
    return !secret.isEmpty() &&
           constantTimeEquals(QCryptographicHash::hash(secret.toUtf8(), QCryptographicHash::Sha256), m_principalSecretHash);
}

bool LocalService::isDeviceLoginProof(const QString &proof, bool approve, const QString &userCode) const
{
    // proof = base64url(HMAC-SHA256(key: the secret, "devicelogin:approve|deny:USERCODE")), as
    // core/azure/sign_in.cpp computes it: it proves the secret without sending it, and is good
    // for that one decision on that one code (a code is decided once).
    if (proof.isEmpty() || userCode.isEmpty())
        return false;
    const QByteArray message = QStringLiteral("devicelogin:%1:%2")
                                   .arg(approve ? QLatin1String("approve") : QLatin1String("deny"), userCode)
                                   .toUtf8();
    const QByteArray expected = QMessageAuthenticationCode::hash(message, m_principal.clientSecret.toUtf8(), QCryptographicHash::Sha256)
                                    .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    return constantTimeEquals(proof.toLatin1(), expected);
}

bool LocalService::decideDeviceCode(const QString &userCode, bool approve)
{
    return m_store->decideDeviceCode(normalizedUserCode(userCode), approve);
}

ApiResponse LocalService::handleDeviceCode(const ApiRequest &request, const QString &tenant)
{
    if (tenant.compare(tenantId(), Qt::CaseInsensitive) != 0 && tenant != QLatin1String("organizations") &&
        tenant != QLatin1String("common"))
        return aadError(400, "invalid_request", 90002,
                        QStringLiteral("Tenant '%1' not found. Check to make sure you have the correct tenant ID.").arg(tenant));
    const QUrlQuery form = formOf(request.body);
    const QString clientId = formField(form, "client_id");
    const QString scope = formField(form, "scope");
    // Any client may ask (public clients such as Azure CLI are in no directory): the code is
    // worth nothing until the user approves it.
    if (clientId.isEmpty())
        return missingParameter("client_id");
    if (scope.isEmpty())
        return missingParameter("scope");
    ScopeRequest wanted;
    if (auto bad = parseScope(scope, tenant, &wanted))
        return std::move(*bad);

    const QString deviceCode = randomSecret(32);
    DeviceCode code;
    code.clientId = clientId;
    code.scope = scope;
    code.createdMs = Store::nowMs();
    code.expiresMs = code.createdMs + std::chrono::duration_cast<std::chrono::milliseconds>(m_options.deviceCodeLifetime).count();
    Store::AddDeviceCode added = Store::AddDeviceCode::UserCodeTaken;
    for (int attempt = 0; attempt < kUserCodeAttempts && added == Store::AddDeviceCode::UserCodeTaken; ++attempt) {
        code.userCode = newUserCode();
        added = m_store->addDeviceCode(deviceCode, code, m_options.maxPendingDeviceCodes);
    }
    if (added == Store::AddDeviceCode::Full) {
        // Every unauthenticated request would otherwise add a row: past the bound, ask to wait.
        ApiResponse r = aadError(429, "temporarily_unavailable", 90055,
                                 QStringLiteral("There are too many incoming requests: %1 sign-in codes are waiting for "
                                                "approval. Try again once some have been used or have expired.")
                                     .arg(m_options.maxPendingDeviceCodes));
        r.setHeader("Retry-After", QByteArray::number(static_cast<qint64>(kThrottledRetryAfter.count())));
        return r;
    }
    if (added != Store::AddDeviceCode::Added)
        return aadError(500, "server_error", 90033, QStringLiteral("The sign-in code could not be kept: %1").arg(m_store->lastError()));
    const QString base = linkBase(request);
    const QString verification = base + QStringLiteral("/devicelogin");
    const QString message =
        QStringLiteral("To sign in, open %1 and enter the code %2 with the local workspace's principal secret, or approve "
                       "it from the keychain: cerulean-cli login --approve %2 --authority %3 --tenant %4 --client-id %5")
            .arg(verification, code.userCode, base, tenantId(), m_principal.clientId);
    return ApiResponse::fromJson(200, Json{{"device_code", deviceCode.toStdString()},
                                           {"user_code", code.userCode.toStdString()},
                                           {"verification_uri", verification.toStdString()},
                                           {"expires_in", m_options.deviceCodeLifetime.count()},
                                           {"interval", m_options.deviceCodeInterval.count()},
                                           {"message", message.toStdString()}});
}

ApiResponse LocalService::handleToken(const ApiRequest &request, const QString &tenant)
{
    if (tenant.compare(tenantId(), Qt::CaseInsensitive) != 0 && tenant != QLatin1String("organizations") &&
        tenant != QLatin1String("common"))
        return aadError(400, "invalid_request", 90002,
                        QStringLiteral("Tenant '%1' not found. Check to make sure you have the correct tenant ID.").arg(tenant));
    const QUrlQuery form = formOf(request.body);
    const QString grant = formField(form, "grant_type");
    const QString clientId = formField(form, "client_id");
    QString scope = formField(form, "scope");
    if (grant.isEmpty())
        return missingParameter("grant_type");
    // Entra's device code redemption carries no scope: it was given with the code.
    if (scope.isEmpty() && grant != kDeviceCodeGrant)
        return missingParameter("scope");
    if (!scope.endsWith(QLatin1String("/.default")) && grant == QLatin1String("client_credentials"))
        return aadError(400, "invalid_scope", 1002012,
                        QStringLiteral("The provided value for scope %1 is not valid. Client credential flows must "
                                       "have a scope value with /.default suffixed to the resource identifier.")
                            .arg(scope));
    bool refresh = false;
    if (grant == kDeviceCodeGrant) {
        const QString deviceCode = formField(form, "device_code");
        if (deviceCode.isEmpty())
            return missingParameter("device_code");
        const std::optional<DeviceCode> code = m_store->deviceCode(deviceCode);
        if (!code || code->clientId != clientId)
            return aadError(400, "expired_token", 70020, QStringLiteral("The provided value for the input parameter "
                                                                       "'device_code' is not valid or has expired."));
        switch (code->state) {
        case DeviceCode::State::Pending:
            return aadError(400, "authorization_pending", 70016,
                            QStringLiteral("OAuth 2.0 device flow error. Authorization is pending. Continue polling."));
        case DeviceCode::State::Denied:
            return aadError(400, "authorization_declined", 65004, QStringLiteral("User declined to consent to access the app."));
        case DeviceCode::State::Redeemed:
            break;
        case DeviceCode::State::Approved:
            if (m_store->redeemDeviceCode(deviceCode)) {
                scope = code->scope;
                refresh = true;
            }
            break;
        }
        if (!refresh)
            return aadError(400, "invalid_grant", 54005,
                            QStringLiteral("OAuth2 device code was already redeemed, please retry with a new valid code or "
                                           "use an existing refresh token."));
        ScopeRequest asked;
        parseScope(scope, tenant, &asked);
        refresh = asked.offlineAccess;
    } else if (grant == QLatin1String("refresh_token")) {
        const QString token = formField(form, "refresh_token");
        if (token.isEmpty())
            return missingParameter("refresh_token");
        const std::optional<QString> owner = m_store->takeRefreshToken(token);
        if (!owner || *owner != clientId)
            return aadError(400, "invalid_grant", 70000,
                            QStringLiteral("The provided value for the input parameter 'refresh_token' or 'assertion' is "
                                           "not valid."));
        refresh = true; // refresh tokens are used once: the answer carries the next one
    } else if (grant == QLatin1String("client_credentials")) {
        const QString secret = formField(form, "client_secret");
        if (clientId.isEmpty())
            return missingParameter("client_id");
        if (secret.isEmpty())
            return aadError(401, "invalid_client", 7000216,
                            QStringLiteral("'client_assertion', 'client_secret' or 'request' is required for the "
                                           "'client_credentials' grant type."));
        // Secrets are compared as hashes, in constant time.
        bool known = clientId == m_principal.clientId;
        bool valid = known && isBuiltInPrincipalSecret(secret);
        bool expired = false;
        if (!known) {
            const QByteArray given = sha256Hex(secret).toLatin1();
            for (const StoredResource &app : m_store->byKindAndState(kApps, {})) {
                if (arm::q(app.doc, "appId") != clientId)
                    continue;
                known = true;
                for (const auto &cred : app.doc.value("_local", Json::object()).value("secrets", Json::array())) {
                    if (!constantTimeEquals(QByteArray::fromStdString(cred.value("hash", std::string())), given))
                        continue;
                    const QDateTime end = QDateTime::fromString(
                        QString::fromStdString(cred.value("endDateTime", std::string())), Qt::ISODateWithMs);
                    if (end.isValid() && end < QDateTime::currentDateTimeUtc())
                        expired = true;
                    else
                        valid = true;
                }
            }
        }
        if (!known)
            return aadError(400, "unauthorized_client", 700016,
                            QStringLiteral("Application with identifier '%1' was not found in the directory.").arg(clientId));
        if (expired && !valid)
            return aadError(401, "invalid_client", 7000222,
                            QStringLiteral("The provided client secret keys for app '%1' are expired. Visit the "
                                           "Azure portal to create new keys for your app.")
                                .arg(clientId));
        if (!valid)
            return aadError(401, "invalid_client", 7000215,
                            QStringLiteral("Invalid client secret provided. Ensure the secret being sent in the "
                                           "request is the client secret value, not the client secret ID, for a "
                                           "secret added to app '%1'.")
                                .arg(clientId));
    } else {
        return aadError(400, "unsupported_grant_type", 70003,
                        QStringLiteral("The app requested an unsupported grant type '%1'.").arg(grant));
    }
    ScopeRequest wanted;
    if (auto bad = parseScope(scope, tenant, &wanted))
        return std::move(*bad);
    const QString token = issueToken(wanted.resource);
    const qint64 lifetime = m_options.tokenLifetime.count();
    Json answer{{"token_type", "Bearer"},
                {"scope", scope.toStdString()},
                {"expires_in", lifetime},
                {"ext_expires_in", lifetime},
                {"access_token", token.toStdString()}};
    if (refresh) {
        const QString next = randomSecret(32);
        m_store->addRefreshToken(next, clientId, std::chrono::system_clock::now() + m_options.refreshTokenLifetime);
        answer["refresh_token"] = next.toStdString();
    }
    return ApiResponse::fromJson(200, answer);
}

ApiResponse LocalService::handleDeviceLogin(const ApiRequest &request)
{
    const QString title = QStringLiteral("Sign in to the local workspace");
    const bool json = request.header("Accept").contains("application/json");
    if (request.method == "GET" || request.method == "HEAD") {
        const QString prefill = normalizedUserCode(request.queryValue(QStringLiteral("code")));
        return devicePage(200, title,
                          QStringLiteral("A program asks to sign in to the local workspace with a code. Approve it only "
                                         "if you started that sign-in: enter its code and the local workspace's "
                                         "principal secret, which `cerulean-cli local-service` and Cerulean keep in "
                                         "your keychain."),
                          prefill, true);
    }
    if (request.method != "POST") {
        ApiResponse r = devicePage(405, title, QStringLiteral("The sign-in page takes GET and POST only."), {}, false);
        r.setHeader("Allow", "GET, HEAD, POST");
        return r;
    }
    const QUrlQuery form = formOf(request.body);
    const QString userCode = normalizedUserCode(formField(form, "user_code"));
    const QString action = formField(form, "action");
    const bool approve = action.isEmpty() || action == QLatin1String("approve");
    const auto answer = [&](int status, const char *code, const QString &message, const std::optional<DeviceCode> &device) {
        if (json) {
            Json body = status == 200 ? Json{{"userCode", device->userCode.toStdString()},
                                             {"clientId", device->clientId.toStdString()},
                                             {"scope", device->scope.toStdString()},
                                             {"status", approve ? "approved" : "denied"}}
                                      : Json{{"error", {{"code", code}, {"message", message.toStdString()}}}};
            ApiResponse r = ApiResponse::fromJson(status, body);
            r.setHeader("Cache-Control", "no-store");
            return r;
        }
        return devicePage(status, title, message, status == 200 ? QString() : userCode, status != 200);
    };
    if (action != QLatin1String("approve") && action != QLatin1String("deny") && !action.isEmpty())
        return answer(400, "BadRequest", QStringLiteral("'action' must be approve or deny."), std::nullopt);
    // The secret first (typed in the page, or proven by `cerulean-cli login --approve`, which
    // never sends it): without it nothing is said about any code.
    const QString proof = formField(form, "proof");
    if (proof.isEmpty() ? !isBuiltInPrincipalSecret(formField(form, "client_secret"))
                        : !isDeviceLoginProof(proof, approve, userCode))
        return answer(401, "InvalidSecret",
                      QStringLiteral("That is not the local workspace's principal secret; nothing was approved."), std::nullopt);
    const std::optional<DeviceCode> device = m_store->deviceCodeByUserCode(userCode);
    if (!device || device->state != DeviceCode::State::Pending || !m_store->decideDeviceCode(userCode, approve))
        return answer(400, "InvalidUserCode",
                      QStringLiteral("No sign-in waits for the code '%1': it expired, was approved or denied already, or "
                                     "was never given.")
                          .arg(userCode),
                      std::nullopt);
    return answer(200, nullptr,
                  approve ? QStringLiteral("Approved: %1 may now sign in with the code %2 (asked for %3).")
                                .arg(device->clientId, device->userCode, device->scope)
                          : QStringLiteral("Denied: the code %1 of %2 will not sign in.").arg(device->userCode, device->clientId),
                  device);
}

ApiResponse LocalService::handleGraph(const ApiRequest &request, const QString &subPath)
{
    const QStringList seg = subPath.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (seg.isEmpty())
        return graphError(400, "BadRequest", QStringLiteral("Resource not found for the segment ''."));
    const bool apps = seg[0] == QLatin1String("applications");
    const bool principals = seg[0] == QLatin1String("servicePrincipals");
    if (!apps && !principals)
        return graphError(400, "BadRequest", QStringLiteral("Resource not found for the segment '%1'.").arg(seg[0]));
    const QString kind = apps ? kApps : kPrincipals;
    const QString base = linkBase(request) + QStringLiteral("/graph/v1.0/");
    std::optional<Json> body;
    if (request.method == "POST" || request.method == "PATCH") {
        ApiResponse bad;
        body = parseJsonBody(request.body, &bad);
        if (!body)
            return graphError(400, "BadRequest", QStringLiteral("Unable to read JSON request payload."));
    }
    if (seg.size() == 1 && request.method == "GET") {
        // $filter=displayName eq 'x' / appId eq 'x'
        static const QRegularExpression filter(QStringLiteral("^\\s*(displayName|appId)\\s+eq\\s+'([^']*)'\\s*$"));
        const QString f = request.queryValue(QStringLiteral("$filter"));
        const auto m = filter.match(f);
        if (!f.isEmpty() && !m.hasMatch())
            return graphError(400, "Request_UnsupportedQuery",
                              QStringLiteral("Unsupported query: only \"displayName eq '…'\" and \"appId eq '…'\" filters."));
        Json value = Json::array();
        for (const StoredResource &r : m_store->byKindAndState(kind, {}))
            if (!m.hasMatch() || arm::q(r.doc, m.captured(1).toLatin1().constData()) == m.captured(2))
                value.push_back(publicView(r.doc));
        return ApiResponse::fromJson(200, Json{{"@odata.context", QString(base + QStringLiteral("$metadata#") + seg[0]).toStdString()},
                                               {"value", value}});
    }
    if (seg.size() == 1 && request.method == "POST") {
        StoredResource r;
        const QString id = newGuid();
        r.kind = kind;
        r.id = QStringLiteral("/graph/") + seg[0] + QLatin1Char('/') + id;
        r.name = id;
        r.state = QStringLiteral("Succeeded");
        if (apps) {
            const QString name = arm::jsonStr(*body, "displayName", QStringLiteral("displayName"));
            if (name.isEmpty())
                return graphError(400, "Request_BadRequest", QStringLiteral("Property 'displayName' is required."));
            r.doc = Json{{"id", id.toStdString()},
                         {"appId", newGuid().toStdString()},
                         {"displayName", name.toStdString()},
                         {"createdDateTime", isoNow().toStdString()},
                         {"signInAudience", body->value("signInAudience", std::string("AzureADMyOrg"))},
                         {"publisherDomain", "local.cerulean"},
                         {"keyCredentials", Json::array()},
                         {"passwordCredentials", Json::array()},
                         {"identifierUris", Json::array()},
                         {"tags", Json::array()}};
        } else {
            const QString appId = arm::jsonStr(*body, "appId", QStringLiteral("appId"));
            std::optional<StoredResource> app;
            for (const StoredResource &a : m_store->byKindAndState(kApps, {}))
                if (arm::q(a.doc, "appId") == appId)
                    app = a;
            if (!app)
                return graphError(400, "Request_BadRequest",
                                  QStringLiteral("The appId '%1' of the service principal does not reference a valid "
                                                 "application object.").arg(appId));
            for (const StoredResource &sp : m_store->byKindAndState(kPrincipals, {}))
                if (arm::q(sp.doc, "appId") == appId)
                    return graphError(409, "Request_MultipleObjectsWithSameKeyValue",
                                      QStringLiteral("The service principal for app '%1' already exists.").arg(appId));
            r.doc = Json{{"id", id.toStdString()},
                         {"appId", appId.toStdString()},
                         {"displayName", app->doc["displayName"]},
                         {"appDisplayName", app->doc["displayName"]},
                         {"accountEnabled", true},
                         {"servicePrincipalType", "Application"},
                         {"appOwnerOrganizationId", tenantId().toStdString()},
                         {"servicePrincipalNames", Json::array({appId.toStdString()})},
                         {"tags", Json::array()},
                         {"keyCredentials", Json::array()},
                         {"passwordCredentials", Json::array()}};
        }
        m_store->putResource(r);
        Json out = r.doc;
        out["@odata.context"] = QString(base + QStringLiteral("$metadata#") + seg[0] + QStringLiteral("/$entity")).toStdString();
        return ApiResponse::fromJson(201, out);
    }
    const QString objectId = QStringLiteral("/graph/") + seg[0] + QLatin1Char('/') + seg[1];
    const auto object = m_store->resource(objectId);
    if (!object)
        return graphError(404, "Request_ResourceNotFound",
                          QStringLiteral("Resource '%1' does not exist or one of its queried reference-property "
                                         "objects are not present.").arg(seg[1]));
    if (seg.size() == 2 && request.method == "GET")
        return ApiResponse::fromJson(200, publicView(object->doc));
    if (seg.size() == 2 && request.method == "DELETE") {
        m_store->deleteResource(objectId);
        return ApiResponse{204, {}, {}};
    }
    if (apps && seg.size() == 3 && seg[2] == QLatin1String("addPassword") && request.method == "POST") {
        const Json credential = arm::jsonObj(*body, "passwordCredential", QStringLiteral("passwordCredential"));
        const QString secret = randomSecret(30);
        const QString start = isoNow();
        QString end = arm::jsonStr(credential, "endDateTime", QStringLiteral("passwordCredential.endDateTime"));
        if (end.isEmpty())
            end = QDateTime::currentDateTimeUtc().addYears(2).toString(Qt::ISODateWithMs);
        if (!QDateTime::fromString(end, Qt::ISODateWithMs).isValid())
            return graphError(400, "Request_BadRequest",
                              QStringLiteral("'passwordCredential.endDateTime' is not a valid date-time."));
        const Json publicCred{{"customKeyIdentifier", nullptr},
                              {"displayName", credential.value("displayName", Json())},
                              {"endDateTime", end.toStdString()},
                              {"hint", secret.left(3).toStdString()},
                              {"keyId", newGuid().toStdString()},
                              {"startDateTime", start.toStdString()}};
        m_store->updateResource(objectId, [&](StoredResource &app) {
            app.doc["passwordCredentials"].push_back(publicCred);
            Json stored = publicCred;
            stored["hash"] = sha256Hex(secret).toStdString(); // the secret itself is never stored
            app.doc["_local"]["secrets"].push_back(stored);
            return true;
        });
        Json out = publicCred;
        out["secretText"] = secret.toStdString();
        out["@odata.context"] = QString(base + QStringLiteral("$metadata#microsoft.graph.passwordCredential")).toStdString();
        return ApiResponse::fromJson(200, out);
    }
    return graphError(405, "Request_BadRequest", QStringLiteral("Unsupported request on '%1'.").arg(subPath));
}

} // namespace cerulean::local
