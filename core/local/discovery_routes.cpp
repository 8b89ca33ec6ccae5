// Discovery: the documents a client reads before it has a token, public on Azure as here.
// ARM's cloud metadata (`az cloud register` reads it), Entra ID's OpenID configuration per
// tenant and its instance discovery (MSAL reads them before it asks for a token), and the
// same configuration in ADFS's place (see handleDiscovery). Every endpoint they name is this
// service, reached the way the request came (scheme, host and port).

#include "core/local/arm_internal.h"
#include "core/local/service.h"

#include <QUrl>

namespace cerulean::local {

namespace {

// Azure's own resource identifiers, which tokens are requested for: the local workspace
// answers the same scopes as Azure, so a client needs no local-only scope.
const char *const kArmAudiences[] = {"https://management.core.windows.net/", "https://management.azure.com/"};

QStringList segmentsOf(const ApiRequest &request)
{
    return request.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

bool isOpenIdConfiguration(const QStringList &seg)
{
    // /{tenant}/v2.0/.well-known/openid-configuration and /adfs/.well-known/openid-configuration
    const bool entra = seg.size() == 4 && seg[1] == QLatin1String("v2.0") && seg[2] == QLatin1String(".well-known")
                       && seg[3] == QLatin1String("openid-configuration");
    const bool adfs = seg.size() == 3 && seg[0] == QLatin1String("adfs") && seg[1] == QLatin1String(".well-known")
                      && seg[2] == QLatin1String("openid-configuration");
    return entra || adfs;
}

ApiResponse entraError(int status, const char *error, int code, const QString &description)
{
    return ApiResponse::fromJson(status, Json{{"error", error},
                                              {"error_description",
                                               QStringLiteral("AADSTS%1: %2\r\nTrace ID: %3\r\nTimestamp: %4")
                                                   .arg(code)
                                                   .arg(description, newGuid(), isoNow())
                                                   .toStdString()},
                                              {"error_codes", Json::array({code})},
                                              {"timestamp", isoNow().toStdString()},
                                              {"trace_id", newGuid().toStdString()},
                                              {"correlation_id", newGuid().toStdString()}});
}

} // namespace

bool LocalService::isDiscoveryRequest(const ApiRequest &request)
{
    if (request.method != "GET")
        return false;
    const QStringList seg = segmentsOf(request);
    const bool metadata = seg.size() == 2 && seg[0] == QLatin1String("metadata") && seg[1] == QLatin1String("endpoints");
    const bool instances = seg.size() == 3 && seg[1] == QLatin1String("discovery") && seg[2] == QLatin1String("instance");
    const bool keys = seg.size() == 4 && seg[1] == QLatin1String("discovery") && seg[2] == QLatin1String("v2.0")
                      && seg[3] == QLatin1String("keys");
    return metadata || instances || keys || isOpenIdConfiguration(seg);
}

// MSAL (and so `az login`) sends a sign-in at any authority host but Microsoft's own through
// instance discovery at login.microsoftonline.com first, which knows nothing of a loopback
// service; an ADFS authority (…/adfs) it discovers at the host itself, as for Azure Stack Hub.
// So the cloud metadata names {base}/adfs as the login endpoint, and its configuration leads
// to the same token endpoint as the tenant's. Clients that can skip instance discovery (MSAL's
// instance_discovery=False, azure-identity's disable_instance_discovery) use {base}/{tenant}.
ApiResponse LocalService::handleDiscovery(const ApiRequest &request)
{
    const QStringList seg = segmentsOf(request);
    const QString base = linkBase(request);
    const std::string b = base.toStdString();
    const std::string tenant = tenantId().toStdString();

    if (seg[0] == QLatin1String("metadata")) {
        const QString version = request.queryValue(QStringLiteral("api-version"));
        const Json audiences = Json::array({kArmAudiences[0], kArmAudiences[1]});
        const std::string login = b + "/adfs";
        if (version == QLatin1String("2015-01-01") || version == QLatin1String("2018-01-01"))
            return ApiResponse::fromJson(200, Json{{"galleryEndpoint", b + "/"},
                                                   {"graphEndpoint", b + "/graph/"},
                                                   {"portalEndpoint", b + "/"},
                                                   {"authentication", {{"loginEndpoint", login}, {"audiences", audiences}}}});
        if (version == QLatin1String("2019-05-01") || version == QLatin1String("2020-06-01")
            || version == QLatin1String("2022-09-01"))
            return ApiResponse::fromJson(
                200, Json::array({Json{{"name", "CeruleanLocal"},
                                       {"portal", b + "/"},
                                       {"resourceManager", b + "/"},
                                       {"gallery", b + "/"},
                                       {"graph", b + "/graph/"},
                                       {"graphAudience", b + "/graph/"},
                                       {"microsoftGraphResourceId", b + "/graph/"},
                                       {"authentication",
                                        {{"loginEndpoint", login},
                                         {"audiences", audiences},
                                         {"tenant", "adfs"},
                                         {"identityProvider", "ADFS"}}},
                                       // {account}.blob.localhost, as the host-style blob names
                                       {"suffixes", {{"storage", "localhost"}}}}}));
        return ApiResponse::armError(400, QStringLiteral("InvalidApiVersionParameter"),
                                     QStringLiteral("The api-version '%1' is invalid. The supported versions are "
                                                    "'2022-09-01,2020-06-01,2019-05-01,2018-01-01,2015-01-01'.")
                                         .arg(version));
    }

    const bool adfs = seg[0] == QLatin1String("adfs");
    const QString asked = adfs ? tenantId() : seg[0];
    const bool shared = asked == QLatin1String("common") || asked == QLatin1String("organizations");
    if (!shared && asked.compare(tenantId(), Qt::CaseInsensitive) != 0)
        return entraError(400, "invalid_tenant", 90002,
                          QStringLiteral("Tenant '%1' not found. Check to make sure you have the correct tenant ID "
                                         "and are signing into the correct cloud.")
                              .arg(asked));
    const std::string t = asked.toStdString();

    if (seg[1] == QLatin1String("discovery") && seg.size() == 4) // the token signing keys: tokens here are opaque
        return ApiResponse::fromJson(200, Json{{"keys", Json::array()}});

    if (seg[1] == QLatin1String("discovery")) {
        // Instance discovery: only this service's own authority is one it knows.
        const QUrl asking(request.queryValue(QStringLiteral("authorization_endpoint")));
        const QUrl self(base);
        if (!asking.isValid() || asking.host().compare(self.host(), Qt::CaseInsensitive) != 0
            || asking.port(443) != self.port(443))
            return entraError(400, "invalid_instance", 50049, QStringLiteral("Unknown or invalid instance."));
        const std::string host = self.authority().toStdString();
        return ApiResponse::fromJson(
            200, Json{{"tenant_discovery_endpoint", b + "/" + t + "/v2.0/.well-known/openid-configuration"},
                      {"api-version", "1.1"},
                      {"metadata", Json::array({Json{{"preferred_network", host},
                                                     {"preferred_cache", host},
                                                     {"aliases", Json::array({host})}}})}});
    }

    // The OpenID configuration, in Entra ID v2.0's shape. For "common" and "organizations" the
    // issuer keeps Entra's {tenantid} placeholder.
    const std::string issuer = adfs ? b + "/adfs" : b + "/" + (shared ? std::string("{tenantid}") : tenant) + "/v2.0";
    const std::string oauth = b + "/" + t + "/oauth2/v2.0/";
    return ApiResponse::fromJson(
        200, Json{{"token_endpoint", oauth + "token"},
                  {"token_endpoint_auth_methods_supported", {"client_secret_post", "client_secret_basic"}},
                  {"jwks_uri", b + "/" + t + "/discovery/v2.0/keys"},
                  {"response_modes_supported", {"query", "fragment", "form_post"}},
                  {"subject_types_supported", {"pairwise"}},
                  {"id_token_signing_alg_values_supported", {"RS256"}},
                  {"response_types_supported", {"code", "id_token", "code id_token", "id_token token"}},
                  {"scopes_supported", {"openid", "profile", "email", "offline_access"}},
                  {"issuer", issuer},
                  {"request_uri_parameter_supported", false},
                  {"authorization_endpoint", oauth + "authorize"},
                  {"device_authorization_endpoint", oauth + "devicecode"},
                  {"http_logout_supported", true},
                  {"frontchannel_logout_supported", true},
                  {"end_session_endpoint", oauth + "logout"},
                  {"claims_supported", {"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "appid"}},
                  {"tenant_region_scope", nullptr},
                  {"cloud_instance_name", QUrl(base).host().toStdString()},
                  {"cloud_graph_host_name", QUrl(base).authority().toStdString()},
                  {"msgraph_host", QUrl(base).authority().toStdString()}});
}

} // namespace cerulean::local
