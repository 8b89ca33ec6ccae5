#include "ui/pages/benchmark_page.h"

#include "ui/charts/histogram_bench_chart.h"
#include "ui/charts/rate_chart.h"
#include "ui/models/bench_export.h"
#include "ui/models/bench_runner.h"
#include "ui/models/bench_runs_model.h"
#include "ui/models/endpoint_target.h"
#include "ui/pages/endpoint_bar.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

constexpr int kMaxRequests = 10'000'000;
constexpr int kMaxConcurrency = 1000;

} // namespace

BenchmarkPage::BenchmarkPage(EndpointTarget *target, std::function<QByteArray()> body, QWidget *parent)
    : QWidget(parent)
    , m_target(target)
    , m_body(std::move(body))
    , m_runner(new BenchRunner(this))
    , m_runs(new BenchRunsModel(this))
    , m_runsProxy(new QSortFilterProxyModel(this))
    , m_percentiles(new BenchPercentileModel(m_runs, this))
    , m_histogram(new BenchHistogramModel(this))
    , m_throughput(new BenchThroughputModel(this))
    , m_requests(new QSpinBox(this))
    , m_concurrency(new QSpinBox(this))
    , m_keepAlive(new QCheckBox(tr("&Keep-alive"), this))
    , m_run(new QPushButton(tr("&Run"), this))
    , m_cancel(new QPushButton(tr("Ca&ncel"), this))
    , m_export(new QPushButton(tr("E&xport ab report and benchmark.sh…"), this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_percentileView(new QTableView(this))
    , m_runsView(new QTableView(this))
    , m_histogramChart(new HistogramBenchChart(m_histogram, this))
    , m_throughputChart(new RateChart(m_throughput, BenchThroughputModel::TimeColumn,
                                      BenchThroughputModel::RequestsPerSecondColumn, tr("Throughput over time"),
                                      tr("seconds"), tr("requests/s"), this))
{
    setObjectName(QStringLiteral("benchmarkPage"));
    qRegisterMetaType<bench::Progress>();
    auto *bar = new EndpointBar(target, this);

    m_requests->setObjectName(QStringLiteral("requests"));
    m_requests->setRange(1, kMaxRequests);
    m_requests->setValue(1000);
    m_requests->setGroupSeparatorShown(true);
    m_requests->setToolTip(tr("How many requests to send in all (ab -n)"));
    m_concurrency->setObjectName(QStringLiteral("concurrency"));
    m_concurrency->setRange(1, kMaxConcurrency);
    m_concurrency->setValue(4);
    m_concurrency->setToolTip(tr("How many requests are in flight at once (ab -c)"));
    m_keepAlive->setObjectName(QStringLiteral("keepAlive"));
    m_keepAlive->setChecked(true);
    m_keepAlive->setToolTip(tr("Reuse connections (ab -k). Off: a new TCP connection for every request"));
    m_run->setObjectName(QStringLiteral("run"));
    m_run->setToolTip(tr("Post the Consume form's request body to the scoring URI (Ctrl+R)"));
    m_cancel->setObjectName(QStringLiteral("cancel"));
    m_cancel->setToolTip(tr("Stop the run; what completed so far is kept (Esc)"));
    m_cancel->setEnabled(false);
    m_export->setObjectName(QStringLiteral("export"));
    m_export->setToolTip(tr("Write benchmark.sh (Apache Bench with these settings), data.json and the selected "
                            "run's report in ab's format into a folder"));
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_status->setObjectName(QStringLiteral("benchStatus"));
    m_status->setWordWrap(true);
    m_summary->setObjectName(QStringLiteral("benchSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_summary->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    m_summary->setFont(big);

    auto *requestsLabel = new QLabel(tr("Re&quests:"), this);
    requestsLabel->setBuddy(m_requests);
    auto *concurrencyLabel = new QLabel(tr("C&oncurrency:"), this);
    concurrencyLabel->setBuddy(m_concurrency);
    auto *settings = new QHBoxLayout;
    settings->addWidget(requestsLabel);
    settings->addWidget(m_requests);
    settings->addWidget(concurrencyLabel);
    settings->addWidget(m_concurrency);
    settings->addWidget(m_keepAlive);
    settings->addWidget(m_run);
    settings->addWidget(m_cancel);
    settings->addWidget(m_progress, 1);

    m_percentileView->setObjectName(QStringLiteral("percentiles"));
    m_percentileView->setModel(m_percentiles);
    m_percentileView->verticalHeader()->hide();
    m_percentileView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_percentileView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_percentileView->setToolTip(tr("Percentage of the requests served within a time, as ab reports it; one column "
                                    "per run, for comparison"));

    m_runsProxy->setSourceModel(m_runs);
    m_runsProxy->setSortRole(Qt::UserRole);
    m_runsView->setObjectName(QStringLiteral("runs"));
    m_runsView->setModel(m_runsProxy);
    m_runsView->setSortingEnabled(true);
    m_runsView->sortByColumn(BenchRunsModel::RunColumn, Qt::AscendingOrder);
    m_runsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_runsView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_runsView->verticalHeader()->hide();
    m_runsView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_runsView->horizontalHeader()->setStretchLastSection(true);
    connect(m_runsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    showRun(m_runsProxy->mapToSource(current).row());
            });

    m_histogramChart->setMinimumSize(260, 200);
    m_throughputChart->setObjectName(QStringLiteral("throughputChart"));
    m_throughputChart->setMinimumSize(260, 200);

    auto *charts = new QSplitter(Qt::Horizontal, this);
    charts->addWidget(m_percentileView);
    charts->addWidget(m_histogramChart);
    charts->addWidget(m_throughputChart);
    charts->setStretchFactor(0, 1);
    charts->setStretchFactor(1, 2);
    charts->setStretchFactor(2, 2);
    charts->setChildrenCollapsible(false);

    auto *runsBox = new QWidget(this);
    auto *runsLayout = new QVBoxLayout(runsBox);
    runsLayout->setContentsMargins(0, 0, 0, 0);
    auto *runsHeader = new QHBoxLayout;
    runsHeader->addWidget(new QLabel(tr("<b>Runs</b> (select one to show its histogram and throughput)"), this), 1);
    runsHeader->addWidget(m_export);
    runsLayout->addLayout(runsHeader);
    runsLayout->addWidget(m_runsView);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(charts);
    split->addWidget(runsBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(bar);
    layout->addLayout(settings);
    layout->addWidget(m_status);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    connect(m_run, &QPushButton::clicked, this, &BenchmarkPage::run);
    connect(m_cancel, &QPushButton::clicked, this, &BenchmarkPage::cancel);
    connect(m_export, &QPushButton::clicked, this, &BenchmarkPage::exportAs);
    connect(new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_R), this), &QShortcut::activated, this, &BenchmarkPage::run);
    connect(new QShortcut(QKeySequence(Qt::Key_Escape), this), &QShortcut::activated, this, &BenchmarkPage::cancel);
    connect(m_runner, &BenchRunner::progress, this, &BenchmarkPage::onProgress);
    connect(m_runner, &BenchRunner::finished, this, &BenchmarkPage::onFinished);

    m_status->setText(tr("Posts the Consume form's request to the scoring URI, as ab -p data.json would."));
    m_export->setEnabled(false);
}

BenchmarkPage::~BenchmarkPage() = default;

void BenchmarkPage::setRequests(int requests)
{
    m_requests->setValue(requests);
}

void BenchmarkPage::setConcurrency(int concurrency)
{
    m_concurrency->setValue(concurrency);
}

void BenchmarkPage::setKeepAlive(bool on)
{
    m_keepAlive->setChecked(on);
}

bool BenchmarkPage::isRunning() const
{
    return m_runner->isRunning();
}

QString BenchmarkPage::statusText() const
{
    return m_status->text();
}

QString BenchmarkPage::summaryText() const
{
    return m_summary->text();
}

void BenchmarkPage::setRunning(bool running)
{
    m_run->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_requests->setEnabled(!running);
    m_concurrency->setEnabled(!running);
    m_keepAlive->setEnabled(!running);
}

bool BenchmarkPage::run()
{
    if (m_runner->isRunning())
        return false;
    if (!m_target->isSet()) {
        m_status->setText(tr("Enter the endpoint's scoring URI first."));
        return false;
    }
    const QByteArray body = m_body ? m_body() : QByteArray();
    if (body.isEmpty()) {
        m_status->setText(tr("Load the endpoint's schema on the Consume page first: its form gives the body."));
        return false;
    }
    BenchSettings settings;
    settings.url = m_target->scoringUri();
    settings.key = m_target->key();
    settings.body = body;
    settings.requests = quint64(m_requests->value());
    settings.concurrency = unsigned(m_concurrency->value());
    settings.keepAlive = m_keepAlive->isChecked();
    QString error;
    if (!m_runner->start(settings, &error)) {
        m_status->setText(error);
        return false;
    }
    m_runningBody = body;
    m_runningUrl = settings.url;
    m_runningWithKey = !settings.key.isEmpty();
    m_runningRequests = settings.requests;
    m_progress->setRange(0, m_requests->value());
    m_progress->setValue(0);
    m_status->setText(tr("Running %1 requests at concurrency %2 against %3 …")
                          .arg(settings.requests)
                          .arg(settings.concurrency)
                          .arg(settings.url.toString()));
    setRunning(true);
    return true;
}

void BenchmarkPage::cancel()
{
    if (!m_runner->isRunning())
        return;
    m_runner->cancel();
    m_status->setText(tr("Cancelling …"));
}

void BenchmarkPage::onProgress(const bench::Progress &progress)
{
    m_progress->setValue(int(std::min<std::uint64_t>(progress.completed, std::uint64_t(m_progress->maximum()))));
    const double seconds = std::chrono::duration<double>(progress.elapsed).count();
    m_status->setText(tr("%1 of %2 requests, %3 failed, %4 s")
                          .arg(progress.completed)
                          .arg(progress.total)
                          .arg(progress.failed)
                          .arg(QString::number(seconds, 'f', 1)));
}

void BenchmarkPage::onFinished(std::shared_ptr<const bench::BenchResult> result, const QString &error)
{
    setRunning(false);
    if (!result) {
        m_progress->setValue(0);
        m_status->setText(tr("The benchmark could not run: %1").arg(error));
        Q_EMIT runFinished();
        return;
    }
    m_progress->setValue(int(result->completed + result->failures.total()));
    const int row = m_runs->addRun(m_target->displayName(), m_runningUrl, m_runningWithKey, result);
    m_status->setText(result->cancelled
                          ? tr("Cancelled after %1 of %2 requests.").arg(result->completed + result->failures.total()).arg(result->requested)
                          : tr("Done: %1 requests.").arg(result->completed + result->failures.total()));
    if (result->non2xx > 0 && result->statusCounts.count(401) > 0)
        m_status->setText(m_status->text() + QLatin1Char(' ')
                          + tr("%1 replies were 401 Unauthorized: check the key.").arg(result->statusCounts.at(401)));
    const QModelIndex shown = m_runsProxy->mapFromSource(m_runs->index(row, 0));
    m_runsView->setCurrentIndex(shown);
    m_runsView->selectRow(shown.row());
    showRun(row);
    m_export->setEnabled(true);
    Q_EMIT runFinished();
}

void BenchmarkPage::showRun(int row)
{
    const BenchRun *run = m_runs->run(row);
    if (!run)
        return;
    m_shownRow = row;
    m_histogram->setResult(run->result);
    m_throughput->setResult(run->result);
    const bench::BenchResult &r = *run->result;
    m_summary->setText(tr("Run %1: <b>%2 requests/s</b> · mean <b>%3 ms</b> · p99 %4 ms · %5 failed · %6 non-2xx · %7 s")
                           .arg(run->number)
                           .arg(QString::number(r.requestsPerSecond(), 'f', 1))
                           .arg(QString::number(toMilliseconds(r.latency.mean()), 'f', 3))
                           .arg(QString::number(toMilliseconds(r.latency.percentile(99)), 'f', 3))
                           .arg(r.failures.total())
                           .arg(r.non2xx)
                           .arg(QString::number(std::chrono::duration<double>(r.elapsed).count(), 'f', 2)));
}

QStringList BenchmarkPage::exportTo(const QString &directory)
{
    const BenchRun *run = m_runs->run(m_shownRow);
    BenchScriptSettings settings;
    settings.url = run ? run->url : m_target->scoringUri();
    settings.requests = run ? run->result->requested : quint64(m_requests->value());
    settings.concurrency = run ? run->result->concurrency : unsigned(m_concurrency->value());
    settings.keepAlive = run ? run->result->keepAlive : m_keepAlive->isChecked();
    settings.withKey = run ? run->withKey : !m_target->key().isEmpty();
    const QByteArray body = run && m_shownRow == m_runs->runCount() - 1 && !m_runningBody.isEmpty()
                                ? m_runningBody
                                : (m_body ? m_body() : QByteArray());
    QString error;
    const QStringList files = exportBenchmark(directory, settings, body, run ? run->result.get() : nullptr, error);
    m_status->setText(files.isEmpty() ? error : tr("Wrote %1").arg(files.join(QStringLiteral(", "))));
    return files;
}

void BenchmarkPage::exportAs()
{
    const QString directory = QFileDialog::getExistingDirectory(this, tr("Export the benchmark into a folder"));
    if (!directory.isEmpty())
        exportTo(directory);
}

} // namespace cerulean::ui
