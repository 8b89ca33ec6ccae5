#include "tests/azure/fake_server.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <sys/socket.h>

namespace cerulean::azure::test {

FakeServer::FakeServer(QObject *parent) : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FakeServer::onConnection);
    m_server.listen(QHostAddress::LocalHost, 0);
}

QUrl FakeServer::base() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
}

int FakeServer::countFor(const QByteArray &pathPrefix) const
{
    int count = 0;
    for (const Request &request : requests)
        count += request.target.startsWith(pathPrefix) ? 1 : 0;
    return count;
}

FakeServer::Reply FakeServer::json(int status, const QByteArray &body, QList<QPair<QByteArray, QByteArray>> headers)
{
    Reply reply;
    reply.status = status;
    reply.body = body;
    headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
    reply.headers = std::move(headers);
    return reply;
}

FakeServer::Reply FakeServer::reset()
{
    Reply reply;
    reply.action = Reply::Action::Reset;
    return reply;
}

FakeServer::Reply FakeServer::hang()
{
    Reply reply;
    reply.action = Reply::Action::Hang;
    return reply;
}

void FakeServer::onConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer]() {
            buffer->append(socket->readAll());
            const qsizetype headerEnd = buffer->indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            Request request;
            const QList<QByteArray> lines = buffer->left(headerEnd).split('\n');
            const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
            request.method = requestLine.value(0);
            request.target = requestLine.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    request.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
            }
            const qsizetype length = request.headers.value("content-length", "0").toLongLong();
            if (buffer->size() < headerEnd + 4 + length)
                return;
            request.body = buffer->mid(headerEnd + 4, length);
            buffer->remove(0, headerEnd + 4 + length);
            requests.append(request);
            const Reply reply = handler ? handler(request) : json(404, "{}");
            if (reply.action == Reply::Action::Hang)
                return;
            if (reply.action == Reply::Action::Reset) {
                // Half a status line, then a TCP RST (SO_LINGER 0), as a dropped connection
                // does. Sending some bytes first keeps Qt from silently resending the
                // request itself, so the pipeline's own retry is what the test sees.
                socket->write("HTTP/1.1 200 OK\r\nContent-Le");
                socket->flush();
                QPointer<QTcpSocket> alive = socket;
                QTimer::singleShot(20, this, [alive]() {
                    QTcpSocket *target = alive.data();
                    if (!target)
                        return;
                    const linger hard{1, 0};
                    ::setsockopt(static_cast<int>(target->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
                    target->abort();
                });
                return;
            }
            QByteArray out = "HTTP/1.1 " + QByteArray::number(reply.status) + " Status\r\n";
            for (const auto &[name, value] : reply.headers)
                out += name + ": " + value + "\r\n";
            out += "Content-Length: " + QByteArray::number(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
            out += reply.body;
            QPointer<QTcpSocket> alive = socket;
            QTimer::singleShot(reply.delayMs, this, [alive, out]() {
                QTcpSocket *target = alive.data();
                if (!target || target->state() != QAbstractSocket::ConnectedState)
                    return;
                target->write(out);
                target->disconnectFromHost();
            });
        });
    }
}

} // namespace cerulean::azure::test
