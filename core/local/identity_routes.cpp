// Identity: the Entra ID token endpoint (client credentials for the built-in principal
// and for applications made through Graph; device code, approved at once on loopback),
// and the Microsoft Graph subset the service-principal step uses.

#include "core/local/arm_internal.h"
#include "core/local/service.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QUrlQuery>

namespace cerulean::local {

namespace {

const QString kApps = QStringLiteral("graph/applications");
const QString kPrincipals = QStringLiteral("graph/serviceprincipals");

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

ApiResponse graphError(int status, const char *code, const QString &message)
{
    return ApiResponse::fromJson(status, Json{{"error",
                                               {{"code", code},
                                                {"message", message.toStdString()},
                                                {"innerError", {{"date", isoNow().toStdString()},
                                                                {"request-id", newGuid().toStdString()}}}}}});
}

} // namespace

ApiResponse LocalService::handleToken(const ApiRequest &request, const QString &tenant, bool deviceCode)
{
    if (tenant.compare(tenantId(), Qt::CaseInsensitive) != 0 && tenant != QLatin1String("organizations") &&
        tenant != QLatin1String("common"))
        return aadError(400, "invalid_request", 90002,
                        QStringLiteral("Tenant '%1' not found. Check to make sure you have the correct tenant ID.").arg(tenant));
    const QUrlQuery form(QString::fromUtf8(request.body));
    const auto field = [&](const char *key) {
        return form.queryItemValue(QString::fromLatin1(key), QUrl::FullyDecoded).replace(QLatin1Char('+'), QLatin1Char(' '));
    };
    const QString scope = field("scope");
    const QString clientId = field("client_id");
    if (deviceCode) {
        // Loopback sign-in needs no second device: the code is approved when issued.
        if (clientId.isEmpty())
            return aadError(400, "invalid_request", 900144, QStringLiteral("The request body must contain the following parameter: 'client_id'."));
        const QString code = randomSecret(24);
        m_store->setSetting(QStringLiteral("devicecode.") + sha256Hex(code), QString::number(Store::nowMs() + 900000));
        const QString userCode = randomSecret(6).toUpper().left(8);
        const QString verification = linkBase(request) + QStringLiteral("/devicelogin");
        return ApiResponse::fromJson(200, Json{{"device_code", code.toStdString()},
                                               {"user_code", userCode.toStdString()},
                                               {"verification_uri", verification.toStdString()},
                                               {"expires_in", 900},
                                               {"interval", 1},
                                               {"message", QStringLiteral("The local workspace signs you in without a "
                                                                          "code; %1 is already approved.")
                                                               .arg(userCode)
                                                               .toStdString()}});
    }
    const QString grant = field("grant_type");
    if (grant.isEmpty())
        return aadError(400, "invalid_request", 900144,
                        QStringLiteral("The request body must contain the following parameter: 'grant_type'."));
    // Entra's device code redemption carries no scope: it was given with the code.
    if (scope.isEmpty() && grant != QLatin1String("urn:ietf:params:oauth:grant-type:device_code"))
        return aadError(400, "invalid_request", 900144,
                        QStringLiteral("The request body must contain the following parameter: 'scope'."));
    if (!scope.endsWith(QLatin1String("/.default")) && grant == QLatin1String("client_credentials"))
        return aadError(400, "invalid_scope", 1002012,
                        QStringLiteral("The provided value for scope %1 is not valid. Client credential flows must "
                                       "have a scope value with /.default suffixed to the resource identifier.")
                            .arg(scope));
    if (grant == QLatin1String("urn:ietf:params:oauth:grant-type:device_code")) {
        const QString key = QStringLiteral("devicecode.") + sha256Hex(field("device_code"));
        const auto expiry = m_store->setting(key);
        if (!expiry || expiry->toLongLong() < Store::nowMs())
            return aadError(400, "expired_token", 70020, QStringLiteral("The provided value for the input parameter "
                                                                       "'device_code' is not valid or has expired."));
        m_store->setSetting(key, QStringLiteral("0")); // one use
    } else if (grant == QLatin1String("client_credentials")) {
        const QString secret = field("client_secret");
        if (clientId.isEmpty())
            return aadError(400, "invalid_request", 900144,
                            QStringLiteral("The request body must contain the following parameter: 'client_id'."));
        if (secret.isEmpty())
            return aadError(401, "invalid_client", 7000216,
                            QStringLiteral("'client_assertion', 'client_secret' or 'request' is required for the "
                                           "'client_credentials' grant type."));
        bool known = clientId == m_principal.clientId;
        bool valid = known && secret == m_principal.clientSecret;
        bool expired = false;
        if (!known) {
            for (const StoredResource &app : m_store->byKindAndState(kApps, {})) {
                if (arm::q(app.doc, "appId") != clientId)
                    continue;
                known = true;
                for (const auto &cred : app.doc.value("_local", Json::object()).value("secrets", Json::array())) {
                    if (QString::fromStdString(cred.value("hash", std::string())) != sha256Hex(secret))
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
    const QString token = issueToken();
    const qint64 lifetime = m_options.tokenLifetime.count();
    return ApiResponse::fromJson(200, Json{{"token_type", "Bearer"},
                                           {"expires_in", lifetime},
                                           {"ext_expires_in", lifetime},
                                           {"access_token", token.toStdString()}});
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
