#include "app/cli/cli_util.h"
#include "app/cli/command.h"

#include "core/bench/load_generator.h"

#include <QCommandLineParser>
#include <QFile>

#include <atomic>
#include <csignal>

namespace cerulean::cli {

namespace {

std::atomic<bool> g_benchInterrupted{false};

extern "C" void onBenchInterrupt(int)
{
    g_benchInterrupted.store(true);
}

} // namespace

int runBench(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Load-test an HTTP endpoint as Apache Bench does: N requests at concurrency C, with or\n"
        "without keep-alive; prints ab's report (latencies with microsecond precision) or JSON."));
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("Endpoint URL (http://HOST:PORT/PATH)."),
                                 QStringLiteral("URL"));
    const QCommandLineOption key(QStringLiteral("key"),
                                 QStringLiteral("Send 'Authorization: Bearer KEY' (visible to other users in ps: prefer "
                                                "--key-file or CERULEAN_BENCH_KEY)."),
                                 QStringLiteral("KEY"));
    const QCommandLineOption keyFile(QStringLiteral("key-file"),
                                     QStringLiteral("Read the key from the first line of FILE."), QStringLiteral("FILE"));
    const QCommandLineOption body(QStringLiteral("body"), QStringLiteral("POST the contents of FILE."),
                                  QStringLiteral("FILE"));
    const QCommandLineOption requests(QStringLiteral("n"), QStringLiteral("Number of requests (default 1)."),
                                      QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption concurrency(QStringLiteral("c"), QStringLiteral("Requests at a time (default 1)."),
                                         QStringLiteral("C"), QStringLiteral("1"));
    const QCommandLineOption keepAlive(QStringLiteral("k"), QStringLiteral("Use HTTP keep-alive."));
    const QCommandLineOption header(QStringLiteral("H"), QStringLiteral("Extra header 'Name: value' (repeatable)."),
                                    QStringLiteral("HEADER"));
    const QCommandLineOption contentType(QStringLiteral("T"), QStringLiteral("Content-Type of the body."),
                                         QStringLiteral("TYPE"), QStringLiteral("application/json"));
    const QCommandLineOption method(QStringLiteral("method"), QStringLiteral("HTTP method (default GET, or POST with --body)."),
                                    QStringLiteral("METHOD"));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("Seconds per request (default 30)."),
                                     QStringLiteral("S"), QStringLiteral("30"));
    const QCommandLineOption threads(QStringLiteral("threads"),
                                     QStringLiteral("Client threads sharing the C connections (default 1, as ab; wrk -t N)."),
                                     QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption timeLimit(QStringList{QStringLiteral("t"), QStringLiteral("time-limit")},
                                       QStringLiteral("Stop sending after S seconds (as ab -t and wrk -d); -n stays the "
                                                      "upper bound (default then 50000000)."),
                                       QStringLiteral("S"));
    const QCommandLineOption csv(QStringLiteral("e"),
                                 QStringLiteral("Write ab's CSV of the percentages served (0..100) to FILE."),
                                 QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the JSON report instead of ab's."));
    parser.addOptions({url, key, keyFile, body, requests, concurrency, keepAlive, header, contentType, method, timeout, threads,
                       timeLimit, csv, json});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, exitCode))
        return exitCode;
    if (!parser.isSet(url)) {
        printErr(QStringLiteral("bench: --url URL is required."));
        return ExitUsage;
    }

    bench::BenchOptions options;
    options.url = parser.value(url).toStdString();
    bool ok = false;
    options.requests = parser.value(requests).toULongLong(&ok);
    if (!ok || options.requests == 0) {
        printErr(QStringLiteral("bench: -n must be a positive number, got '%1'.").arg(parser.value(requests)));
        return ExitUsage;
    }
    options.concurrency = parser.value(concurrency).toUInt(&ok);
    if (!ok || options.concurrency == 0 || options.concurrency > 20000) {
        printErr(QStringLiteral("bench: -c must be 1..20000, got '%1'.").arg(parser.value(concurrency)));
        return ExitUsage;
    }
    const double timeoutSeconds = parser.value(timeout).toDouble(&ok);
    if (!ok || timeoutSeconds <= 0) {
        printErr(QStringLiteral("bench: --timeout must be a positive number of seconds, got '%1'.").arg(parser.value(timeout)));
        return ExitUsage;
    }
    options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeoutSeconds * 1000));
    options.threads = parser.value(threads).toUInt(&ok);
    if (!ok || options.threads == 0 || options.threads > 256) {
        printErr(QStringLiteral("bench: --threads must be 1..256, got '%1'.").arg(parser.value(threads)));
        return ExitUsage;
    }
    if (parser.isSet(timeLimit)) {
        const double seconds = parser.value(timeLimit).toDouble(&ok);
        if (!ok || seconds <= 0 || seconds > 86400) {
            printErr(QStringLiteral("bench: -t must be a number of seconds in (0, 86400], got '%1'.")
                         .arg(parser.value(timeLimit)));
            return ExitUsage;
        }
        options.duration = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
        if (!parser.isSet(requests))
            options.requests = 50000000;
    }
    options.keepAlive = parser.isSet(keepAlive);
    options.contentType = parser.value(contentType).toStdString();
    options.method = parser.value(method).toStdString();
    if (parser.isSet(body)) {
        QFile file(parser.value(body));
        if (!file.open(QIODevice::ReadOnly)) {
            printErr(QStringLiteral("bench: cannot read the body file %1: %2.").arg(file.fileName(), file.errorString()));
            return ExitFailure;
        }
        options.body = file.readAll().toStdString();
    }
    for (const QString &h : parser.values(header)) {
        const qsizetype colon = h.indexOf(QLatin1Char(':'));
        if (colon <= 0) {
            printErr(QStringLiteral("bench: a header must be 'Name: value', got '%1'.").arg(h));
            return ExitUsage;
        }
        options.headers.emplace_back(h.left(colon).trimmed().toStdString(), h.mid(colon + 1).trimmed().toStdString());
    }
    // The key: --key, --key-file or the environment, in that order of precedence; only one of
    // the two options at a time.
    if (parser.isSet(key) && parser.isSet(keyFile)) {
        printErr(QStringLiteral("bench: give --key or --key-file, not both."));
        return ExitUsage;
    }
    QString bearer;
    if (parser.isSet(key)) {
        bearer = parser.value(key);
    } else if (parser.isSet(keyFile)) {
        QFile file(parser.value(keyFile));
        if (!file.open(QIODevice::ReadOnly)) {
            printErr(QStringLiteral("bench: cannot read the key file %1: %2.").arg(file.fileName(), file.errorString()));
            return ExitFailure;
        }
        bearer = QString::fromUtf8(file.readLine()).trimmed();
        if (bearer.isEmpty()) {
            printErr(QStringLiteral("bench: the key file %1 has no key on its first line.").arg(file.fileName()));
            return ExitFailure;
        }
    } else {
        bearer = qEnvironmentVariable("CERULEAN_BENCH_KEY").trimmed();
    }
    if (!bearer.isEmpty())
        options.headers.emplace_back("Authorization", "Bearer " + bearer.toStdString());

    std::signal(SIGINT, onBenchInterrupt);
    std::signal(SIGPIPE, SIG_IGN);
    const bool quiet = parser.isSet(json);
    std::uint64_t nextMark = options.requests >= 1000 ? options.requests / 10 : 0;
    const std::uint64_t step = nextMark;
    bench::BenchResult result;
    const auto failure = bench::runBench(
        options, result,
        [&](const bench::Progress &p) {
            // ab's "Completed N requests" lines, on stderr so the report stays clean.
            while (!quiet && step && p.completed >= nextMark && nextMark < p.total) {
                printErr(QStringLiteral("Completed %1 requests").arg(nextMark));
                nextMark += step;
            }
        },
        &g_benchInterrupted);
    std::signal(SIGINT, SIG_DFL);
    if (failure) {
        printErr(QStringLiteral("bench: %1.").arg(QString::fromStdString(*failure)));
        return ExitFailure;
    }
    if (!quiet)
        printErr(QStringLiteral("Finished %1 requests").arg(result.completed + result.failures.total()));
    if (parser.isSet(csv)) {
        QFile file(parser.value(csv));
        const QByteArray text = QByteArray::fromStdString(bench::formatAbCsv(result));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(text) != text.size()) {
            printErr(QStringLiteral("bench: cannot write the CSV file %1: %2.").arg(file.fileName(), file.errorString()));
            return ExitFailure;
        }
    }
    printOut(QString::fromStdString(quiet ? bench::formatJsonReport(result) : bench::formatAbReport(result)));
    if (result.cancelled)
        return ExitInterrupted;
    return result.failures.total() ? ExitFailure : ExitOk;
}

} // namespace cerulean::cli
