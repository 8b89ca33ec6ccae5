#include "ui/pages/pipelines/pipelines_page.h"

#include "core/azure/cloud.h"
#include "ui/models/pipeline_table_model.h"
#include "ui/pages/pipelines/batch_tab.h"
#include "ui/pages/pipelines/create_tab.h"
#include "ui/pages/pipelines/pipeline_selection.h"
#include "ui/pages/pipelines/pipeline_widgets.h"
#include "ui/pages/pipelines/publish_tab.h"
#include "ui/pages/pipelines/run_tab.h"
#include "ui/pages/pipelines/schedules_tab.h"
#include "ui/session.h"
#include "ui/theme.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <chrono>

namespace cerulean::ui {

namespace {

using namespace std::chrono_literals;

// The jobs list is read again while a job in it runs: at once on the local service, and at
// Azure's pace (its jobs take minutes and its request budget is shared).
constexpr std::chrono::milliseconds kLocalListPoll = 1s;
constexpr std::chrono::milliseconds kAzureListPoll = 10s;
// The list takes about a third of the width; the tabs the rest.
constexpr int kListStretch = 1;
constexpr int kTabsStretch = 2;
constexpr int kListShare = 1;
constexpr int kTabsShare = 2;
// Room for "pipeline-20261206-101500" before the status.
constexpr int kNameColumnWidth = 150;

} // namespace

using namespace pipelines;

PipelinesPage::PipelinesPage(Session &session, QWidget *parent)
    : QWidget(parent)
    , m_selection(new PipelineSelection(session, this))
    , m_jobs(new PipelineTableModel({tr("Name"), tr("Status"), tr("Experiment"), tr("Display name")}, this))
    , m_jobsScope(this)
    , m_poll(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildJobsList());
    m_tabs = new QTabWidget(splitter);
    m_tabs->setObjectName(QStringLiteral("pipelineTabs"));
    m_create = new CreateTab(*m_selection, m_tabs);
    m_run = new RunTab(*m_selection, m_tabs);
    m_publish = new PublishTab(*m_selection, m_tabs);
    m_schedules = new SchedulesTab(*m_selection, m_tabs);
    m_batch = new BatchTab(*m_selection, m_tabs);
    m_tabs->addTab(m_create, tr("New pipeline"));
    m_tabs->addTab(m_run, tr("Steps && run"));
    m_tabs->addTab(m_publish, tr("Publish"));
    m_tabs->addTab(m_schedules, tr("Schedules"));
    m_tabs->addTab(m_batch, tr("Batch inference"));
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, kListStretch);
    splitter->setStretchFactor(1, kTabsStretch);
    // Proportions, scaled to the splitter's width when it is laid out.
    splitter->setSizes({kListShare * kNameColumnWidth, kTabsShare * kNameColumnWidth});
    layout->addWidget(splitter, 1);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    m_poll->setSingleShot(true);
    connect(m_poll, &QTimer::timeout, this, &PipelinesPage::loadJobs);
    connect(m_selection, &PipelineSelection::messageChanged, this, &PipelinesPage::showMessage);
    connect(m_selection, &PipelineSelection::updated, this, &PipelinesPage::updated);
    connect(m_selection, &PipelineSelection::connectionChanged, this, &PipelinesPage::startOver);
    connect(m_selection, &PipelineSelection::refreshRequested, this, &PipelinesPage::loadJobs);
    connect(m_selection, &PipelineSelection::jobSelected, this, [this](const QString &job) {
        reselect(m_jobsView, m_jobs, job);
        // What the list read is shown at once; the run reads the job again.
        if (const auto it = m_listed.constFind(job); it != m_listed.constEnd())
            m_selection->updateJob(it.value());
    });
    // A run that starts is shown on the steps tab, and the list reads it.
    connect(m_selection, &PipelineSelection::runStarted, this, [this] {
        m_tabs->setCurrentWidget(m_run);
        loadJobs();
    });
    m_selection->startOver();
}

PipelinesPage::~PipelinesPage() = default;

