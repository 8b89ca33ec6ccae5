#pragma once

#include <QList>
#include <QString>

namespace cerulean::azure {

struct HttpResponse;

// One entry of ARM's error.details (or Graph's innerError list).
struct ErrorDetail
{
    QString code;
    QString message;
    QString target;
};

enum class ErrorKind
{
    None,
    Transport,       // connection refused / reset, DNS, TLS
    Timeout,         // a try took longer than the per-try timeout
    Http,            // the service answered with an error status
    Authentication,  // the token endpoint refused the credential
    InvalidResponse, // a reply we could not read
    InvalidInput,    // a request we refuse to send (bad name, missing field)
    Canceled,
    NotFound,        // a secret that does not exist: not in the keychain, or an endpoint without keys
    Keychain,        // the secret service failed
};

// The one error type of core/azure: what the service said, where, and what to do about it.
struct AzureError
{
    ErrorKind kind = ErrorKind::None;
    int httpStatus = 0;
    QString code;       // ARM error.code, Entra error ("invalid_client"), Graph error.code
    QString message;    // the service's message, as sent
    QList<ErrorDetail> details;
    QString aadstsCode; // "AADSTS7000222" when the token endpoint sent one
    QString requestId;  // x-ms-request-id (or Entra's trace id)
    QString clientRequestId;
    QString action;     // a sentence a person can act on

    bool isError() const { return kind != ErrorKind::None; }

    // "HTTP 409 Conflict (code): message — action [request id …]"
    QString toString() const;

    static AzureError fromResponse(const HttpResponse &response);
    static AzureError transport(const QString &what, const QString &clientRequestId = {});
    static AzureError timeout(const QString &what, const QString &clientRequestId = {});
    static AzureError invalidResponse(const QString &what);
    static AzureError invalidInput(const QString &what);
    static AzureError canceled();
};

// The actionable sentence for a status / code / AADSTS triple (exposed for tests and the UI).
QString actionFor(int httpStatus, const QString &code, const QString &aadstsCode);

} // namespace cerulean::azure
