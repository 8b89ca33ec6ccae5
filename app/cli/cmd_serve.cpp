#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include "core/serving/model_package_scorer.h"
#include "core/serving/scoring_service.h"

#include <QCommandLineParser>
#include <QFile>

#include <algorithm>
#include <csignal>
#include <cstdio>
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

} // namespace

int runServe(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Serve a model package over HTTP: POST /score, GET /swagger.json, GET / (health).\n"
        "Prints 'listening on http://HOST:PORT' and serves until SIGINT or SIGTERM, then drains\n"
        "in-flight requests. Log lines go to stderr."));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model package directory."), QStringLiteral("DIR"));
    const QCommandLineOption host(QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                  QStringLiteral("HOST"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Port (default 0: a free one)."),
                                  QStringLiteral("PORT"), QStringLiteral("0"));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("Require 'Authorization: Bearer KEY'."),
                                 QStringLiteral("KEY"));
    const QCommandLineOption keyFile(QStringLiteral("key-file"),
                                     QStringLiteral("Read the primary key (first line) and an optional secondary key "
                                                    "(second line) from FILE."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("I/O threads (default: one per core)."),
                                     QStringLiteral("N"),
                                     QString::number(std::max(1u, std::thread::hardware_concurrency())));
    const QCommandLineOption cors(QStringLiteral("cors-origin"),
                                  QStringLiteral("Send Access-Control-Allow-Origin: ORIGIN and answer preflights."),
                                  QStringLiteral("ORIGIN"));
    const QCommandLineOption maxRows(QStringLiteral("max-rows"), QStringLiteral("Rows per request (default 10000)."),
                                     QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption maxBody(QStringLiteral("max-body-bytes"),
                                     QStringLiteral("Largest request body (default 8388608)."), QStringLiteral("N"),
                                     QStringLiteral("8388608"));
    const QCommandLineOption maxConnections(QStringLiteral("max-connections"),
                                            QStringLiteral("Open connections at most (default 4096)."),
                                            QStringLiteral("N"), QStringLiteral("4096"));
    const QCommandLineOption requestTimeout(QStringLiteral("request-timeout"),
                                            QStringLiteral("Seconds a request may take to arrive once started "
                                                           "(default 10; slower clients get 408)."),
                                            QStringLiteral("S"), QStringLiteral("10"));
    const QCommandLineOption idleTimeout(QStringLiteral("idle-timeout"),
                                         QStringLiteral("Seconds an idle keep-alive connection is kept (default 60)."),
                                         QStringLiteral("S"), QStringLiteral("60"));
    const QCommandLineOption logRequests(QStringLiteral("log-requests"),
                                         QStringLiteral("Print each request's telemetry record to stderr as JSON."));
    parser.addOptions({model, host, port, key, keyFile, threads, cors, maxRows, maxBody, maxConnections, requestTimeout,
                       idleTimeout, logRequests});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;

    if (!parser.isSet(model)) {
        printErr(QStringLiteral("serve: --model DIR is required."));
        return ExitUsage;
    }
    if (parser.isSet(key) && parser.isSet(keyFile)) {
        printErr(QStringLiteral("serve: give --key or --key-file, not both."));
        return ExitUsage;
    }
    unsigned long long portValue = 0, threadCount = 0, rowLimit = 0, bodyLimit = 0, connectionLimit = 0;
    if (!parseCount(parser.value(port), 0, portValue) || portValue > 65535) {
        printErr(QStringLiteral("serve: --port must be 0..65535, got '%1'.").arg(parser.value(port)));
        return ExitUsage;
    }
    if (!parseCount(parser.value(threads), 1, threadCount) || threadCount > 256) {
        printErr(QStringLiteral("serve: --threads must be 1..256, got '%1'.").arg(parser.value(threads)));
        return ExitUsage;
    }
    if (!parseCount(parser.value(maxRows), 1, rowLimit)) {
        printErr(QStringLiteral("serve: --max-rows must be a positive number, got '%1'.").arg(parser.value(maxRows)));
        return ExitUsage;
    }
    if (!parseCount(parser.value(maxBody), 1, bodyLimit)) {
        printErr(QStringLiteral("serve: --max-body-bytes must be a positive number, got '%1'.").arg(parser.value(maxBody)));
        return ExitUsage;
    }
    if (!parseCount(parser.value(maxConnections), 1, connectionLimit)) {
        printErr(QStringLiteral("serve: --max-connections must be a positive number, got '%1'.")
                     .arg(parser.value(maxConnections)));
        return ExitUsage;
    }

    bool ok = false;
    const double requestSeconds = parser.value(requestTimeout).toDouble(&ok);
    if (!ok || requestSeconds <= 0) {
        printErr(QStringLiteral("serve: --request-timeout must be a positive number of seconds, got '%1'.")
                     .arg(parser.value(requestTimeout)));
        return ExitUsage;
    }
    const double idleSeconds = parser.value(idleTimeout).toDouble(&ok);
    if (!ok || idleSeconds <= 0) {
        printErr(QStringLiteral("serve: --idle-timeout must be a positive number of seconds, got '%1'.")
                     .arg(parser.value(idleTimeout)));
        return ExitUsage;
    }

    serving::ScoringServerOptions options;
    options.http.requestTimeout = std::chrono::milliseconds(static_cast<std::int64_t>(requestSeconds * 1000));
    options.http.idleTimeout = std::chrono::milliseconds(static_cast<std::int64_t>(idleSeconds * 1000));
    options.http.host = parser.value(host).toStdString();
    options.http.port = static_cast<std::uint16_t>(portValue);
    options.http.threads = static_cast<unsigned>(threadCount);
    options.http.maxBodyBytes = bodyLimit;
    options.http.maxConnections = connectionLimit;
    options.scoring.maxRows = rowLimit;
    options.scoring.corsOrigin = parser.value(cors).toStdString();
    if (parser.isSet(key)) {
        options.scoring.primaryKey = parser.value(key).toStdString();
        if (options.scoring.primaryKey.empty()) {
            printErr(QStringLiteral("serve: --key is empty."));
            return ExitUsage;
        }
    }
    if (parser.isSet(keyFile)) {
        QFile file(parser.value(keyFile));
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

    std::string error;
    auto scorer = serving::ModelPackageScorer::load(parser.value(model).toStdString(), error);
    if (!scorer) {
        printErr(QStringLiteral("serve: cannot load the model package: %1").arg(QString::fromStdString(error)));
        return ExitFailure;
    }
    options.scoring.endpointName = scorer->name();

    // Block the stop signals before any thread starts, so every thread inherits the mask and
    // this one receives them with sigwait.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    serving::ScoringServer server(scorer, options, std::make_shared<StderrSink>(parser.isSet(logRequests)));
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

} // namespace cerulean::cli
