#include "ui/models/bench_export.h"

#include "ui/models/endpoint_snippets.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace cerulean::ui {

namespace {

QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

bool writeFile(const QString &path, const QByteArray &content, QString &error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size() || !file.commit()) {
        error = QStringLiteral("Could not write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return false;
    }
    return true;
}

} // namespace

QString benchmarkScript(const BenchScriptSettings &settings)
{
    const QString variable = QString::fromLatin1(kEndpointKeyVariable);
    QString script = QStringLiteral("#!/bin/sh\n"
                                    "# Apache Bench against %1: %2 requests, concurrency %3, keep-alive %4.\n"
                                    "# Written by Cerulean's Benchmark page; run it from this folder.\n")
                         .arg(settings.url.toString())
                         .arg(settings.requests)
                         .arg(settings.concurrency)
                         .arg(settings.keepAlive ? QStringLiteral("on") : QStringLiteral("off"));
    if (settings.withKey)
        script += QStringLiteral("# Set %1 to the endpoint key first.\n").arg(variable);
    script += QStringLiteral("set -eu\ncd \"$(dirname \"$0\")\"\n");
    if (settings.withKey)
        script += QStringLiteral(": \"${%1:?set %1 to the endpoint key}\"\n").arg(variable);
    script += QStringLiteral("ab -n %1 -c %2%3 -p %4 -T 'application/json'")
                  .arg(settings.requests)
                  .arg(settings.concurrency)
                  .arg(settings.keepAlive ? QStringLiteral(" -k") : QString())
                  .arg(shellQuote(settings.bodyFile));
    if (settings.withKey)
        script += QStringLiteral(" -H \"Authorization: Bearer $%1\"").arg(variable);
    script += QLatin1Char(' ') + shellQuote(settings.url.toString(QUrl::FullyEncoded)) + QLatin1Char('\n');
    return script;
}

QStringList exportBenchmark(const QString &directory, const BenchScriptSettings &settings, const QByteArray &body,
                            const bench::BenchResult *result, QString &error)
{
    QDir dir(directory);
    if (!dir.mkpath(QStringLiteral("."))) {
        error = QStringLiteral("Could not create the folder %1.").arg(QDir::toNativeSeparators(directory));
        return {};
    }
    QStringList written;
    const QString script = dir.filePath(QStringLiteral("benchmark.sh"));
    if (!writeFile(script, benchmarkScript(settings).toUtf8(), error))
        return {};
    QFile::setPermissions(script, QFile::permissions(script) | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther);
    written << script;
    const QString bodyPath = dir.filePath(settings.bodyFile);
    if (!writeFile(bodyPath, body, error))
        return {};
    written << bodyPath;
    if (result) {
        const QString report = dir.filePath(QStringLiteral("benchmark-report.txt"));
        if (!writeFile(report, QByteArray::fromStdString(bench::formatAbReport(*result)), error))
            return {};
        written << report;
    }
    return written;
}

} // namespace cerulean::ui
