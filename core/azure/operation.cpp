#include "core/azure/operation.h"

#include <nlohmann/json.hpp>

namespace cerulean::azure {

using namespace std::chrono;
using nlohmann::json;

QString toString(OperationState state)
{
    switch (state) {
    case OperationState::NotStarted: return QStringLiteral("NotStarted");
    case OperationState::Running: return QStringLiteral("Running");
    case OperationState::Succeeded: return QStringLiteral("Succeeded");
    case OperationState::Failed: return QStringLiteral("Failed");
    case OperationState::Canceled: return QStringLiteral("Canceled");
    }
    return {};
}

bool isTerminalStatus(const QString &status)
{
    return status.compare(QLatin1String("Succeeded"), Qt::CaseInsensitive) == 0
        || status.compare(QLatin1String("Failed"), Qt::CaseInsensitive) == 0
        || status.compare(QLatin1String("Canceled"), Qt::CaseInsensitive) == 0
        || status.compare(QLatin1String("Cancelled"), Qt::CaseInsensitive) == 0;
}

namespace {

json parseObject(const QByteArray &body)
{
    json doc = json::parse(body.constBegin(), body.constEnd(), nullptr, false);
    return doc.is_object() ? doc : json::object();
}

QString stringAt(const json &doc, std::initializer_list<const char *> path)
{
    const json *node = &doc;
    for (const char *key : path) {
        if (!node->is_object() || !node->contains(key))
            return {};
        node = &(*node)[key];
    }
    return node->is_string() ? QString::fromStdString(node->get<std::string>()) : QString();
}

QString provisioningState(const json &doc)
{
    QString state = stringAt(doc, {"properties", "provisioningState"});
    return state.isEmpty() ? stringAt(doc, {"provisioningState"}) : state;
}

// The error of a Failed operation status / resource: {"error": {code, message, details}}.
AzureError operationError(const HttpResponse &response, const QString &status)
{
    HttpResponse copy = response;
    AzureError error = AzureError::fromResponse(copy);
    error.kind = ErrorKind::Http;
    if (error.code.isEmpty() && error.message.isEmpty()) {
        const json doc = parseObject(response.body);
        error.code = stringAt(doc, {"properties", "error", "code"});
        error.message = stringAt(doc, {"properties", "error", "message"});
    }
    if (error.message.isEmpty())
        error.message = QStringLiteral("the operation ended %1").arg(status);
    if (error.code.isEmpty())
        error.code = status;
    if (error.action.isEmpty() || response.isSuccess())
        error.action = QStringLiteral("The operation ended %1: read the details above, correct the named setting "
                                      "and start it again.").arg(status);
    return error;
}

bool isStatus(const QString &status, const char *expected)
{
    return status.compare(QLatin1String(expected), Qt::CaseInsensitive) == 0;
}

} // namespace

OperationBase::OperationBase(std::shared_ptr<const HttpPipeline> pipeline, HttpRequest initial, OperationOptions options,
                             QObject *parent)
    : QObject(parent), m_pipeline(std::move(pipeline)), m_initial(std::move(initial)), m_options(options)
{
}

OperationBase::~OperationBase() = default;

bool OperationBase::isDone() const
{
    return m_state == OperationState::Succeeded || m_state == OperationState::Failed
        || m_state == OperationState::Canceled;
}

void OperationBase::setState(OperationState state)
{
    m_state = state;
    Q_EMIT stateChanged(state, m_status);
    if (isDone())
        Q_EMIT finished();
}

void OperationBase::start()
{
    if (m_state != OperationState::NotStarted)
        return;
    setState(OperationState::Running);
    m_pipeline->send(m_initial, this, [this](const HttpResponse &response) { onInitial(response); });
}

void OperationBase::cancel()
{
    if (isDone())
        return;
    m_error = AzureError::canceled();
    m_status = QStringLiteral("Canceled");
    setState(OperationState::Canceled);
}

void OperationBase::fail(AzureError error)
{
    if (isDone())
        return;
    m_error = std::move(error);
    setState(isStatus(m_status, "Canceled") || isStatus(m_status, "Cancelled") ? OperationState::Canceled
                                                                               : OperationState::Failed);
}

void OperationBase::succeed(const QByteArray &body)
{
    if (isDone())
        return;
    if (auto error = acceptFinalBody(body)) {
        m_status = QStringLiteral("Failed");
        m_error = *error;
        setState(OperationState::Failed);
        return;
    }
    m_status = QStringLiteral("Succeeded");
    setState(OperationState::Succeeded);
}

void OperationBase::onInitial(const HttpResponse &response)
{
    if (isDone())
        return;
    const bool isDelete = m_initial.method == "DELETE";
    if (!response.isSuccess()) {
        if (isDelete && response.status == 404 && m_options.notFoundIsDone) {
            succeed({});
            return;
        }
        fail(AzureError::fromResponse(response));
        return;
    }
    // Relative URLs (some examples send "example_location") resolve against the request.
    const auto headerUrl = [&](const char *name) {
        const QByteArray value = response.headers.value(name).trimmed();
        return value.isEmpty() ? QUrl() : m_initial.url.resolved(QUrl(QString::fromLatin1(value)));
    };
    const QUrl asyncOperation = headerUrl("Azure-AsyncOperation");
    const QUrl location = headerUrl("Location");
    m_location = location;
    const json doc = parseObject(response.body);
    const QString state = provisioningState(doc);
    if (!state.isEmpty())
        m_status = state;

    if (asyncOperation.isValid() && !asyncOperation.isEmpty()) {
        m_mode = Mode::AsyncOperation;
        m_pollUrl = asyncOperation;
    } else if (location.isValid() && !location.isEmpty() && response.status == 202) {
        m_mode = Mode::Location;
        m_pollUrl = location;
    } else if (response.status == 202) {
        succeed(response.body); // accepted with nothing to follow: nothing more to learn
        return;
    } else if (!state.isEmpty() && !isTerminalStatus(state) && !isDelete) {
        m_mode = Mode::Resource;
        m_pollUrl = m_initial.url;
    } else if (isStatus(state, "Failed") || isStatus(state, "Canceled") || isStatus(state, "Cancelled")) {
        fail(operationError(response, state));
        return;
    } else {
        succeed(response.body);
        return;
    }
    Q_EMIT stateChanged(m_state, m_status);
    schedulePoll(response);
}

void OperationBase::schedulePoll(const HttpResponse &last)
{
    milliseconds wait = retryAfter(last.headers, m_pipeline->options().clock->now());
    if (wait < milliseconds(0))
        wait = m_options.defaultPollInterval;
    m_pipeline->options().scheduler->schedule(wait, this, [this]() { poll(); });
}

void OperationBase::poll()
{
    if (isDone())
        return;
    ++m_polls;
    HttpRequest request;
    request.method = "GET";
    request.url = m_pollUrl;
    m_pipeline->send(request, this, [this](const HttpResponse &response) { onPoll(response); });
}

void OperationBase::onPoll(const HttpResponse &response)
{
    if (isDone())
        return;
    const bool isDelete = m_initial.method == "DELETE";
    if (!response.isSuccess()) {
        if (isDelete && response.status == 404 && m_options.notFoundIsDone) {
            succeed({});
            return;
        }
        fail(AzureError::fromResponse(response));
        return;
    }
    const json doc = parseObject(response.body);
    switch (m_mode) {
    case Mode::AsyncOperation: {
        const QString status = stringAt(doc, {"status"});
        if (!status.isEmpty())
            m_status = status;
        if (isStatus(status, "Succeeded")) {
            // ARM's rules, as Azure's clients follow them: a PUT or PATCH reads the resource; a
            // DELETE or POST reads its Location when it gave one (Azure ML's mfeOperationResults).
            if (m_initial.method == "PUT" || m_initial.method == "PATCH")
                finalGet(m_initial.url);
            else if (m_location.isValid() && !m_location.isEmpty())
                finalGet(m_location);
            else
                succeed(isDelete ? QByteArray() : response.body);
            return;
        }
        if (isTerminalStatus(status)) {
            fail(operationError(response, status));
            return;
        }
        break;
    }
    case Mode::Location:
        if (response.status != 202) {
            // The Location of a PUT or PATCH may answer with an operation's status rather than the
            // resource (an online endpoint's PATCH: mfeOperationResults): the resource is read.
            if (m_initial.method == "PUT" || m_initial.method == "PATCH")
                finalGet(m_initial.url);
            else
                succeed(isDelete ? QByteArray() : response.body);
            return;
        }
        break;
    case Mode::Resource: {
        const QString state = provisioningState(doc);
        if (!state.isEmpty())
            m_status = state;
        if (state.isEmpty() || isStatus(state, "Succeeded")) {
            succeed(response.body);
            return;
        }
        if (isTerminalStatus(state)) {
            fail(operationError(response, state));
            return;
        }
        break;
    }
    }
    Q_EMIT stateChanged(m_state, m_status);
    schedulePoll(response);
}

void OperationBase::finalGet(const QUrl &url)
{
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    const bool isDelete = m_initial.method == "DELETE";
    m_pipeline->send(request, this, [this, isDelete](const HttpResponse &response) {
        if (isDone())
            return;
        if (!response.isSuccess()) {
            if (isDelete && response.status == 404 && m_options.notFoundIsDone) {
                succeed({});
                return;
            }
            fail(AzureError::fromResponse(response));
            return;
        }
        // A DELETE's result is the status of its operation, not a resource.
        succeed(isDelete ? QByteArray() : response.body);
    });
}

} // namespace cerulean::azure
