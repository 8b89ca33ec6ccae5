#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPair>
#include <QTcpServer>
#include <QUrl>

#include <functional>

namespace cerulean::azure::test {

// A loopback HTTP/1.1 server that injects faults: each request is answered by a handler
// that may reply, reset the connection, reply late, or never reply.
class FakeServer final : public QObject
{
    Q_OBJECT

public:
    struct Request
    {
        QByteArray method;
        QByteArray target; // path and query
        QMap<QByteArray, QByteArray> headers; // lower-case names
        QByteArray body;
    };
    struct Reply
    {
        enum class Action { Respond, Reset, Hang } action = Action::Respond;
        int status = 200;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        int delayMs = 0;
    };
    using Handler = std::function<Reply(const Request &)>;

    explicit FakeServer(QObject *parent = nullptr);
    QUrl base() const;

    Handler handler;
    QList<Request> requests;
    int countFor(const QByteArray &pathPrefix) const;

    static Reply json(int status, const QByteArray &body, QList<QPair<QByteArray, QByteArray>> headers = {});
    static Reply reset();
    static Reply hang();

private:
    void onConnection();
    QTcpServer m_server;
};

} // namespace cerulean::azure::test
