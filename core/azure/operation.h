#pragma once

#include "core/azure/pipeline.h"
#include "core/azure/result.h"

#include <QObject>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace cerulean::azure {

enum class OperationState { NotStarted, Running, Succeeded, Failed, Canceled };

QString toString(OperationState state);

struct OperationOptions
{
    // Used when the service sends no Retry-After.
    std::chrono::milliseconds defaultPollInterval{5000};
    // DELETE: a 404 means the resource is already gone, which is what was asked.
    bool notFoundIsDone = true;
};

// Long-running ARM work (PUT/PATCH/DELETE/POST answered 201/202): polls Azure-AsyncOperation
// when given, else Location, else the resource's provisioningState; paces by Retry-After. A PUT
// or PATCH ends with a GET of the resource; a DELETE or POST that also named a Location reads
// it once the status says Succeeded, as Azure's own clients do.
// States: NotStarted -> Running -> Succeeded | Failed | Canceled.
class OperationBase : public QObject
{
    Q_OBJECT

public:
    ~OperationBase() override;

    OperationState state() const { return m_state; }
    bool isDone() const;
    // The error for Failed (with the service's details) and Canceled.
    const AzureError &error() const { return m_error; }
    // The last status the service reported ("InProgress", "Creating", …).
    const QString &status() const { return m_status; }
    int pollCount() const { return m_polls; }

    // Sends the initial request. Call once.
    void start();
    // Stops polling; the operation ends Canceled. The service-side work is not undone.
    void cancel();

Q_SIGNALS:
    void stateChanged(cerulean::azure::OperationState state, const QString &status);
    void finished();

protected:
    OperationBase(std::shared_ptr<const HttpPipeline> pipeline, HttpRequest initial, OperationOptions options,
                  QObject *parent);
    // Parses the final resource body; an error makes the operation Failed.
    virtual std::optional<AzureError> acceptFinalBody(const QByteArray &body) = 0;

private:
    enum class Mode { AsyncOperation, Location, Resource };
    void onInitial(const HttpResponse &response);
    void schedulePoll(const HttpResponse &last);
    void poll();
    void onPoll(const HttpResponse &response);
    void finalGet(const QUrl &url);
    void succeed(const QByteArray &body);
    void fail(AzureError error);
    void setState(OperationState state);

    std::shared_ptr<const HttpPipeline> m_pipeline;
    HttpRequest m_initial;
    OperationOptions m_options;
    OperationState m_state = OperationState::NotStarted;
    AzureError m_error;
    QString m_status;
    Mode m_mode = Mode::Resource;
    QUrl m_pollUrl;
    QUrl m_location; // for DELETE and POST: where the result is read after the async operation
    int m_polls = 0;
};

// An Operation with its typed result (the resource as ARM returns it at the end).
template <class T>
class Operation final : public OperationBase
{
public:
    using Parser = std::function<Result<T>(const QByteArray &body)>;

    Operation(std::shared_ptr<const HttpPipeline> pipeline, HttpRequest initial, Parser parser,
              OperationOptions options = {}, QObject *parent = nullptr)
        : OperationBase(std::move(pipeline), std::move(initial), options, parent), m_parser(std::move(parser))
    {
    }

    // Valid when state() == Succeeded.
    const std::optional<T> &value() const { return m_value; }

protected:
    std::optional<AzureError> acceptFinalBody(const QByteArray &body) override
    {
        Result<T> parsed = m_parser(body);
        if (!parsed)
            return parsed.error();
        m_value = std::move(parsed).value();
        return std::nullopt;
    }

private:
    Parser m_parser;
    std::optional<T> m_value;
};

// The terminal values of provisioningState / Azure-AsyncOperation status.
bool isTerminalStatus(const QString &status);

} // namespace cerulean::azure
