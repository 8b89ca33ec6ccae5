#include "ui/models/leaderboard_run.h"

#include "core/automl/metrics.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace cerulean::ui {

namespace {

struct CurveSchema
{
    CurveKind kind;
    const char *schemaType;
};

constexpr std::array kCurveSchemas{
    CurveSchema{CurveKind::Roc, "roc_curve"},
    CurveSchema{CurveKind::PrecisionRecall, "precision_recall_curve"},
    CurveSchema{CurveKind::Calibration, "calibration_curve"},
    CurveSchema{CurveKind::Lift, "lift_curve"},
    CurveSchema{CurveKind::CumulativeGains, "cumulative_gains_curve"},
};

QString tr(const char *text)
{
    return QCoreApplication::translate("RunFolder", text);
}

QVector<double> numbers(const QJsonArray &array)
{
    QVector<double> out;
    out.reserve(array.size());
    for (const QJsonValue &value : array)
        out << (value.isDouble() ? value.toDouble() : qQNaN());
    return out;
}

std::map<QString, double> metricMap(const QJsonObject &object)
{
    std::map<QString, double> out;
    for (auto it = object.begin(); it != object.end(); ++it)
        out[it.key()] = it.value().isDouble() ? it.value().toDouble() : qQNaN();
    return out;
}

// One class's counts at one threshold of an accuracy table, one-vs-rest.
struct Counts
{
    double tp = 0, fp = 0, tn = 0, fn = 0;
};

// table[class][threshold] = [TP, FP, TN, FN] (Azure's order); empty when a row is not four numbers.
QVector<QVector<Counts>> countTables(const QJsonArray &table)
{
    QVector<QVector<Counts>> classes;
    for (const QJsonValue &perClass : table) {
        QVector<Counts> rows;
        for (const QJsonValue &value : perClass.toArray()) {
            const QJsonArray row = value.toArray();
            if (row.size() != 4 || !row[0].isDouble() || !row[1].isDouble() || !row[2].isDouble() || !row[3].isDouble())
                return {};
            rows << Counts{row[0].toDouble(), row[1].toDouble(), row[2].toDouble(), row[3].toDouble()};
        }
        classes << rows;
    }
    return classes;
}

// The micro average: each threshold's counts summed over the classes.
QVector<Counts> pooled(const QVector<QVector<Counts>> &classes)
{
    QVector<Counts> sum(classes.isEmpty() ? 0 : classes.first().size());
    for (const QVector<Counts> &rows : classes) {
        if (rows.size() != sum.size())
            return {};
        for (qsizetype i = 0; i < rows.size(); ++i) {
            sum[i].tp += rows[i].tp;
            sum[i].fp += rows[i].fp;
            sum[i].tn += rows[i].tn;
            sum[i].fn += rows[i].fn;
        }
    }
    return sum;
}

ChartCurve sortedCurve(const QString &label, std::vector<std::pair<double, double>> points)
{
    std::sort(points.begin(), points.end());
    ChartCurve curve{label, {}, {}};
    for (const auto &[x, y] : points) {
        curve.x << x;
        curve.y << y;
    }
    return curve;
}

// The curves an Azure AutoML child run's accuracy_table artifact holds: ROC and
// precision-recall from the counts at probability thresholds, cumulative gains and lift from
// those at percentile thresholds; one curve per class (one-vs-rest) and a micro average.
// Calibration needs the predictions themselves and is not in the table.
void addAccuracyTableCurves(const QJsonObject &data, const QStringList &labels, RunCharts &charts)
{
    QVector<QVector<Counts>> probability = countTables(data.value(QStringLiteral("probability_tables")).toArray());
    QVector<QVector<Counts>> percentile = countTables(data.value(QStringLiteral("percentile_tables")).toArray());
    if (probability.size() != labels.size() || percentile.size() != labels.size() || labels.isEmpty())
        return;
    QStringList names = labels;
    probability << pooled(probability);
    percentile << pooled(percentile);
    names << QStringLiteral("micro");
    const auto ratio = [](double a, double b, double otherwise) { return b > 0 ? a / b : otherwise; };
    QVector<ChartCurve> roc, pr, gains, lift;
    for (qsizetype k = 0; k < names.size(); ++k) {
        std::vector<std::pair<double, double>> rocPoints, prPoints, gainPoints{{0.0, 0.0}}, liftPoints;
        for (const Counts &c : probability[k]) {
            const double recall = ratio(c.tp, c.tp + c.fn, 0.0);
            rocPoints.emplace_back(ratio(c.fp, c.fp + c.tn, 0.0), recall);
            if (c.tp + c.fp > 0)
                prPoints.emplace_back(recall, c.tp / (c.tp + c.fp));
        }
        for (const Counts &c : percentile[k]) {
            const double rows = c.tp + c.fp + c.tn + c.fn;
            const double share = ratio(c.tp + c.fp, rows, 0.0); // of the rows, predicted positive
            if (share <= 0)
                continue;
            const double gain = ratio(c.tp, c.tp + c.fn, 0.0);
            gainPoints.emplace_back(100.0 * share, gain);
            liftPoints.emplace_back(100.0 * share, gain / share);
        }
        roc << sortedCurve(names[k], std::move(rocPoints));
        pr << sortedCurve(names[k], std::move(prPoints));
        gains << sortedCurve(names[k], std::move(gainPoints));
        lift << sortedCurve(names[k], std::move(liftPoints));
    }
    const std::pair<CurveKind, QVector<ChartCurve> *> kinds[] = {
        {CurveKind::Roc, &roc}, {CurveKind::PrecisionRecall, &pr}, {CurveKind::CumulativeGains, &gains}, {CurveKind::Lift, &lift}};
    for (const auto &[kind, curves] : kinds) {
        QVector<ChartCurve> drawable;
        for (const ChartCurve &curve : *curves)
            if (!curve.x.isEmpty())
                drawable << curve;
        if (!drawable.isEmpty() && charts.curves.count(kind) == 0)
            charts.curves[kind] = drawable;
    }
}

RunCharts chartsFrom(const QJsonObject &root)
{
    RunCharts charts;
    const QJsonObject confusion = root.value(QStringLiteral("confusion_matrix")).toObject().value(QStringLiteral("data")).toObject();
    for (const QJsonValue &label : confusion.value(QStringLiteral("class_labels")).toArray())
        charts.classLabels << label.toVariant().toString();
    for (const QJsonValue &row : confusion.value(QStringLiteral("matrix")).toArray())
        charts.confusion << numbers(row.toArray());
    if (charts.confusion.size() != charts.classLabels.size())
        charts.confusion.clear(); // malformed: a matrix that does not match its labels is not drawn
    for (const CurveSchema &schema : kCurveSchemas) {
        const QJsonObject chart = root.value(QLatin1String(schema.schemaType)).toObject();
        QVector<ChartCurve> curves;
        for (const QJsonValue &value : chart.value(QStringLiteral("data")).toObject().value(QStringLiteral("curves")).toArray()) {
            const QJsonObject object = value.toObject();
            ChartCurve curve{object.value(QStringLiteral("label")).toVariant().toString(),
                             numbers(object.value(QStringLiteral("x")).toArray()),
                             numbers(object.value(QStringLiteral("y")).toArray())};
            if (curve.x.size() == curve.y.size() && !curve.x.isEmpty())
                curves << curve;
        }
        if (!curves.isEmpty())
            charts.curves[schema.kind] = curves;
    }
    // Azure's AutoML runs keep these curves as counts in one accuracy_table artifact.
    const QJsonObject accuracy = root.value(QStringLiteral("accuracy_table")).toObject().value(QStringLiteral("data")).toObject();
    if (!accuracy.isEmpty()) {
        QStringList labels;
        for (const QJsonValue &label : accuracy.value(QStringLiteral("class_labels")).toArray())
            labels << label.toVariant().toString();
        addAccuracyTableCurves(accuracy, labels, charts);
        if (charts.classLabels.isEmpty())
            charts.classLabels = labels;
    }
    return charts;
}

std::optional<QJsonObject> readObject(const QString &file, QString *error)
{
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly)) {
        *error = tr("Cannot open %1: %2").arg(QDir::toNativeSeparators(file), in.errorString());
        return std::nullopt;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(in.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = tr("%1 is not a JSON object (%2 at offset %3).")
                     .arg(QDir::toNativeSeparators(file), parseError.errorString())
                     .arg(parseError.offset);
        return std::nullopt;
    }
    return document.object();
}

} // namespace

