#include "core/azure/operation.h"

#include <QRegularExpression>

#include <nlohmann/json.hpp>

#include <cmath>

namespace cerulean::azure {

using namespace std::chrono;
using nlohmann::json;

namespace {

// The local workspace finishes its long-running work in moments and need not send Retry-After.
constexpr milliseconds kLocalPollInterval{250};

QString spoken(milliseconds duration)
{
    const long long seconds = duration_cast<std::chrono::seconds>(duration).count();
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 3600) {
        const long long rest = seconds % 60;
        return rest ? QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(rest) : QStringLiteral("%1 min").arg(seconds / 60);
    }
    const long long minutes = (seconds % 3600) / 60;
    return minutes ? QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg(minutes) : QStringLiteral("%1 h").arg(seconds / 3600);
}

} // namespace

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

OperationOptions OperationOptions::forCloud(const Cloud &cloud)
{
    OperationOptions options;
    if (cloud.isLocal())
        options.defaultPollInterval = kLocalPollInterval;
    return options;
}

std::optional<milliseconds> parseIsoDuration(const QString &text)
{
    // P[nD][T[nH][nM][n[.f]S]]: what ARM sends. Years, months and weeks have no fixed length.
    static const QRegularExpression pattern(
        QStringLiteral("^P(?:(\\d+)D)?(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+(?:\\.\\d+)?)S)?)?$"),
        QRegularExpression::CaseInsensitiveOption);
    const QString trimmed = text.trimmed();
    const auto match = pattern.match(trimmed);
    // "P" and "PT" alone match the pattern but say nothing.
    if (!match.hasMatch() || trimmed.endsWith(QLatin1Char('P'), Qt::CaseInsensitive)
        || trimmed.endsWith(QLatin1Char('T'), Qt::CaseInsensitive))
        return std::nullopt;
    const auto number = [&](int group) { return match.captured(group).isEmpty() ? 0.0 : match.captured(group).toDouble(); };
    constexpr double secondsPerDay = 86400.0, secondsPerHour = 3600.0, secondsPerMinute = 60.0, msPerSecond = 1000.0;
    const double seconds = number(1) * secondsPerDay + number(2) * secondsPerHour + number(3) * secondsPerMinute + number(4);
    return milliseconds(static_cast<milliseconds::rep>(std::llround(seconds * msPerSecond)));
}

QString describe(const OperationProgress &progress)
{
    QString text = progress.status.isEmpty() ? toString(progress.state) : progress.status;
    if (progress.percentComplete)
        text += QStringLiteral(" (%1 %)").arg(*progress.percentComplete, 0, 'f', 0);
    const bool done = progress.state == OperationState::Succeeded || progress.state == OperationState::Failed
                   || progress.state == OperationState::Canceled;
    text += done ? QStringLiteral(" after %1").arg(spoken(progress.elapsed)) : QStringLiteral(", %1 so far").arg(spoken(progress.elapsed));
    if (progress.polls > 0)
        text += progress.polls == 1 ? QStringLiteral(" (1 check)") : QStringLiteral(" (%1 checks)").arg(progress.polls);
    if (progress.nextPollIn >= milliseconds(0))
        text += QStringLiteral("; next check in %1").arg(spoken(progress.nextPollIn));
    if (progress.serviceTimeout > milliseconds(0) && !done)
        text += QStringLiteral("; Azure allows up to %1").arg(spoken(progress.serviceTimeout));
    return text;
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

bool isPutOrPatch(const QByteArray &method)
{
    return method == "PUT" || method == "PATCH";
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

OperationProgress OperationBase::progress() const
{
    OperationProgress out;
    out.state = m_state;
    out.status = m_status;
    if (m_state != OperationState::NotStarted)
        out.elapsed = duration_cast<milliseconds>(m_pipeline->options().clock->now() - m_startedAt);
    out.polls = m_polls;
    out.nextPollIn = isDone() ? milliseconds(-1) : m_nextPollIn;
    out.serviceTimeout = m_serviceTimeout;
    out.percentComplete = m_percentComplete;
    return out;
}

void OperationBase::report(milliseconds nextPollIn)
{
    m_nextPollIn = nextPollIn;
    Q_EMIT progressed(progress());
}

void OperationBase::setState(OperationState state)
{
    m_state = state;
    Q_EMIT stateChanged(state, m_status);
    if (isDone()) {
        report(milliseconds(-1));
        Q_EMIT finished();
    }
}

void OperationBase::setStatus(const QString &status)
{
    if (status.isEmpty() || status == m_status)
        return;
    m_status = status;
    Q_EMIT stateChanged(m_state, m_status);
}

void OperationBase::start()
{
    if (m_state != OperationState::NotStarted)
        return;
    m_startedAt = m_pipeline->options().clock->now();
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
    // Online endpoints and deployments say how long the service allows (PT30M): shown while polling.
    if (const auto timeout = parseIsoDuration(QString::fromLatin1(response.headers.value("x-ms-async-operation-timeout"))))
        m_serviceTimeout = *timeout;
    const json doc = parseObject(response.body);
    const QString state = provisioningState(doc);
    setStatus(state);

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
    schedulePoll(response);
}

void OperationBase::schedulePoll(const HttpResponse &last)
{
    milliseconds wait = retryAfter(last.headers, m_pipeline->options().clock->now());
    if (wait < milliseconds(0))
        wait = m_options.defaultPollInterval;
    report(wait);
    m_pipeline->options().scheduler->schedule(wait, this, [this]() { poll(); });
}

void OperationBase::poll()
{
    if (isDone())
        return;
    ++m_polls;
    m_nextPollIn = milliseconds(-1);
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
        setStatus(status);
        // Workspaces report 100 when done; online endpoints send 0 throughout, which says nothing.
        if (const auto it = doc.find("percentComplete"); it != doc.end() && it->is_number() && it->get<double>() > 0)
            m_percentComplete = it->get<double>();
        if (isStatus(status, "Succeeded")) {
            // ARM's rules, as Azure's clients follow them: a PUT or PATCH reads the resource; a
            // DELETE or POST reads its Location when it gave one (Azure ML's mfeOperationResults).
            if (isPutOrPatch(m_initial.method))
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
            if (isPutOrPatch(m_initial.method))
                finalGet(m_initial.url);
            else
                succeed(isDelete ? QByteArray() : response.body);
            return;
        }
        break;
    case Mode::Resource: {
        const QString state = provisioningState(doc);
        setStatus(state);
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
