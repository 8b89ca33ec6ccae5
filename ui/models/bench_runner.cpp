#include "ui/models/bench_runner.h"

#include <QMetaObject>

namespace cerulean::ui {

BenchRunner::BenchRunner(QObject *parent)
    : QObject(parent)
{
}

BenchRunner::~BenchRunner()
{
    cancel();
    join();
}

void BenchRunner::join()
{
    if (m_worker.joinable())
        m_worker.join();
}

bench::BenchOptions BenchRunner::toOptions(const BenchSettings &settings)
{
    bench::BenchOptions options;
    options.url = settings.url.toString(QUrl::FullyEncoded).toStdString();
    options.method = "POST";
    options.body = settings.body.toStdString();
    if (!settings.key.isEmpty())
        options.headers.emplace_back("Authorization", "Bearer " + settings.key.toStdString());
    options.requests = settings.requests;
    options.concurrency = settings.concurrency;
    options.keepAlive = settings.keepAlive;
    options.timeout = settings.timeout;
    return options;
}

bool BenchRunner::start(const BenchSettings &settings, QString *error)
{
    if (m_running) {
        if (error)
            *error = tr("A benchmark is already running.");
        return false;
    }
    if (settings.url.scheme() != QLatin1String("http")) {
        if (error)
            *error = tr("The benchmark speaks plain HTTP (as ab does); %1 is not an http:// URL.").arg(settings.url.toString());
        return false;
    }
    if (settings.requests == 0 || settings.concurrency == 0 || settings.concurrency > settings.requests) {
        if (error)
            *error = tr("Concurrency must be between 1 and the number of requests.");
        return false;
    }
    join(); // the previous worker has delivered its result; reap the thread
    m_running = true;
    const quint64 generation = ++m_generation;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    auto cancel = m_cancel;
    const bench::BenchOptions options = toOptions(settings);
    m_worker = std::thread([this, generation, cancel, options] {
        auto result = std::make_shared<bench::BenchResult>();
        const auto failure = bench::runBench(
            options, *result,
            [this, generation](const bench::Progress &p) {
                QMetaObject::invokeMethod(
                    this,
                    [this, generation, p] {
                        if (generation == m_generation)
                            Q_EMIT progress(p);
                    },
                    Qt::QueuedConnection);
            },
            cancel.get());
        const QString message = failure ? QString::fromStdString(*failure) : QString();
        std::shared_ptr<const bench::BenchResult> done;
        if (!failure)
            done = std::move(result);
        QMetaObject::invokeMethod(
            this,
            [this, generation, done, message] {
                if (generation != m_generation)
                    return;
                m_running = false;
                Q_EMIT finished(done, message);
            },
            Qt::QueuedConnection);
    });
    return true;
}

void BenchRunner::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

} // namespace cerulean::ui
