#include "ui/models/trial_runner.h"

#include <QDir>
#include <QMetaObject>

#include <cmath>
#include <utility>

namespace cerulean::ui {

namespace {

std::map<QString, double> toQt(const std::map<std::string, double> &metrics)
{
    std::map<QString, double> out;
    for (const auto &[name, value] : metrics)
        out[QString::fromStdString(name)] = value;
    return out;
}

QString statusText(automl::TrialStatus status)
{
    const std::string_view text = automl::toString(status);
    return QString::fromLatin1(text.data(), qsizetype(text.size()));
}

} // namespace

TrialRunner::TrialRunner(QObject *parent)
    : QObject(parent)
{
}

TrialRunner::~TrialRunner()
{
    cancel();
    join();
}

void TrialRunner::join()
{
    if (m_worker.joinable())
        m_worker.join();
}

RunPtr TrialRunner::toRunRecord(const automl::TrialResult &trial)
{
    auto run = std::make_shared<RunRecord>();
    run->id = trial.id;
    run->algorithm = QString::fromStdString(trial.algorithm);
    run->status = statusText(trial.status);
    run->error = QString::fromStdString(trial.error);
    run->hyperparameters = QString::fromStdString(automl::hyperParamsToJson(trial.params).dump());
    run->score = trial.score;
    run->durationSeconds = double(trial.duration.count()) / 1000.0;
    run->finishedAtSeconds = double(trial.finishedAt.count()) / 1000.0;
    run->validationMetrics = toQt(trial.validationMetrics);
    run->testMetrics = toQt(trial.testMetrics);
    run->validationCharts = parseRunCharts(QByteArray::fromStdString(trial.validationChartsJson));
    run->testCharts = parseRunCharts(QByteArray::fromStdString(trial.testChartsJson));
    return run;
}

bool TrialRunner::start(const automl::AutoMLSettings &settings, std::shared_ptr<const automl::CsvTable> train,
                        std::optional<automl::Dataset> test, const QString &outputDir, QString *error)
{
    if (m_running) {
        *error = tr("A run is already in progress.");
        return false;
    }
    if (!train) {
        *error = tr("Choose the training data first.");
        return false;
    }
    join(); // the previous run's worker has reported; reap it
    m_running = true;
    m_primaryMetric = QString::fromStdString(settings.primaryMetric);
    m_timeout = settings.timeout;
    m_cancel = std::make_shared<automl::CancelToken>();
    m_clock.start();

    const std::filesystem::path out = QDir::toNativeSeparators(outputDir).toStdString();
    // The worker owns copies of everything it reads; it reaches this object only through
    // queued calls, which Qt drops if the runner is gone (and the destructor joins first).
    m_worker = std::thread([this, settings, train, test = std::move(test), out, outputDir, cancel = m_cancel]() mutable {
        auto progress = [this](const automl::TrialEvent &event) {
            RunPtr run = toRunRecord(event.trial);
            const double best = event.bestScore;
            const int bestId = event.bestTrialId;
            QMetaObject::invokeMethod(this, [this, run, best, bestId]() { Q_EMIT trialFinished(run, best, bestId); },
                                      Qt::QueuedConnection);
        };
        auto result = automl::runAutoML(settings, train->data, std::move(test), progress, *cancel);
        QString message;
        QString written;
        bool canceled = cancel->canceled();
        if (!result.ok()) {
            message = QString::fromStdString(result.error());
        } else {
            canceled = result->canceled;
            if (auto failure = automl::writeRunOutput(*result, out))
                message = QString::fromStdString(failure->message);
            else
                written = outputDir;
        }
        QMetaObject::invokeMethod(
            this,
            [this, written, message, canceled]() {
                m_running = false;
                Q_EMIT finished(written, message, canceled);
            },
            Qt::QueuedConnection);
    });
    return true;
}

void TrialRunner::cancel()
{
    if (m_cancel)
        m_cancel->cancel();
}

bool TrialRunner::isCanceling() const
{
    return m_running && m_cancel && m_cancel->canceled();
}

std::chrono::milliseconds TrialRunner::elapsed() const
{
    return m_clock.isValid() ? std::chrono::milliseconds(m_clock.elapsed()) : std::chrono::milliseconds(0);
}

// ---- TrialProgressModel -----------------------------------------------------------------

TrialProgressModel::TrialProgressModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void TrialProgressModel::clear()
{
    beginResetModel();
    m_points.clear();
    endResetModel();
}

void TrialProgressModel::append(double seconds, double score, double bestScore)
{
    const int row = int(m_points.size());
    beginInsertRows({}, row, row);
    m_points.push_back({seconds, score, bestScore});
    endInsertRows();
}

int TrialProgressModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_points.size());
}

int TrialProgressModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TrialProgressModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    const Point &point = m_points.at(std::size_t(index.row()));
    switch (Column(index.column())) {
    case Seconds:
        return point.seconds;
    case Score:
        return std::isfinite(point.score) ? QVariant(point.score) : QVariant();
    case BestScore:
        return std::isfinite(point.best) ? QVariant(point.best) : QVariant();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant TrialProgressModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Seconds:
        return tr("Seconds");
    case Score:
        return tr("Score");
    case BestScore:
        return tr("Best so far");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace cerulean::ui
