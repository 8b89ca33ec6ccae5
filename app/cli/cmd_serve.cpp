#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include "core/serving/model_package_scorer.h"
#include "core/serving/scoring_service.h"

#include <QCommandLineParser>
#include <QFile>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <pthread.h>
#include <thread>

namespace cerulean::cli {

namespace {

// Container-style log lines to stderr; request records as JSON lines when asked.
class StderrSink final : public serving::TelemetrySink
{
public:
    explicit StderrSink(bool requests) : m_requests(requests) {}
    void requests(std::span<const serving::RequestRecord> batch) override
    {
        if (!m_requests)
            return;
        for (const serving::RequestRecord &record : batch)
            std::fprintf(stderr, "%s\n", serving::requestRecordJson(record).c_str());
        std::fflush(stderr);
    }
    void logs(std::span<const serving::LogLine> batch) override
    {
        for (const serving::LogLine &line : batch)
            std::fprintf(stderr, "%s\n", serving::formatLogLine(line).c_str());
        std::fflush(stderr);
    }

private:
    bool m_requests;
};

bool parseCount(const QString &text, unsigned long long minimum, unsigned long long &value)
{
    bool ok = false;
    value = text.toULongLong(&ok);
    return ok && value >= minimum;
}

// The options of `serve`.
struct ServeOptions final
{
    QCommandLineOption model{QStringLiteral("model"), QStringLiteral("Model package directory."), QStringLiteral("DIR")};
    QCommandLineOption host{QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."),
                            QStringLiteral("HOST"), QStringLiteral("127.0.0.1")};
    QCommandLineOption port{QStringLiteral("port"), QStringLiteral("Port (default 0: a free one)."), QStringLiteral("PORT"),
                            QStringLiteral("0")};
    QCommandLineOption key{QStringLiteral("key"), QStringLiteral("Require 'Authorization: Bearer KEY'."), QStringLiteral("KEY")};
    QCommandLineOption keyFile{QStringLiteral("key-file"),
                               QStringLiteral("Read the primary key (first line) and an optional secondary key "
                                              "(second line) from FILE."),
                               QStringLiteral("FILE")};
    QCommandLineOption threads{QStringLiteral("threads"), QStringLiteral("I/O threads (default: one per core)."),
                               QStringLiteral("N"), QString::number(std::max(1u, std::thread::hardware_concurrency()))};
    QCommandLineOption cors{QStringLiteral("cors-origin"),
                            QStringLiteral("Send Access-Control-Allow-Origin: ORIGIN and answer preflights."),
                            QStringLiteral("ORIGIN")};
    QCommandLineOption maxRows{QStringLiteral("max-rows"), QStringLiteral("Rows per request (default 10000)."),
                               QStringLiteral("N"), QStringLiteral("10000")};
    QCommandLineOption maxBody{QStringLiteral("max-body-bytes"), QStringLiteral("Largest request body (default 8388608)."),
                               QStringLiteral("N"), QStringLiteral("8388608")};
    QCommandLineOption maxConnections{QStringLiteral("max-connections"),
                                      QStringLiteral("Open connections at most (default 4096)."), QStringLiteral("N"),
                                      QStringLiteral("4096")};
    QCommandLineOption requestTimeout{QStringLiteral("request-timeout"),
                                      QStringLiteral("Seconds a request may take to arrive once started "
                                                     "(default 10; slower clients get 408)."),
                                      QStringLiteral("S"), QStringLiteral("10")};
    QCommandLineOption idleTimeout{QStringLiteral("idle-timeout"),
                                   QStringLiteral("Seconds an idle keep-alive connection is kept (default 60)."),
                                   QStringLiteral("S"), QStringLiteral("60")};
    QCommandLineOption logRequests{QStringLiteral("log-requests"),
                                   QStringLiteral("Print each request's telemetry record to stderr as JSON.")};

