#include "core/azure/transport.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace cerulean::azure {

QtNetworkTransport::QtNetworkTransport()
{
    // Redirects are answers the pipeline reads itself (LRO Location headers are on 202s).
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

QtNetworkTransport::~QtNetworkTransport() = default;

void QtNetworkTransport::send(const HttpRequest &request, std::chrono::milliseconds timeout, ResponseCallback done)
{
    QNetworkRequest networkRequest(request.url);
    for (const auto &[name, value] : request.headers.all())
        networkRequest.setRawHeader(name, value);
    networkRequest.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    QNetworkReply *reply = m_network.sendCustomRequest(networkRequest, request.method, request.body);

    auto timedOut = std::make_shared<bool>(false);
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, reply, [reply, timedOut]() {
        *timedOut = true;
        reply->abort();
    });
    timer->start(timeout);

    QObject::connect(reply, &QNetworkReply::finished, reply, [reply, timedOut, timeout, done = std::move(done)]() {
        HttpResponse response;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (*timedOut) {
            response.failure = HttpResponse::Failure::Timeout;
            response.failureText = QStringLiteral("no answer from %1 within %2 ms")
                                       .arg(reply->url().host()).arg(timeout.count());
        } else if (!status.isValid() || status.toInt() == 0
                   || (reply->error() > QNetworkReply::NoError && reply->error() < QNetworkReply::ContentAccessDenied)) {
            // Connection-level failures (refused, reset, DNS, TLS, proxy) even if a status line
            // arrived before the connection broke: the body cannot be trusted.
            response.failure = HttpResponse::Failure::Transport;
            response.failureText = QStringLiteral("%1 (%2)").arg(reply->errorString()).arg(int(reply->error()));
        } else {
            response.status = status.toInt();
            for (const auto &[name, value] : reply->rawHeaderPairs())
                response.headers.add(name, value);
            response.body = reply->readAll();
        }
        reply->deleteLater();
        done(std::move(response));
    });
}

} // namespace cerulean::azure
