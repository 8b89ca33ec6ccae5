#pragma once

#include "core/azure/cloud.h"
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
    // Used when the service sends no Retry-After, which is always on Azure ML (no answer in the
    // recorded traffic carries one): Azure's own ARM clients then wait 30 s between polls
    // (azure-mgmt-core's ARMPolling timeout=30, the Az PowerShell modules' "?? 30").
    std::chrono::milliseconds defaultPollInterval{30'000};
    // DELETE: a 404 means the resource is already gone, which is what was asked.
    bool notFoundIsDone = true;

    // The pace for a cloud: Azure's as above; the local workspace finishes its work in
    // moments, so a short interval keeps the CLI and the app from idling between polls.
    static OperationOptions forCloud(const Cloud &cloud);
};

// What a running operation has told so far, for a progress line while it polls.
struct OperationProgress
{
    OperationState state = OperationState::NotStarted;
    QString status;                               // the service's last word ("Creating", "Updating")
    std::chrono::milliseconds elapsed{0};         // since start(), on the pipeline's clock
    int polls = 0;                                // status requests made so far
    std::chrono::milliseconds nextPollIn{-1};     // the wait before the next poll; -1: none planned
    std::chrono::milliseconds serviceTimeout{-1}; // x-ms-async-operation-timeout; -1: not sent
    std::optional<double> percentComplete;        // when the service reports more than 0
};

// "Updating, 2 min 30 s so far (5 checks); next check in 30 s; Azure allows up to 30 min";
// once done, "Succeeded after 7 min 30 s (15 checks)".
QString describe(const OperationProgress &progress);
// An ISO 8601 duration as ARM sends them (PT30M, PT1H30M, P1DT2H, PT0.5S); nullopt if it is not one.
std::optional<std::chrono::milliseconds> parseIsoDuration(const QString &text);

// Long-running ARM work (PUT/PATCH/DELETE/POST answered 201/202): polls Azure-AsyncOperation
// when given, else Location, else the resource's provisioningState; paces by Retry-After (the
// default interval otherwise). A PUT or PATCH ends with a GET of the resource; a DELETE or
// POST that also named a Location reads it once the status says Succeeded, as Azure's own
// clients do. States: NotStarted -> Running -> Succeeded | Failed | Canceled.
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
    OperationProgress progress() const;

    // Sends the initial request. Call once.
    void start();
    // Stops polling; the operation ends Canceled. The service-side work is not undone.
    void cancel();

Q_SIGNALS:
    // When the state or the service's status changes.
    void stateChanged(cerulean::azure::OperationState state, const QString &status);
    // After the first answer and after every poll (and once more at the end), so that a long
    // wait shows its time and the service's last word.
    void progressed(const cerulean::azure::OperationProgress &progress);
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
    void setStatus(const QString &status);
    void report(std::chrono::milliseconds nextPollIn);

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
    std::chrono::system_clock::time_point m_startedAt;
    std::chrono::milliseconds m_nextPollIn{-1};
    std::chrono::milliseconds m_serviceTimeout{-1};
    std::optional<double> m_percentComplete;
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
