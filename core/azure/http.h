#pragma once

#include "core/azure/azure_error.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QUrl>


namespace cerulean::azure {

// Header list with case-insensitive lookup (HTTP header names are case-insensitive).
class HttpHeaders final
{
public:
    void set(const QByteArray &name, const QByteArray &value);
    void add(const QByteArray &name, const QByteArray &value);
    void remove(const QByteArray &name);
    QByteArray value(const QByteArray &name) const;
    bool contains(const QByteArray &name) const;
    const QList<QPair<QByteArray, QByteArray>> &all() const { return m_headers; }

private:
    QList<QPair<QByteArray, QByteArray>> m_headers;
};

struct HttpRequest
{
    QByteArray method = "GET";
    QUrl url;
    HttpHeaders headers;
    QByteArray body;
};

struct HttpResponse
{
    int status = 0; // 0: no HTTP answer (see transportError)
    HttpHeaders headers;
    QByteArray body;
    // Set when the transport failed (reset, refused, timeout): no status then.
    enum class Failure { None, Transport, Timeout, Canceled, Credential } failure = Failure::None;
    QString failureText;
    AzureError credentialError; // Failure::Credential: why no token could be had
    QString clientRequestId; // echoed from the request for error reports
    QUrl url;                // the URL that was asked

    bool isSuccess() const { return failure == Failure::None && status >= 200 && status < 300; }
};

} // namespace cerulean::azure
