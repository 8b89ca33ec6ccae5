#include "ui/models/endpoint_client.h"

#include "core/azure/pipeline.h"

#include <QElapsedTimer>

namespace cerulean::ui {

namespace {

azure::PipelineOptions scoringOptions()
{
    azure::PipelineOptions options;
    options.retry.maxRetries = 0; // a retried request would hide the endpoint's answer and latency
    options.tryTimeout = std::chrono::seconds(60);
    return options;
}

azure::HttpRequest makeRequest(const QByteArray &method, const QUrl &url, const QString &key)
{
    azure::HttpRequest request;
    request.method = method;
    request.url = url;
    if (!key.isEmpty())
        request.headers.set("Authorization", "Bearer " + key.toUtf8());
    request.headers.set("Accept", "application/json");
    return request;
}

EndpointReply toReply(quint64 generation, const azure::HttpResponse &response, qint64 elapsedNs)
{
    EndpointReply reply;
    reply.generation = generation;
    reply.status = response.status;
    reply.latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(elapsedNs));
    reply.body = response.body;
    if (!response.isSuccess())
        reply.error = azure::AzureError::fromResponse(response);
    return reply;
}

} // namespace

EndpointClient::EndpointClient(std::shared_ptr<azure::HttpTransport> transport, QObject *parent)
    : QObject(parent)
    , m_pipeline(std::make_unique<azure::HttpPipeline>(std::move(transport), scoringOptions()))
{
}

EndpointClient::~EndpointClient() = default;

quint64 EndpointClient::score(const QUrl &scoringUri, const QString &key, const QByteArray &body)
{
    const quint64 generation = ++m_scoreGeneration;
    azure::HttpRequest request = makeRequest("POST", scoringUri, key);
    request.headers.set("Content-Type", "application/json");
    request.body = body;
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_pipeline->send(std::move(request), this, [this, generation, timer](const azure::HttpResponse &response) {
        if (generation != m_scoreGeneration)
            return; // a newer request was sent: this reply is stale
        Q_EMIT scored(toReply(generation, response, timer->nsecsElapsed()));
    });
    return generation;
}

quint64 EndpointClient::fetchSwagger(const QUrl &swaggerUri, const QString &key)
{
    const quint64 generation = ++m_swaggerGeneration;
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_pipeline->send(makeRequest("GET", swaggerUri, key), this,
                     [this, generation, timer](const azure::HttpResponse &response) {
                         if (generation != m_swaggerGeneration)
                             return;
                         Q_EMIT swaggerFetched(toReply(generation, response, timer->nsecsElapsed()));
                     });
    return generation;
}

} // namespace cerulean::ui
