#pragma once

// Test doubles for core/azure: a fixed clock, a scheduler that records every wait and fires
// at once, an in-memory scripted transport, and helpers to read the contract fixtures.

#include "core/azure/clock.h"
#include "core/azure/pipeline.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace cerulean::azure::test {

class FakeClock final : public Clock
{
public:
    std::chrono::system_clock::time_point now() const override { return current; }
    void advance(std::chrono::milliseconds by) { current += by; }
    // 2026-01-01T00:00:00Z: whole seconds, so HTTP-dates are exact.
    std::chrono::system_clock::time_point current{std::chrono::seconds(1767225600)};
};

class RecordingScheduler final : public Scheduler
{
public:
    explicit RecordingScheduler(std::shared_ptr<FakeClock> clock = nullptr) : m_clock(std::move(clock)) {}
    void schedule(std::chrono::milliseconds delay, QObject *context, std::function<void()> fn) override
    {
        waits.push_back(delay);
        if (m_clock)
            m_clock->advance(delay); // time passes as if the wait had happened
        QTimer::singleShot(0, context, std::move(fn));
    }
    std::vector<std::chrono::milliseconds> waits;

private:
    std::shared_ptr<FakeClock> m_clock;
};

// Runs the event loop until pred() holds or the deadline passes.
inline bool waitUntil(const std::function<bool()> &pred, int timeoutMs = 5000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!pred()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

// An in-memory transport: a handler answers each request; every request is recorded.
class FakeTransport final : public HttpTransport
{
public:
    using Handler = std::function<HttpResponse(const HttpRequest &)>;
    void send(const HttpRequest &request, std::chrono::milliseconds, ResponseCallback done) override
    {
        requests.push_back(request);
        HttpResponse response = handler ? handler(request) : HttpResponse{};
        QTimer::singleShot(0, &m_guard, [done = std::move(done), response]() { done(response); });
    }
    Handler handler;
    std::vector<HttpRequest> requests;

private:
    QObject m_guard;
};

inline HttpResponse jsonResponse(int status, const QByteArray &body,
                                 const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    HttpResponse response;
    response.status = status;
    response.body = body;
    response.headers.set("Content-Type", "application/json");
    for (const auto &[name, value] : headers)
        response.headers.set(name, value);
    return response;
}

inline QString sharedDir()
{
    const QByteArray env = qgetenv("CERULEAN_SHARED_DIR");
    return env.isEmpty() ? QStringLiteral(CERULEAN_SOURCE_DIR "/../shared") : QString::fromLocal8Bit(env);
}

inline QString mlExamples()
{
    return sharedDir()
         + QStringLiteral("/azure-contract/specification/machinelearningservices/resource-manager/"
                          "Microsoft.MachineLearningServices/stable/2025-12-01/examples/");
}

inline nlohmann::json loadJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return nlohmann::json();
    const QByteArray bytes = file.readAll();
    return nlohmann::json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
}

inline QByteArray dumpJson(const nlohmann::json &doc)
{
    return QByteArray::fromStdString(doc.dump());
}

} // namespace cerulean::azure::test
