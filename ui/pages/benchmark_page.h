#pragma once

#include "core/bench/load_generator.h"

#include <QUrl>
#include <QWidget>

#include <functional>
#include <memory>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace cerulean::ui {

class BenchHistogramModel;
class BenchPercentileModel;
class BenchRunner;
class BenchRunsModel;
class BenchThroughputModel;
class EndpointTarget;
class HistogramBenchChart;
class RateChart;

// Step 8, Benchmark: n requests at concurrency c (keep-alive or not) with the Consume form's
// body against the endpoint, run by core/bench off the GUI thread with progress and Cancel;
// requests/s, mean, ab's percentile table, a latency histogram and throughput over time;
// earlier runs kept side by side; export ab's report and a benchmark.sh running ab with the
// same settings.
class BenchmarkPage final : public QWidget
{
    Q_OBJECT

public:
    // `body` gives the request body to post (the Consume form's).
    BenchmarkPage(EndpointTarget *target, std::function<QByteArray()> body, QWidget *parent = nullptr);
    ~BenchmarkPage() override;

    void setRequests(int requests);
    void setConcurrency(int concurrency);
    void setKeepAlive(bool on);

    // Starts a run with the current settings; false (and statusText() says why) if it cannot.
    bool run();
    void cancel();
    bool isRunning() const;
    // Writes benchmark.sh, the body and the selected run's ab report into `directory`.
    QStringList exportTo(const QString &directory);

    BenchRunsModel *runsModel() const { return m_runs; }
    BenchPercentileModel *percentileModel() const { return m_percentiles; }
    BenchHistogramModel *histogramModel() const { return m_histogram; }
    BenchThroughputModel *throughputModel() const { return m_throughput; }
    HistogramBenchChart *histogramChart() const { return m_histogramChart; }
    RateChart *throughputChart() const { return m_throughputChart; }
    QString statusText() const;
    QString summaryText() const;

Q_SIGNALS:
    void runFinished();

private:
    void onProgress(const bench::Progress &progress);
    void onFinished(std::shared_ptr<const bench::BenchResult> result, const QString &error);
    void showRun(int row);
    void exportAs();
    void setRunning(bool running);

    EndpointTarget *m_target;
    std::function<QByteArray()> m_body;
    BenchRunner *m_runner;
    BenchRunsModel *m_runs;
    QSortFilterProxyModel *m_runsProxy;
    BenchPercentileModel *m_percentiles;
    BenchHistogramModel *m_histogram;
    BenchThroughputModel *m_throughput;
    QSpinBox *m_requests;
    QSpinBox *m_concurrency;
    QCheckBox *m_keepAlive;
    QPushButton *m_run;
    QPushButton *m_cancel;
    QPushButton *m_export;
    QProgressBar *m_progress;
    QLabel *m_status;
    QLabel *m_summary;
    QTableView *m_percentileView;
    QTableView *m_runsView;
    HistogramBenchChart *m_histogramChart;
    RateChart *m_throughputChart;
    QByteArray m_runningBody;
    QUrl m_runningUrl;
    bool m_runningWithKey = false;
    quint64 m_runningRequests = 0;
    int m_shownRow = -1;
};

} // namespace cerulean::ui