    QList<QCommandLineOption> all() const
    {
        return {model, host, port, key, keyFile, threads, cors, maxRows, maxBody, maxConnections, requestTimeout,
                idleTimeout, logRequests};
    }
};

// The address, threads, limits and timeouts into `options`; false (and why) when one is out of range.
bool readServerOptions(const QCommandLineParser &parser, const ServeOptions &o, serving::ScoringServerOptions &options)
{
    unsigned long long portValue = 0, threadCount = 0, rowLimit = 0, bodyLimit = 0, connectionLimit = 0;
    if (!parseCount(parser.value(o.port), 0, portValue) || portValue > 65535) {
        printErr(QStringLiteral("serve: --port must be 0..65535, got '%1'.").arg(parser.value(o.port)));
        return false;
    }
    if (!parseCount(parser.value(o.threads), 1, threadCount) || threadCount > 256) {
        printErr(QStringLiteral("serve: --threads must be 1..256, got '%1'.").arg(parser.value(o.threads)));
        return false;
    }
    if (!parseCount(parser.value(o.maxRows), 1, rowLimit)) {
        printErr(QStringLiteral("serve: --max-rows must be a positive number, got '%1'.").arg(parser.value(o.maxRows)));
        return false;
    }
    if (!parseCount(parser.value(o.maxBody), 1, bodyLimit)) {
        printErr(QStringLiteral("serve: --max-body-bytes must be a positive number, got '%1'.").arg(parser.value(o.maxBody)));
        return false;
    }
    if (!parseCount(parser.value(o.maxConnections), 1, connectionLimit)) {
        printErr(QStringLiteral("serve: --max-connections must be a positive number, got '%1'.")
                     .arg(parser.value(o.maxConnections)));
        return false;
    }
    bool ok = false;
    const double requestSeconds = parser.value(o.requestTimeout).toDouble(&ok);
    if (!ok || requestSeconds <= 0) {
        printErr(QStringLiteral("serve: --request-timeout must be a positive number of seconds, got '%1'.")
                     .arg(parser.value(o.requestTimeout)));
        return false;
    }
    const double idleSeconds = parser.value(o.idleTimeout).toDouble(&ok);
    if (!ok || idleSeconds <= 0) {
        printErr(QStringLiteral("serve: --idle-timeout must be a positive number of seconds, got '%1'.")
                     .arg(parser.value(o.idleTimeout)));
        return false;
    }
    options.http.requestTimeout = std::chrono::milliseconds(static_cast<std::int64_t>(requestSeconds * 1000));
    options.http.idleTimeout = std::chrono::milliseconds(static_cast<std::int64_t>(idleSeconds * 1000));
    options.http.host = parser.value(o.host).toStdString();
    options.http.port = static_cast<std::uint16_t>(portValue);
    options.http.threads = static_cast<unsigned>(threadCount);
    options.http.maxBodyBytes = bodyLimit;
    options.http.maxConnections = connectionLimit;
    options.scoring.maxRows = rowLimit;
    options.scoring.corsOrigin = parser.value(o.cors).toStdString();
    return true;
}

// --key or --key-file into `options`; an exit code when the key is missing or unreadable.
std::optional<int> readKeys(const QCommandLineParser &parser, const ServeOptions &o, serving::ScoringServerOptions &options)
{
    if (parser.isSet(o.key)) {
        options.scoring.primaryKey = parser.value(o.key).toStdString();
        if (options.scoring.primaryKey.empty()) {
            printErr(QStringLiteral("serve: --key is empty."));
            return ExitUsage;
        }
    }
    if (parser.isSet(o.keyFile)) {
        QFile file(parser.value(o.keyFile));
        if (!file.open(QIODevice::ReadOnly)) {
            printErr(QStringLiteral("serve: cannot read the key file %1: %2.").arg(file.fileName(), file.errorString()));
            return ExitFailure;
        }
        const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
        options.scoring.primaryKey = lines.value(0).trimmed().toStdString();
        options.scoring.secondaryKey = lines.value(1).trimmed().toStdString();
        if (options.scoring.primaryKey.empty()) {
            printErr(QStringLiteral("serve: the key file %1 has no key on its first line.").arg(file.fileName()));
            return ExitFailure;
        }
    }
    return std::nullopt;
}

// Serves until SIGINT or SIGTERM, then drains in-flight requests.
int serveUntilSignalled(std::shared_ptr<serving::ModelPackageScorer> scorer, const serving::ScoringServerOptions &options,
                        bool logRequests)
{
    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // this one receives them with sigwait.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    serving::ScoringServer server(std::move(scorer), options, std::make_shared<StderrSink>(logRequests));
    if (auto failure = server.start()) {
        printErr(QStringLiteral("serve: %1").arg(QString::fromStdString(*failure)));
        return ExitFailure;
    }
    printOut(QStringLiteral("listening on %1").arg(QString::fromStdString(server.url())));

    int received = 0;
    sigwait(&stopSignals, &received);
    server.stop(std::chrono::seconds(10));
    return ExitOk;
}

} // namespace

int runServe(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Serve a model package over HTTP: POST /score, GET /swagger.json, GET / (health).\n"
        "Prints 'listening on http://HOST:PORT' and serves until SIGINT or SIGTERM, then drains\n"
        "in-flight requests. Log lines go to stderr."));
    const ServeOptions o;
    parser.addOptions(o.all());
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;

    if (!parser.isSet(o.model)) {
        printErr(QStringLiteral("serve: --model DIR is required."));
        return ExitUsage;
    }
    if (parser.isSet(o.key) && parser.isSet(o.keyFile)) {
        printErr(QStringLiteral("serve: give --key or --key-file, not both."));
        return ExitUsage;
    }
    serving::ScoringServerOptions options;
    if (!readServerOptions(parser, o, options))
        return ExitUsage;
    if (const auto failed = readKeys(parser, o, options))
        return *failed;

    std::string error;
    auto scorer = serving::ModelPackageScorer::load(parser.value(o.model).toStdString(), error);
    if (!scorer) {
        printErr(QStringLiteral("serve: cannot load the model package: %1").arg(QString::fromStdString(error)));
        return ExitFailure;
    }
    options.scoring.endpointName = scorer->name();
    return serveUntilSignalled(std::move(scorer), options, parser.isSet(o.logRequests));
}

} // namespace cerulean::cli