const RunRecord *RunFolder::find(int runId) const
{
    for (const RunRecord &run : runs)
        if (run.id == runId)
            return &run;
    return nullptr;
}

RunCharts parseRunCharts(const QByteArray &json)
{
    const QJsonDocument document = QJsonDocument::fromJson(json);
    return document.isObject() ? chartsFrom(document.object()) : RunCharts{};
}

std::optional<RunFolder> loadRunFolder(const QString &path, QString *error)
{
    const QDir dir(path);
    const auto board = readObject(dir.filePath(QStringLiteral("leaderboard.json")), error);
    if (!board)
        return std::nullopt;
    RunFolder folder;
    folder.path = dir.absolutePath();
    folder.primaryMetric = board->value(QStringLiteral("primary_metric")).toString();
    folder.validation = board->value(QStringLiteral("validation")).toString();
    folder.stopReason = board->value(QStringLiteral("stop_reason")).toString();
    folder.bestRunId = board->value(QStringLiteral("best_run_id")).toInt(-1);
    folder.durationSeconds = board->value(QStringLiteral("duration_seconds")).toDouble();
    for (const QJsonValue &label : board->value(QStringLiteral("class_labels")).toArray())
        folder.classLabels << label.toVariant().toString();
    if (folder.primaryMetric.isEmpty() || !board->value(QStringLiteral("runs")).isArray()) {
        *error = tr("%1 has no primary_metric or runs: not an AutoML run folder.")
                     .arg(QDir::toNativeSeparators(dir.filePath(QStringLiteral("leaderboard.json"))));
        return std::nullopt;
    }
    for (const QJsonValue &value : board->value(QStringLiteral("runs")).toArray()) {
        const QJsonObject object = value.toObject();
        RunRecord run;
        run.id = object.value(QStringLiteral("run_id")).toInt();
        run.algorithm = object.value(QStringLiteral("algorithm")).toString();
        run.status = object.value(QStringLiteral("status")).toString();
        run.error = object.value(QStringLiteral("error")).toString();
        run.hyperparameters = QString::fromUtf8(
            QJsonDocument(object.value(QStringLiteral("hyperparameters")).toObject()).toJson(QJsonDocument::Compact));
        const QJsonValue score = object.value(QStringLiteral("score"));
        run.score = score.isDouble() ? score.toDouble() : qQNaN();
        run.durationSeconds = object.value(QStringLiteral("duration_seconds")).toDouble();
        run.finishedAtSeconds = object.value(QStringLiteral("finished_at_seconds")).toDouble();
        run.validationMetrics = metricMap(object.value(QStringLiteral("validation_metrics")).toObject());
        run.testMetrics = metricMap(object.value(QStringLiteral("test_metrics")).toObject());
        // Charts are optional per run (a failed trial has none).
        QString ignored;
        const QString chartsFile = dir.filePath(QStringLiteral("runs/%1/charts.json").arg(run.id));
        if (QFile::exists(chartsFile)) {
            const auto charts = readObject(chartsFile, error);
            if (!charts)
                return std::nullopt;
            run.validationCharts = chartsFrom(charts->value(QStringLiteral("validation")).toObject());
            run.testCharts = chartsFrom(charts->value(QStringLiteral("test")).toObject());
        }
        folder.runs.push_back(std::move(run));
    }
    const QString explanationFile = dir.filePath(QStringLiteral("explanation.json"));
    if (QFile::exists(explanationFile)) {
        const auto explanation = readObject(explanationFile, error);
        if (!explanation)
            return std::nullopt;
        const QJsonObject permutation = explanation->value(QStringLiteral("permutation_importance")).toObject();
        folder.importanceMetric = permutation.value(QStringLiteral("metric")).toString();
        for (const QJsonValue &value : permutation.value(QStringLiteral("importances")).toArray())
            folder.importance.push_back({value.toObject().value(QStringLiteral("column")).toString(),
                                         value.toObject().value(QStringLiteral("importance")).toDouble()});
    }
    return folder;
}

QString curveKindTitle(CurveKind kind)
{
    switch (kind) {
    case CurveKind::Roc:
        return tr("ROC");
    case CurveKind::PrecisionRecall:
        return tr("Precision-recall");
    case CurveKind::Calibration:
        return tr("Calibration");
    case CurveKind::Lift:
        return tr("Lift");
    case CurveKind::CumulativeGains:
        return tr("Cumulative gains");
    }
    return {};
}

std::pair<QString, QString> curveAxisTitles(CurveKind kind)
{
    switch (kind) {
    case CurveKind::Roc:
        return {tr("False positive rate"), tr("True positive rate")};
    case CurveKind::PrecisionRecall:
        return {tr("Recall"), tr("Precision")};
    case CurveKind::Calibration:
        return {tr("Mean predicted probability"), tr("Fraction of positives")};
    case CurveKind::Lift:
        return {tr("Percentile of rows"), tr("Lift")};
    case CurveKind::CumulativeGains:
        return {tr("Percentile of rows"), tr("Share of the class captured")};
    }
    return {};
}

bool metricHigherIsBetter(const QString &metric)
{
    return automl::higherIsBetter(metric.toStdString());
}

} // namespace cerulean::ui
