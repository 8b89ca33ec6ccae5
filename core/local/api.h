#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include <utility>

namespace cerulean::local {

using Json = nlohmann::json;
using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

// One request to the local workspace service, independent of the socket it came on, so
// the routes can be unit-tested as plain functions.
struct ApiRequest
{
    QByteArray method;  // "GET", "PUT", ...
    QString path;       // percent-decoded path, e.g. "/subscriptions/…"
    QUrlQuery query;
    HeaderList headers; // names as sent; header() compares case-insensitively
    QByteArray body;
    // A body the HTTP server streamed to disk instead (blob uploads): the routes that take one
    // move the file where it belongs; it is removed after the response otherwise.
    QString bodyFile;
    // Came over the HTTPS listener: links in the reply say https, and the Host's port is
    // checked against that listener's.
    bool secure = false;

    QByteArray header(const QByteArray &name) const;
    QString queryValue(const QString &key) const; // fully decoded, "" when absent
    bool hasQuery(const QString &key) const { return query.hasQueryItem(key); }
};

struct ApiResponse
{
    int status = 200;
    HeaderList headers;
    QByteArray body;

    void setHeader(const QByteArray &name, const QByteArray &value);
    QByteArray header(const QByteArray &name) const;
    Json json() const; // the body parsed; discarded JSON when it is not JSON

    static ApiResponse fromJson(int status, const Json &body);
    // ARM's error body {"error":{"code","message","details":[]}}.
    static ApiResponse armError(int status, const QString &code, const QString &message,
                                const Json &details = Json::array());
};

// Builds a request from a URL string such as "/subscriptions/x?api-version=…" (tests, server).
ApiRequest makeRequest(const QByteArray &method, const QString &target, const QByteArray &body = {},
                       const HeaderList &headers = {});

} // namespace cerulean::local