QWidget *PipelinesPage::buildJobsList()
{
    auto *panel = new QWidget(this);
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("<b>Pipeline jobs</b>"), panel));
    bar->addStretch();
    auto *refresh = button(QStringLiteral("refresh"), tr("Refresh"), panel);
    bar->addWidget(refresh);
    layout->addLayout(bar);
    m_jobsView = tableView(QStringLiteral("jobsView"), m_jobs, panel);
    // A run's name is often a GUID: its middle goes, so that its status stays in view.
    m_jobsView->setTextElideMode(Qt::ElideMiddle);
    m_jobsView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_jobsView->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_jobsView->horizontalHeader()->resizeSection(0, kNameColumnWidth);
    layout->addWidget(m_jobsView, 1);
    connect(refresh, &QPushButton::clicked, this, &PipelinesPage::refresh);
    connect(m_jobsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QString job = selectedName(m_jobsView, m_jobs);
        if (job.isEmpty())
            return;
        // A job picked while the form is shown is a job to look at.
        if (m_tabs->currentWidget() == m_create)
            m_tabs->setCurrentWidget(m_run);
        m_selection->selectJob(job);
    });
    return panel;
}

PipelineTableModel *PipelinesPage::steps() const { return m_run->steps(); }
PipelineTableModel *PipelinesPage::schedules() const { return m_schedules->schedules(); }
PipelineTableModel *PipelinesPage::history() const { return m_schedules->history(); }
PipelineTableModel *PipelinesPage::failedRows() const { return m_batch->failedRows(); }
PipelineGraphView *PipelinesPage::graphView() const { return m_run->graphView(); }
QString PipelinesPage::batchJob() const { return m_batch->batchJob(); }
QString PipelinesPage::selectedJob() const { return m_selection->job(); }
QString PipelinesPage::selectedSchedule() const { return m_selection->schedule(); }
QString PipelinesPage::lastStartedJob() const { return m_selection->lastStarted(); }
QString PipelinesPage::stepLog(const QString &stepJob) const { return m_run->stepLog(stepJob); }

void PipelinesPage::setCommandLineSignIn(PublishTab::CommandLineSignIn share)
{
    m_publish->setCommandLineSignIn(std::move(share));
}

void PipelinesPage::refresh() { m_selection->refresh(); }

void PipelinesPage::selectJob(const QString &name) { m_selection->selectJob(name); }

void PipelinesPage::selectSchedule(const QString &name) { m_selection->selectSchedule(name); }

void PipelinesPage::showMessage()
{
    m_message->setText(m_selection->message());
    m_message->setStyleSheet(m_selection->messageIsError() ? errorTextStyleSheet() : QString());
}

void PipelinesPage::startOver()
{
    m_poll->stop();
    m_jobsScope.end();
    m_jobs->clear();
    m_listed.clear();
    const auto ops = m_selection->operations();
    if (!ops)
        return;
    m_poll->setInterval(ops->cloud().isLocal() ? kLocalListPoll : kAzureListPoll);
    loadJobs();
}

void PipelinesPage::loadJobs()
{
    const auto ops = m_selection->operations();
    if (!ops)
        return;
    ops->listPipelineJobs(m_jobsScope.begin(), [this](azure::Result<QList<azure::PipelineJob>> jobs) {
        if (!jobs) {
            m_selection->showError(tr("Could not list the pipeline jobs"), jobs.error());
            return;
        }
        std::vector<PipelineTableModel::Row> rows;
        m_listed.clear();
        for (const azure::PipelineJob &job : jobs.value()) {
            rows.push_back({{job.name, job.status, job.experimentName, job.displayName}, {}});
            m_listed.insert(job.name, job);
        }
        m_jobs->setRows(std::move(rows));
        reselect(m_jobsView, m_jobs, m_selection->job());
        if (const auto it = m_listed.constFind(m_selection->job()); it != m_listed.constEnd())
            m_selection->updateJob(it.value());
        pollIfRunning();
        Q_EMIT updated();
    });
}

void PipelinesPage::pollIfRunning()
{
    bool running = false;
    for (auto it = m_listed.constBegin(); it != m_listed.constEnd() && !running; ++it)
        running = !it->isTerminal();
    if (running && !m_poll->isActive())
        m_poll->start();
}

} // namespace cerulean::ui
