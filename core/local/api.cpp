#include "core/local/api.h"

#include <QUrl>

namespace cerulean::local {

QByteArray ApiRequest::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

QString ApiRequest::queryValue(const QString &key) const
{
    return query.queryItemValue(key, QUrl::FullyDecoded);
}

void ApiResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &[key, old] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0) {
            old = value;
            return;
        }
    headers.append({name, value});
}

QByteArray ApiResponse::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

Json ApiResponse::json() const
{
    return Json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

ApiResponse ApiResponse::fromJson(int status, const Json &body)
{
    ApiResponse r;
    r.status = status;
    r.setHeader("Content-Type", "application/json; charset=utf-8");
    r.body = QByteArray::fromStdString(body.dump());
    return r;
}

ApiResponse ApiResponse::armError(int status, const QString &code, const QString &message, const Json &details)
{
    ApiResponse r = fromJson(status, Json{{"error",
                                           {{"code", code.toStdString()},
                                            {"message", message.toStdString()},
                                            {"details", details}}}});
    r.setHeader("x-ms-failure-cause", status >= 500 ? "service" : "gateway");
    return r;
}

ApiRequest makeRequest(const QByteArray &method, const QString &target, const QByteArray &body,
                       const HeaderList &headers)
{
    ApiRequest r;
    r.method = method;
    const qsizetype q = target.indexOf(QLatin1Char('?'));
    const QString rawPath = q < 0 ? target : target.left(q);
    r.path = QUrl::fromPercentEncoding(rawPath.toUtf8());
    if (q >= 0)
        r.query = QUrlQuery(target.mid(q + 1));
    r.headers = headers;
    r.body = body;
    return r;
}

} // namespace cerulean::local
