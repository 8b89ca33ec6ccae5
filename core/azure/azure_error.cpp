#include "core/azure/azure_error.h"

#include "core/azure/http.h"

#include <QRegularExpression>
#include <QXmlStreamReader>

#include <nlohmann/json.hpp>

namespace cerulean::azure {

namespace {

using nlohmann::json;

QString str(const json &object, const char *key)
{
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

QString reasonPhrase(int status)
{
    switch (status) {
    case 400: return QStringLiteral("Bad Request");
    case 401: return QStringLiteral("Unauthorized");
    case 403: return QStringLiteral("Forbidden");
    case 404: return QStringLiteral("Not Found");
    case 408: return QStringLiteral("Request Timeout");
    case 409: return QStringLiteral("Conflict");
    case 412: return QStringLiteral("Precondition Failed");
    case 429: return QStringLiteral("Too Many Requests");
    case 500: return QStringLiteral("Internal Server Error");
    case 502: return QStringLiteral("Bad Gateway");
    case 503: return QStringLiteral("Service Unavailable");
    case 504: return QStringLiteral("Gateway Timeout");
    default: return {};
    }
}

void readJsonError(AzureError &error, const QByteArray &body)
{
    const json doc = json::parse(body.constBegin(), body.constEnd(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return;
    const auto errorIt = doc.find("error");
    if (errorIt == doc.end())
        return;
    if (errorIt->is_string()) {
        // Entra ID (OAuth 2) shape: error, error_description, error_codes, trace_id.
        error.code = QString::fromStdString(errorIt->get<std::string>());
        error.message = str(doc, "error_description");
        static const QRegularExpression aadsts(QStringLiteral("AADSTS\\d+"));
        const auto match = aadsts.match(error.message);
        if (match.hasMatch()) {
            error.aadstsCode = match.captured(0);
        } else if (auto codes = doc.find("error_codes"); codes != doc.end() && codes->is_array()
                                                          && !codes->empty() && codes->front().is_number_integer()) {
            error.aadstsCode = QStringLiteral("AADSTS%1").arg(codes->front().get<long long>());
        }
        // Keep the first line only: the rest are trace/correlation ids and a timestamp.
        error.message = error.message.section(QLatin1Char('\r'), 0, 0).section(QLatin1Char('\n'), 0, 0);
        if (error.requestId.isEmpty())
            error.requestId = str(doc, "trace_id");
        return;
    }
    if (errorIt->is_object()) {
        // ARM / Graph / ML shape: error.code, error.message, error.details[].
        error.code = str(*errorIt, "code");
        error.message = str(*errorIt, "message");
        if (auto details = errorIt->find("details"); details != errorIt->end() && details->is_array()) {
            for (const json &detail : *details)
                error.details.append({str(detail, "code"), str(detail, "message"), str(detail, "target")});
        }
    }
}

void readXmlError(AzureError &error, const QByteArray &body)
{
    // Blob storage: <Error><Code>…</Code><Message>…</Message></Error>
    QXmlStreamReader xml(body);
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == QLatin1String("Code"))
            error.code = xml.readElementText();
        else if (xml.name() == QLatin1String("Message"))
            error.message = xml.readElementText().section(QLatin1Char('\n'), 0, 0);
    }
}

} // namespace

QString actionFor(int httpStatus, const QString &code, const QString &aadstsCode)
{
    if (aadstsCode == QLatin1String("AADSTS7000222"))
        return QStringLiteral("The client secret has expired: create a new secret for the application "
                              "(Azure portal > App registrations > Certificates & secrets, or "
                              "'az ad app credential reset --id <client-id>') and sign in again with "
                              "'cerulean-cli login'.");
    if (aadstsCode == QLatin1String("AADSTS7000215"))
        return QStringLiteral("The client secret is wrong: use the secret's Value (not its Secret ID) "
                              "and sign in again with 'cerulean-cli login'.");
    if (aadstsCode == QLatin1String("AADSTS700016"))
        return QStringLiteral("No application with this client ID exists in the tenant: check the client ID "
                              "and the tenant, or register the application first.");
    if (aadstsCode == QLatin1String("AADSTS90002") || aadstsCode == QLatin1String("AADSTS900023"))
        return QStringLiteral("The tenant was not found: check the tenant ID or domain name.");
    if (aadstsCode == QLatin1String("AADSTS70011"))
        return QStringLiteral("The requested scope is not valid for this cloud: check the authority and "
                              "the resource you sign in for.");
    if (code == QLatin1String("invalid_client"))
        return QStringLiteral("The service principal's credentials were refused: check the tenant, the "
                              "client ID and the secret, then sign in again with 'cerulean-cli login'.");
    if (code == QLatin1String("unauthorized_client"))
        return QStringLiteral("The application may not use this sign-in flow: enable 'Allow public client "
                              "flows' for device code, or use a client secret.");
    if (code == QLatin1String("expired_token"))
        return QStringLiteral("The sign-in code expired before it was entered: start the sign-in again.");
    if (code == QLatin1String("authorization_declined"))
        return QStringLiteral("The sign-in was declined in the browser: start it again and approve it.");
    if (code == QLatin1String("MissingSubscriptionRegistration"))
        return QStringLiteral("The subscription is not registered for this resource provider: run "
                              "'az provider register --namespace Microsoft.MachineLearningServices' "
                              "(and Microsoft.Storage, Microsoft.KeyVault, Microsoft.Insights) and retry.");
    if (code == QLatin1String("AuthorizationFailed") || httpStatus == 403)
        return QStringLiteral("The signed-in identity has no role that allows this: ask an owner to "
                              "assign Contributor or AzureML Data Scientist on the workspace or its "
                              "resource group, then retry.");
    if (code == QLatin1String("InvalidAuthenticationToken") || code == QLatin1String("ExpiredAuthenticationToken")
        || httpStatus == 401)
        return QStringLiteral("The access token was refused: sign in again ('cerulean-cli login'); if it "
                              "keeps failing check that the tenant owns the subscription.");
    if (httpStatus == 404 || code == QLatin1String("ResourceNotFound")
        || code == QLatin1String("ResourceGroupNotFound"))
        return QStringLiteral("Not found: check the subscription, resource group and resource names.");
    if (httpStatus == 409)
        return QStringLiteral("Conflict: another operation is changing this resource, or it already exists "
                              "with different settings. Wait for that operation to finish (or pick another "
                              "name) and retry.");
    if (httpStatus == 429)
        return QStringLiteral("Azure is throttling the requests: wait a minute and retry.");
    if (httpStatus == 400)
        return QStringLiteral("The service refused the request as invalid: read the message and details, "
                              "correct the named field and retry.");
    if (httpStatus >= 500)
        return QStringLiteral("The service had a problem on its side: retry later; quote the request id if "
                              "you contact support.");
    return {};
}

QString AzureError::toString() const
{
    QString text;
    if (httpStatus > 0) {
        text = QStringLiteral("HTTP %1").arg(httpStatus);
        const QString reason = reasonPhrase(httpStatus);
        if (!reason.isEmpty())
            text += QLatin1Char(' ') + reason;
    }
    if (!code.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + QLatin1Char('(') + code + QLatin1Char(')');
    if (!message.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral(": ")) + message;
    for (const ErrorDetail &detail : details)
        text += QStringLiteral("\n  - %1%2%3").arg(detail.code, detail.code.isEmpty() ? QString() : QStringLiteral(": "),
                                                   detail.message);
    if (!action.isEmpty())
        text += QStringLiteral("\n") + action;
    if (!requestId.isEmpty() || !clientRequestId.isEmpty())
        text += QStringLiteral("\n[request id %1, client request id %2]")
                    .arg(requestId.isEmpty() ? QStringLiteral("-") : requestId,
                         clientRequestId.isEmpty() ? QStringLiteral("-") : clientRequestId);
    return text;
}

AzureError AzureError::fromResponse(const HttpResponse &response)
{
    if (response.failure == HttpResponse::Failure::Credential)
        return response.credentialError;
    if (response.failure == HttpResponse::Failure::Timeout)
        return timeout(response.failureText, response.clientRequestId);
    if (response.failure == HttpResponse::Failure::Canceled) {
        AzureError error = canceled();
        error.clientRequestId = response.clientRequestId;
        return error;
    }
    if (response.failure == HttpResponse::Failure::Transport)
        return transport(response.failureText, response.clientRequestId);

    AzureError error;
    error.kind = ErrorKind::Http;
    error.httpStatus = response.status;
    error.requestId = QString::fromLatin1(response.headers.value("x-ms-request-id"));
    error.clientRequestId = QString::fromLatin1(response.headers.value("x-ms-client-request-id"));
    if (error.clientRequestId.isEmpty())
        error.clientRequestId = response.clientRequestId;
    const QByteArray contentType = response.headers.value("content-type").toLower();
    if (contentType.contains("xml") || response.body.trimmed().startsWith('<'))
        readXmlError(error, response.body);
    else
        readJsonError(error, response.body);
    if (!error.aadstsCode.isEmpty() || error.code == QLatin1String("invalid_client")
        || error.code == QLatin1String("unauthorized_client") || error.code == QLatin1String("invalid_grant"))
        error.kind = ErrorKind::Authentication;
    if (error.message.isEmpty() && error.code.isEmpty())
        error.message = QString::fromUtf8(response.body.left(200)).simplified();
    error.action = actionFor(error.httpStatus, error.code, error.aadstsCode);
    return error;
}

AzureError AzureError::transport(const QString &what, const QString &clientRequestId)
{
    AzureError error;
    error.kind = ErrorKind::Transport;
    error.message = what;
    error.clientRequestId = clientRequestId;
    error.action = QStringLiteral("Could not talk to the service: check the network connection, proxy "
                                  "settings and that the address is right, then retry.");
    return error;
}

AzureError AzureError::timeout(const QString &what, const QString &clientRequestId)
{
    AzureError error;
    error.kind = ErrorKind::Timeout;
    error.message = what;
    error.clientRequestId = clientRequestId;
    error.action = QStringLiteral("The service did not answer in time: check the network and retry; "
                                  "raise the timeout for slow links.");
    return error;
}

AzureError AzureError::invalidResponse(const QString &what)
{
    AzureError error;
    error.kind = ErrorKind::InvalidResponse;
    error.message = what;
    return error;
}

AzureError AzureError::invalidInput(const QString &what)
{
    AzureError error;
    error.kind = ErrorKind::InvalidInput;
    error.message = what;
    return error;
}

AzureError AzureError::canceled()
{
    AzureError error;
    error.kind = ErrorKind::Canceled;
    error.message = QStringLiteral("canceled");
    return error;
}

} // namespace cerulean::azure
