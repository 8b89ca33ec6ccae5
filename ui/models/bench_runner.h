#pragma once

#include "core/bench/load_generator.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace cerulean::ui {

// What a benchmark run sends: n requests at concurrency c to the scoring URI.
struct BenchSettings
{
    QUrl url;
    QString key; // sent as "Authorization: Bearer"; never kept with a finished run
    QByteArray body;
    quint64 requests = 200;
    unsigned concurrency = 4;
    bool keepAlive = true;
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

// Runs core/bench's load generator off the GUI thread, one run at a time; progress and the
// result come back on the GUI thread. Cancel stops a run early (its partial result is
// delivered, marked cancelled). A run started after a cancel never receives the old run's
// signals: each carries its generation.
class BenchRunner final : public QObject
{
    Q_OBJECT

public:
    explicit BenchRunner(QObject *parent = nullptr);
    ~BenchRunner() override; // cancels and waits for the worker

    // False (and `error` says why) when a run is under way or the settings are unusable.
    bool start(const BenchSettings &settings, QString *error = nullptr);
    void cancel();
    bool isRunning() const { return m_running; }

    static bench::BenchOptions toOptions(const BenchSettings &settings);

Q_SIGNALS:
    void progress(const cerulean::bench::Progress &progress);
    // `result` is null when the run could not start (error says why).
    void finished(std::shared_ptr<const cerulean::bench::BenchResult> result, const QString &error);

private:
    void join();

    std::thread m_worker;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    quint64 m_generation = 0;
    bool m_running = false;
};

} // namespace cerulean::ui

Q_DECLARE_METATYPE(cerulean::bench::Progress)
