#pragma once

#include "core/automl/csv.h"
#include "core/automl/engine.h"
#include "ui/models/leaderboard_model.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QObject>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

namespace cerulean::ui {

// Runs core/automl's engine on a worker thread for the local compute target and reports
// each finished trial on the GUI thread; at the end the run is written to a run folder
// (the same layout as `cerulean-cli automl --out DIR`). Destroying the runner cancels the
// run and waits for the worker.
class TrialRunner final : public QObject
{
    Q_OBJECT

public:
    explicit TrialRunner(QObject *parent = nullptr);
    ~TrialRunner() override;

    // Starts a run; false (with *error) when one is already running.
    bool start(const automl::AutoMLSettings &settings, std::shared_ptr<const automl::CsvTable> train,
               std::optional<automl::Dataset> test, const QString &outputDir, QString *error);
    void cancel();
    bool isRunning() const { return m_running; }
    bool isCanceling() const;
    std::chrono::milliseconds elapsed() const;
    std::chrono::milliseconds timeout() const { return m_timeout; }
    QString primaryMetric() const { return m_primaryMetric; }

    // A finished trial in the leaderboard's terms (charts parsed from chartsJson).
    static RunPtr toRunRecord(const automl::TrialResult &trial);

Q_SIGNALS:
    void trialFinished(cerulean::ui::RunPtr run, double bestScore, int bestRunId);
    // outputDir is the written run folder; on failure it is empty and error says why.
    void finished(const QString &outputDir, const QString &error, bool canceled);

private:
    void join();

    bool m_running = false;
    QString m_primaryMetric;
    std::chrono::milliseconds m_timeout{0};
    QElapsedTimer m_clock;
    std::shared_ptr<automl::CancelToken> m_cancel;
    std::thread m_worker;
};

// The best score over time of a live run: one row per finished trial (seconds since the
// start, the trial's score, the best so far), mapped by the best-score chart.
class TrialProgressModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Seconds,
        Score,
        BestScore,
        ColumnCount
    };

    explicit TrialProgressModel(QObject *parent = nullptr);

    void clear();
    void append(double seconds, double score, double bestScore);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Point
    {
        double seconds = 0;
        double score = 0;
        double best = 0;
    };
    std::vector<Point> m_points;
};

} // namespace cerulean::ui
