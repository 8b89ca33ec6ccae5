#pragma once

#include "core/azure/azure_error.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <memory>

namespace cerulean::azure {
class HttpPipeline;
class HttpTransport;
} // namespace cerulean::azure

namespace cerulean::ui {

// The answer to one request to an endpoint.
struct EndpointReply
{
    quint64 generation = 0;
    int status = 0;                         // 0: no HTTP answer (see error)
    std::chrono::microseconds latency{0};   // from send to the whole reply
    QByteArray body;
    azure::AzureError error;                // set for transport failures and non-2xx replies
    bool ok() const { return !error.isError(); }
};

// Sends the Consume and Swagger pages' requests to a scoring endpoint through core/azure's
// pipeline (the only sender), with the key as "Authorization: Bearer". No retries: the page
// shows what the endpoint answered and how long it took. Each call returns a generation;
// only the reply to the newest call of each kind is delivered, older ones are dropped.
class EndpointClient final : public QObject
{
    Q_OBJECT

public:
    explicit EndpointClient(std::shared_ptr<azure::HttpTransport> transport, QObject *parent = nullptr);
    ~EndpointClient() override;

    quint64 score(const QUrl &scoringUri, const QString &key, const QByteArray &body);
    quint64 fetchSwagger(const QUrl &swaggerUri, const QString &key);

Q_SIGNALS:
    void scored(const cerulean::ui::EndpointReply &reply);
    void swaggerFetched(const cerulean::ui::EndpointReply &reply);

private:
    std::unique_ptr<azure::HttpPipeline> m_pipeline;
    quint64 m_scoreGeneration = 0;
    quint64 m_swaggerGeneration = 0;
};

} // namespace cerulean::ui
