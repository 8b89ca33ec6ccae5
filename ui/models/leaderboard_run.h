#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

#include <map>
#include <optional>
#include <vector>

namespace cerulean::ui {

// The chart data a run stores (core/automl/metrics.h chartsJson), in Qt types for the views.
struct ChartCurve
{
    QString label; // a class label, "micro" or "macro"
    QVector<double> x;
    QVector<double> y;
};

enum class CurveKind
{
    Roc,
    PrecisionRecall,
    Calibration,
    Lift,
    CumulativeGains,
};

struct RunCharts
{
    QStringList classLabels;
    QVector<QVector<double>> confusion; // [true][predicted] counts
    std::map<CurveKind, QVector<ChartCurve>> curves;

    bool isEmpty() const { return confusion.isEmpty() && curves.empty(); }
};

// One leaderboard row: a trial or an ensemble, with its metrics and chart data.
struct RunRecord
{
    int id = 0;
    QString algorithm;
    QString status; // "completed", "failed", "canceled"
    QString error;
    QString hyperparameters; // compact JSON as trained
    double score = qQNaN();  // primary metric on validation
    double durationSeconds = 0;
    double finishedAtSeconds = 0;
    std::map<QString, double> validationMetrics;
    std::map<QString, double> testMetrics;
    RunCharts validationCharts;
    RunCharts testCharts;
};

struct ColumnImportance
{
    QString column;
    double importance = 0;
};

// An AutoML run as `cerulean-cli automl --out DIR` writes it (leaderboard.json,
// runs/<id>/{metrics,charts}.json, explanation.json, progress.json), or as an AutoML job's
// child runs and artifacts read back through MLflow (jobName set, path = the job's name).
struct RunFolder
{
    QString path;
    QString jobName;               // the workspace's job these runs belong to; empty for a folder
    int chartDownloadFailures = 0; // chart files of the job's runs that could not be downloaded
    QString primaryMetric;
    QString validation;
    QString stopReason;
    int bestRunId = -1;
    double durationSeconds = 0;
    QStringList classLabels;
    std::vector<RunRecord> runs; // best first, as the leaderboard lists them
    QString importanceMetric;
    std::vector<ColumnImportance> importance; // permutation importance, highest first

    const RunRecord *find(int runId) const;
};

// Parses a chartsJson object; a missing or malformed chart is left out.
RunCharts parseRunCharts(const QByteArray &json);
// Reads a run folder. On failure returns nullopt and says which file and why in *error.
std::optional<RunFolder> loadRunFolder(const QString &path, QString *error);

QString curveKindTitle(CurveKind kind);
// The chart's axis titles: {x, y}.
std::pair<QString, QString> curveAxisTitles(CurveKind kind);
// False only for log_loss and the regression error metrics (as core/automl/metrics.h says).
bool metricHigherIsBetter(const QString &metric);

} // namespace cerulean::ui
