#pragma once

// What the Benchmark page exports: ab's text report of a run, and a benchmark.sh that runs
// Apache Bench with the same settings (as the seed's benchmark.sh did), next to the body it
// posts. The key is read from ENDPOINT_KEY, never written to the script.

#include "core/bench/load_generator.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace cerulean::ui {

struct BenchScriptSettings
{
    QUrl url;
    quint64 requests = 200;
    unsigned concurrency = 4;
    bool keepAlive = true;
    bool withKey = true;
    QString bodyFile = QStringLiteral("data.json");
};

QString benchmarkScript(const BenchScriptSettings &settings);

// Writes benchmark.sh (executable), the body file and, when `result` is given, ab's report
// as benchmark-report.txt into `directory`. Returns the files written; on failure an empty
// list and `error`.
QStringList exportBenchmark(const QString &directory, const BenchScriptSettings &settings, const QByteArray &body,
                            const bench::BenchResult *result, QString &error);

} // namespace cerulean::ui
