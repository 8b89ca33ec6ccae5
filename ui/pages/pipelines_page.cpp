#include "ui/pages/pipelines_page.h"

#include "core/azure/cloud.h"
#include "ui/models/pipeline_client.h"
#include "ui/models/pipeline_table_model.h"
#include "ui/session.h"

#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <chrono>

namespace cerulean::ui {

namespace {

using namespace std::chrono_literals;

// The local service answers at once, so a short poll shows steps change as they do; Azure's
// jobs take minutes and its request budget is shared.
constexpr std::chrono::milliseconds kLocalPoll = 1s;
constexpr std::chrono::milliseconds kAzurePoll = 10s;
constexpr int kLogTailLines = 40;

QString key(const char *text) { return QString::fromLatin1(text); }

QJsonObject props(const QJsonObject &o) { return o.value(key("properties")).toObject(); }

QString stamp() { return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")); }

QTableView *tableView(const QString &name, PipelineTableModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->setAlternatingRowColors(true);
    return view;
}

QLineEdit *lineEdit(const QString &name, const QString &text, QWidget *parent, const QString &placeholder = {})
{
    auto *edit = new QLineEdit(text, parent);
    edit->setObjectName(name);
    edit->setPlaceholderText(placeholder);
    return edit;
}

QPushButton *button(const QString &name, const QString &text, QWidget *parent)
{
    auto *b = new QPushButton(text, parent);
    b->setObjectName(name);
    return b;
}

// "k=v, k2=v2" of a parameters object, as the form takes it back.
QString parametersText(const QJsonObject &parameters)
{
    QStringList parts;
    for (auto it = parameters.begin(); it != parameters.end(); ++it)
        parts << it.key() + QLatin1Char('=') +
                     (it.value().isDouble() ? QString::number(it.value().toDouble(), 'g', QLocale::FloatingPointShortest) : it.value().toString());
    return parts.join(QStringLiteral(", "));
}

// Keeps a view's selection on the row whose first cell is `name` after its model was reset.
void reselect(QTableView *view, PipelineTableModel *model, const QString &name)
{
    const int row = model->find(name);
    if (row >= 0)
        view->selectionModel()->select(model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

} // namespace

PipelinesPage::PipelinesPage(Session &session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_client(new PipelineClient(&session, this))
    , m_jobs(new PipelineTableModel({QStringLiteral("Name"), QStringLiteral("Status"), QStringLiteral("Experiment"),
                                     QStringLiteral("Display name")},
                                    this))
    , m_steps(new PipelineTableModel({QStringLiteral("Step"), QStringLiteral("Type"), QStringLiteral("Status"), QStringLiteral("Job"),
                                      QStringLiteral("Outputs")},
                                     this))
    , m_schedules(new PipelineTableModel({QStringLiteral("Name"), QStringLiteral("Enabled"), QStringLiteral("Trigger"),
                                          QStringLiteral("Pipeline")},
                                         this))
    , m_history(new PipelineTableModel({QStringLiteral("Scheduled"), QStringLiteral("Status"), QStringLiteral("Job"),
                                        QStringLiteral("Job status or reason")},
                                       this))
    , m_poll(new QTimer(this))
{
    build();
    m_poll->setSingleShot(true);
    connect(m_poll, &QTimer::timeout, this, [this] {
        loadJobs();
        if (!m_selectedJob.isEmpty())
            loadSteps();
    });
    connect(&m_session, &Session::connectionChanged, this, &PipelinesPage::connected);
    connect(&m_session, &Session::dataAssetChanged, this, [this] {
        if (!m_session.dataAsset().isEmpty())
            m_data->setText(m_session.dataAsset());
    });
    connected();
}

PipelinesPage::~PipelinesPage() = default;

void PipelinesPage::build()
{
    auto *layout = new QVBoxLayout(this);
    auto *title = new QLabel(tr("<h2>Pipelines</h2>Train with a pipeline, run it again with other parameters, publish it "
                                "behind a REST trigger and run it on a schedule."),
                             this);
    title->setWordWrap(true);
    layout->addWidget(title);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    auto *left = new QWidget(splitter);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto *jobsBar = new QHBoxLayout;
    jobsBar->addWidget(new QLabel(tr("<b>Pipeline jobs</b>"), left));
    jobsBar->addStretch();
    m_refresh = button(QStringLiteral("refresh"), tr("Refresh"), left);
    jobsBar->addWidget(m_refresh);
    leftLayout->addLayout(jobsBar);
    m_jobsView = tableView(QStringLiteral("jobsView"), m_jobs, left);
    leftLayout->addWidget(m_jobsView, 1);
    leftLayout->addWidget(buildCreateForm());
    splitter->addWidget(left);

    auto *tabs = new QTabWidget(splitter);
    tabs->setObjectName(QStringLiteral("pipelineTabs"));
    tabs->addTab(buildRunTab(), tr("Steps && run"));
    tabs->addTab(buildPublishTab(), tr("Publish"));
    tabs->addTab(buildSchedulesTab(), tr("Schedules"));
    splitter->addWidget(tabs);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_message);

    connect(m_refresh, &QPushButton::clicked, this, &PipelinesPage::refresh);
    connect(m_jobsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_jobsView->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            selectJob(m_jobs->cell(rows.first().row(), 0));
    });
    connect(m_schedulesView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_schedulesView->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            selectSchedule(m_schedules->cell(rows.first().row(), 0));
    });
}

QWidget *PipelinesPage::buildCreateForm()
{
    auto *box = new QGroupBox(tr("New training pipeline"), this);
    auto *form = new QFormLayout(box);
    m_jobName = lineEdit(QStringLiteral("jobName"), {}, box, tr("generated when empty"));
    m_data = lineEdit(QStringLiteral("trainingData"), m_session.dataAsset(), box, tr("azureml:name:version"));
    m_target = lineEdit(QStringLiteral("targetColumn"), QStringLiteral("y"), box);
    m_compute = lineEdit(QStringLiteral("compute"), QStringLiteral("cpu"), box);
    m_trials = new QSpinBox(box);
    m_trials->setObjectName(QStringLiteral("maxTrials"));
    m_trials->setRange(1, 100);
    m_trials->setValue(2);
    m_minutes = new QSpinBox(box);
    m_minutes->setObjectName(QStringLiteral("timeoutMinutes"));
    m_minutes->setRange(1, 24 * 60);
    m_minutes->setValue(1);
    m_minutes->setSuffix(tr(" min"));
    auto *budget = new QHBoxLayout;
    budget->addWidget(m_trials);
    budget->addWidget(new QLabel(tr("trials within"), box));
    budget->addWidget(m_minutes);
    m_parameters = lineEdit(QStringLiteral("parameters"), QStringLiteral("avg_rate=0.5"), box, tr("name=default, …"));
    m_modelName = lineEdit(QStringLiteral("modelName"), QStringLiteral("pipeline-model"), box, tr("not registered when empty"));
    m_experiment = lineEdit(QStringLiteral("experiment"), QStringLiteral("pipelines"), box);
    m_create = button(QStringLiteral("create"), tr("Create and run"), box);
    form->addRow(tr("Job name"), m_jobName);
    form->addRow(tr("Training data"), m_data);
    form->addRow(tr("Target column"), m_target);
    form->addRow(tr("Compute"), m_compute);
    form->addRow(tr("AutoML budget"), budget);
    form->addRow(tr("Parameters"), m_parameters);
    form->addRow(tr("Register model as"), m_modelName);
    form->addRow(tr("Experiment"), m_experiment);
    form->addRow(QString(), m_create);
    connect(m_create, &QPushButton::clicked, this, &PipelinesPage::createPipeline);
    return box;
}

QWidget *PipelinesPage::buildRunTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    m_selectedLabel = new QLabel(tr("Select a pipeline job."), tab);
    m_selectedLabel->setObjectName(QStringLiteral("selectedJob"));
    layout->addWidget(m_selectedLabel);
    auto *runRow = new QHBoxLayout;
    m_runParameters = lineEdit(QStringLiteral("runParameters"), {}, tab, tr("name=value, …"));
    m_runName = lineEdit(QStringLiteral("runName"), {}, tab, tr("new job name (generated when empty)"));
    m_run = button(QStringLiteral("run"), tr("Run again"), tab);
    runRow->addWidget(new QLabel(tr("Parameters"), tab));
    runRow->addWidget(m_runParameters, 2);
    runRow->addWidget(m_runName, 1);
    runRow->addWidget(m_run);
    layout->addLayout(runRow);
    m_stepsView = tableView(QStringLiteral("stepsView"), m_steps, tab);
    layout->addWidget(m_stepsView, 1);
    m_details = new QPlainTextEdit(tab);
    m_details->setObjectName(QStringLiteral("details"));
    m_details->setReadOnly(true);
    m_details->setLineWrapMode(QPlainTextEdit::NoWrap);
    layout->addWidget(m_details, 1);
    connect(m_run, &QPushButton::clicked, this, &PipelinesPage::runPipeline);
    return tab;
}

QWidget *PipelinesPage::buildPublishTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    auto *form = new QFormLayout;
    auto *publishRow = new QHBoxLayout;
    m_endpointName = lineEdit(QStringLiteral("endpointName"), {}, tab, tr("pipeline endpoint name"));
    m_publish = button(QStringLiteral("publish"), tr("Publish selected pipeline"), tab);
    publishRow->addWidget(m_endpointName, 1);
    publishRow->addWidget(m_publish);
    form->addRow(tr("Endpoint"), publishRow);
    m_triggerUrlEdit = lineEdit(QStringLiteral("triggerUrl"), {}, tab);
    m_triggerUrlEdit->setReadOnly(true);
    form->addRow(tr("Trigger URL"), m_triggerUrlEdit);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Call it from a shell (put an access token for the workspace in $TOKEN):"), tab));
    m_curl = new QPlainTextEdit(tab);
    m_curl->setObjectName(QStringLiteral("curl"));
    m_curl->setReadOnly(true);
    m_curl->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_curl->setMaximumHeight(110);
    layout->addWidget(m_curl);
    auto *triggerForm = new QFormLayout;
    m_triggerExperiment = lineEdit(QStringLiteral("triggerExperiment"), QStringLiteral("triggered"), tab);
    m_triggerValues = lineEdit(QStringLiteral("triggerParameters"), {}, tab, tr("name=value, … (defaults when empty)"));
    m_trigger = button(QStringLiteral("trigger"), tr("Trigger now"), tab);
    m_trigger->setEnabled(false);
    triggerForm->addRow(tr("Experiment"), m_triggerExperiment);
    triggerForm->addRow(tr("Parameters"), m_triggerValues);
    triggerForm->addRow(QString(), m_trigger);
    layout->addLayout(triggerForm);
    layout->addStretch();
    connect(m_publish, &QPushButton::clicked, this, &PipelinesPage::publish);
    connect(m_trigger, &QPushButton::clicked, this, &PipelinesPage::trigger);
    return tab;
}

QWidget *PipelinesPage::buildSchedulesTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    auto *form = new QFormLayout;
    m_scheduleName = lineEdit(QStringLiteral("scheduleName"), {}, tab, tr("schedule name"));
    m_scheduleKind = new QComboBox(tab);
    m_scheduleKind->setObjectName(QStringLiteral("scheduleKind"));
    m_scheduleKind->addItems({tr("Recurrence"), tr("Cron")});
    auto *recurrence = new QHBoxLayout;
    m_interval = new QSpinBox(tab);
    m_interval->setObjectName(QStringLiteral("interval"));
    m_interval->setRange(1, 1000);
    m_frequency = new QComboBox(tab);
    m_frequency->setObjectName(QStringLiteral("frequency"));
    m_frequency->addItems({QStringLiteral("Minute"), QStringLiteral("Hour"), QStringLiteral("Day"), QStringLiteral("Week"),
                           QStringLiteral("Month")});
    m_frequency->setCurrentText(QStringLiteral("Day"));
    recurrence->addWidget(new QLabel(tr("every"), tab));
    recurrence->addWidget(m_interval);
    recurrence->addWidget(m_frequency, 1);
    m_cron = lineEdit(QStringLiteral("cron"), QStringLiteral("0 6 * * *"), tab, tr("minute hour day month weekday"));
    m_cron->setEnabled(false);
    m_createSchedule = button(QStringLiteral("createSchedule"), tr("Schedule selected pipeline"), tab);
    form->addRow(tr("Name"), m_scheduleName);
    form->addRow(tr("Repeat"), m_scheduleKind);
    form->addRow(tr("Recurrence"), recurrence);
    form->addRow(tr("Cron"), m_cron);
    form->addRow(QString(), m_createSchedule);
    layout->addLayout(form);
    m_schedulesView = tableView(QStringLiteral("schedulesView"), m_schedules, tab);
    layout->addWidget(m_schedulesView, 1);
    auto *actions = new QHBoxLayout;
    m_enable = button(QStringLiteral("enableSchedule"), tr("Enable"), tab);
    m_disable = button(QStringLiteral("disableSchedule"), tr("Disable"), tab);
    m_historyRefresh = button(QStringLiteral("historyRefresh"), tr("Refresh history"), tab);
    actions->addWidget(m_enable);
    actions->addWidget(m_disable);
    actions->addStretch();
    actions->addWidget(m_historyRefresh);
    layout->addLayout(actions);
    layout->addWidget(new QLabel(tr("Runs the selected schedule started:"), tab));
    m_historyView = tableView(QStringLiteral("historyView"), m_history, tab);
    layout->addWidget(m_historyView, 1);
    connect(m_scheduleKind, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_cron->setEnabled(index == 1);
        m_interval->setEnabled(index == 0);
        m_frequency->setEnabled(index == 0);
    });
    connect(m_createSchedule, &QPushButton::clicked, this, &PipelinesPage::createSchedule);
    connect(m_enable, &QPushButton::clicked, this, [this] { setScheduleEnabled(true); });
    connect(m_disable, &QPushButton::clicked, this, [this] { setScheduleEnabled(false); });
    connect(m_historyRefresh, &QPushButton::clicked, this, &PipelinesPage::loadHistory);
    return tab;
}

void PipelinesPage::connected()
{
    m_poll->stop();
    m_selectedJob.clear();
    m_selectedJobObject = {};
    m_selectedSchedule.clear();
    m_logs.clear();
    m_logRequested.clear();
    m_triggerUrl.clear();
    m_triggerUrlEdit->clear();
    m_curl->clear();
    m_trigger->setEnabled(false);
    m_jobs->clear();
    m_steps->clear();
    m_schedules->clear();
    m_history->clear();
    updateDetails();
    if (m_session.cloud())
        m_poll->setInterval(m_session.cloud()->isLocal() ? kLocalPoll : kAzurePoll);
    if (m_client->isReady()) {
        showMessage(tr("Connected to %1.").arg(m_session.displayName()));
        refresh();
    } else {
        showMessage(tr("Connect to a workspace in the Workspace step to work with pipelines."));
    }
}

void PipelinesPage::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b02020;") : QString());
}

bool PipelinesPage::checkConnected()
{
    if (m_client->isReady())
        return true;
    showMessage(tr("Not connected to a workspace."), true);
    return false;
}

void PipelinesPage::refresh()
{
    if (!checkConnected())
        return;
    loadJobs();
    loadSchedules();
    if (!m_selectedJob.isEmpty())
        loadSteps();
}

void PipelinesPage::loadJobs()
{
    m_client->send("GET", m_client->workspaceId() + QStringLiteral("/jobs?jobType=Pipeline"), [this](const PipelineReply &reply) {
        if (!reply.ok()) {
            showMessage(tr("Could not list the pipeline jobs: %1").arg(reply.error()), true);
            return;
        }
        std::vector<PipelineTableModel::Row> rows;
        for (const QJsonValue v : reply.json().value(key("value")).toArray()) {
            const QJsonObject job = v.toObject();
            const QJsonObject p = props(job);
            if (p.value(key("jobType")).toString() != QLatin1String("Pipeline") ||
                !props(p).value(key("azureml.pipeline.parentJobName")).toString().isEmpty())
                continue;
            rows.push_back({{job.value(key("name")).toString(), p.value(key("status")).toString(), p.value(key("experimentName")).toString(),
                             p.value(key("displayName")).toString()},
                            job});
        }
        const QSignalBlocker block(m_jobsView->selectionModel());
        m_jobs->setRows(std::move(rows));
        reselect(m_jobsView, m_jobs, m_selectedJob);
        const int selected = m_jobs->find(m_selectedJob);
        if (selected >= 0) {
            // A job selected before the list knew it (just created) gets its parameters now.
            if (m_selectedJobObject.isEmpty())
                m_runParameters->setText(parametersText(pipelineParameters(m_jobs->row(selected)->object)));
            m_selectedJobObject = m_jobs->row(selected)->object;
            updateDetails();
        }
        pollIfRunning();
        Q_EMIT updated();
    });
}

void PipelinesPage::selectJob(const QString &name)
{
    if (name == m_selectedJob)
        return;
    m_selectedJob = name;
    const int row = m_jobs->find(name);
    m_selectedJobObject = row >= 0 ? m_jobs->row(row)->object : QJsonObject();
    {
        const QSignalBlocker block(m_jobsView->selectionModel());
        reselect(m_jobsView, m_jobs, name);
    }
    m_steps->clear();
    m_runParameters->setText(parametersText(pipelineParameters(m_selectedJobObject)));
    if (m_endpointName->text().isEmpty() || m_endpointName->isModified() == false)
        m_endpointName->setText(name.isEmpty() ? QString() : name + QStringLiteral("-endpoint"));
    updateDetails();
    if (!name.isEmpty())
        loadSteps();
}

void PipelinesPage::loadSteps()
{
    const QString job = m_selectedJob;
    const quint64 generation = ++m_stepsGeneration;
    m_client->send("GET", m_client->workspaceId() + QStringLiteral("/jobs?parentJobName=") + job,
                   [this, job, generation](const PipelineReply &reply) {
                       if (generation != m_stepsGeneration)
                           return; // another job was selected since
                       if (!reply.ok()) {
                           showMessage(tr("Could not read the steps of %1: %2").arg(job, reply.error()), true);
                           return;
                       }
                       std::vector<PipelineTableModel::Row> rows;
                       for (const QJsonValue v : reply.json().value(key("value")).toArray()) {
                           const QJsonObject child = v.toObject();
                           const QJsonObject p = props(child);
                           const QJsonObject extra = props(p);
                           QString status = p.value(key("status")).toString();
                           if (extra.value(key("azureml.isreused")).toString() == QLatin1String("true"))
                               status += tr(" (reused)");
                           QStringList outputs;
                           const QJsonObject outs = p.value(key("outputs")).toObject();
                           for (auto it = outs.begin(); it != outs.end(); ++it)
                               if (it.key() != QLatin1String("default"))
                                   outputs << it.key() + QLatin1Char('=') + it.value().toObject().value(key("uri")).toString();
                           rows.push_back({{extra.value(key("azureml.pipeline.stepName")).toString(),
                                            extra.value(key("azureml.pipeline.stepType")).toString(), status,
                                            child.value(key("name")).toString(), outputs.join(QStringLiteral("; "))},
                                           child});
                       }
                       m_steps->setRows(std::move(rows));
                       for (int i = 0; i < m_steps->rowCount(); ++i) {
                           const QString type = m_steps->cell(i, 1).toLower();
                           const QString name = m_steps->cell(i, 3);
                           // A reused step did not run: its log is the one of the job that made its
                           // outputs (a reused job may itself have reused another, its outputs name the first).
                           const QJsonObject step = props(m_steps->row(i)->object);
                           QString reused;
                           if (!props(step).value(key("azureml.reusedjobname")).toString().isEmpty()) {
                               reused = props(step).value(key("azureml.reusedjobname")).toString();
                               const QJsonObject outs = step.value(key("outputs")).toObject();
                               for (auto o = outs.begin(); o != outs.end(); ++o) {
                                   static const QRegularExpression producer(QStringLiteral("^azureml://jobs/([^/]+)/outputs/"));
                                   const auto match = producer.match(o.value().toObject().value(key("uri")).toString());
                                   if (match.hasMatch()) {
                                       reused = match.captured(1);
                                       break;
                                   }
                               }
                           }
                           if (type == QLatin1String("command") && isTerminalJobStatus(m_steps->cell(i, 2).section(QLatin1Char(' '), 0, 0)) &&
                               !m_logRequested.contains(name))
                               loadLog(name, reused.isEmpty() ? name : reused);
                       }
                       updateDetails();
                       pollIfRunning();
                       Q_EMIT updated();
                   });
}

void PipelinesPage::loadLog(const QString &childJob, const QString &logJob)
{
    m_logRequested.insert(childJob);
    m_client->send("GET",
                   QStringLiteral("/mlflow/v1.0") + m_client->workspaceId() + QStringLiteral("/api/2.0/mlflow/artifacts/get?run_id=") +
                       logJob + QStringLiteral("&path=user_logs/std_log.txt"),
                   [this, childJob](const PipelineReply &reply) {
                       if (!reply.ok()) {
                           m_logs.insert(childJob, tr("(no log: %1)").arg(reply.error()));
                       } else {
                           QStringList lines = QString::fromUtf8(reply.body).split(QLatin1Char('\n'));
                           while (!lines.isEmpty() && lines.last().isEmpty())
                               lines.removeLast();
                           if (lines.size() > kLogTailLines)
                               lines = lines.mid(lines.size() - kLogTailLines);
                           m_logs.insert(childJob, lines.join(QLatin1Char('\n')));
                       }
                       updateDetails();
                       Q_EMIT updated();
                   });
}

void PipelinesPage::updateDetails()
{
    const bool selected = !m_selectedJob.isEmpty();
    m_run->setEnabled(selected);
    m_publish->setEnabled(selected);
    m_createSchedule->setEnabled(selected);
    if (!selected) {
        m_selectedLabel->setText(tr("Select a pipeline job."));
        m_details->clear();
        return;
    }
    const QJsonObject p = props(m_selectedJobObject);
    m_selectedLabel->setText(tr("<b>%1</b> — %2").arg(m_selectedJob.toHtmlEscaped(), p.value(key("status")).toString()));
    QStringList text;
    const QJsonObject inputs = p.value(key("inputs")).toObject();
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        const QJsonObject in = it.value().toObject();
        text << tr("input   %1 = %2").arg(it.key(), in.contains(key("value")) ? in.value(key("value")).toString() : in.value(key("uri")).toString());
    }
    const QJsonObject outputs = p.value(key("outputs")).toObject();
    for (auto it = outputs.begin(); it != outputs.end(); ++it) {
        if (it.key() == QLatin1String("default"))
            continue;
        const QJsonObject o = it.value().toObject();
        QString line = tr("output  %1 = %2").arg(it.key(), o.value(key("uri")).toString());
        if (o.contains(key("assetName")))
            line += tr(" (model %1:%2)").arg(o.value(key("assetName")).toString(), o.value(key("assetVersion")).toString());
        text << line;
    }
    const QString error = props(p).value(key("azureml.error")).toString();
    if (!error.isEmpty())
        text << tr("error   %1").arg(error);
    for (int i = 0; i < m_steps->rowCount(); ++i) {
        const auto it = m_logs.constFind(m_steps->cell(i, 3));
        if (it != m_logs.constEnd()) {
            text << QString() << tr("— log of step %1 (%2) —").arg(m_steps->cell(i, 0), m_steps->cell(i, 3)) << it.value();
        }
    }
    m_details->setPlainText(text.join(QLatin1Char('\n')));
}

void PipelinesPage::pollIfRunning()
{
    bool running = false;
    for (int i = 0; i < m_jobs->rowCount() && !running; ++i)
        running = !isTerminalJobStatus(m_jobs->cell(i, 1));
    for (int i = 0; i < m_steps->rowCount() && !running; ++i)
        running = !isTerminalJobStatus(m_steps->cell(i, 2).section(QLatin1Char(' '), 0, 0));
    if (running && !m_poll->isActive())
        m_poll->start();
}

void PipelinesPage::started(const QString &job, const QString &what)
{
    m_lastStarted = job;
    showMessage(tr("%1: started %2.").arg(what, job));
    m_selectedJob.clear(); // so that selecting the new job reads its steps
    loadJobs();
    selectJob(job);
}

void PipelinesPage::createPipeline()
{
    if (!checkConnected())
        return;
    PipelineForm form;
    form.trainingData = m_data->text();
    form.targetColumn = m_target->text();
    form.compute = m_compute->text();
    form.maxTrials = m_trials->value();
    form.timeoutMinutes = m_minutes->value();
    form.parameters = m_parameters->text();
    form.modelName = m_modelName->text();
    form.experiment = m_experiment->text();
    QString error;
    const auto body = pipelineJobBody(form, &error);
    if (!body) {
        showMessage(error, true);
        return;
    }
    const QString name = m_jobName->text().trimmed().isEmpty() ? QStringLiteral("pipeline-") + stamp() : m_jobName->text().trimmed();
    m_create->setEnabled(false);
    m_client->send("PUT", m_client->workspaceId() + QStringLiteral("/jobs/") + name, *body, [this, name](const PipelineReply &reply) {
        m_create->setEnabled(true);
        if (!reply.ok()) {
            showMessage(tr("Could not create %1: %2").arg(name, reply.error()), true);
            return;
        }
        m_jobName->clear();
        started(name, tr("Created"));
    });
}

void PipelinesPage::runPipeline()
{
    if (!checkConnected() || m_selectedJobObject.isEmpty())
        return;
    QString error;
    const auto assignments = parseParameters(m_runParameters->text(), &error);
    if (!assignments) {
        showMessage(error, true);
        return;
    }
    const auto body = rerunBody(m_selectedJobObject, *assignments, QString(), &error);
    if (!body) {
        showMessage(error, true);
        return;
    }
    const QString name = m_runName->text().trimmed().isEmpty() ? m_selectedJob.section(QStringLiteral("-run-"), 0, 0) + QStringLiteral("-run-") + stamp()
                                                               : m_runName->text().trimmed();
    m_run->setEnabled(false);
    m_client->send("PUT", m_client->workspaceId() + QStringLiteral("/jobs/") + name, *body, [this, name](const PipelineReply &reply) {
        m_run->setEnabled(true);
        if (!reply.ok()) {
            showMessage(tr("Could not run %1: %2").arg(name, reply.error()), true);
            return;
        }
        m_runName->clear();
        started(name, tr("Run"));
    });
}

void PipelinesPage::publish()
{
    if (!checkConnected() || m_selectedJob.isEmpty())
        return;
    const QString endpoint = m_endpointName->text().trimmed();
    if (endpoint.isEmpty()) {
        showMessage(tr("Endpoint: a name is required."), true);
        return;
    }
    m_publish->setEnabled(false);
    const QJsonObject body{{key("Name"), endpoint},
                           {key("PipelineJobName"), m_selectedJob},
                           {key("Description"), tr("Published from the Pipelines step")}};
    m_client->send("POST", m_client->pipelinesPath() + QStringLiteral("/PipelineEndpoints"), body, [this, endpoint](const PipelineReply &reply) {
        m_publish->setEnabled(!m_selectedJob.isEmpty());
        if (!reply.ok()) {
            showMessage(tr("Could not publish %1: %2").arg(endpoint, reply.error()), true);
            return;
        }
        const QJsonObject ep = reply.json();
        m_triggerUrl = ep.value(key("Url")).toString();
        m_triggerParameters = ep.value(key("Parameters")).toObject();
        m_triggerUrlEdit->setText(m_triggerUrl);
        m_triggerValues->setText(parametersText(m_triggerParameters));
        m_curl->setPlainText(triggerCurlCommand(m_triggerUrl, m_triggerExperiment->text().trimmed(), m_triggerParameters));
        m_trigger->setEnabled(!m_triggerUrl.isEmpty());
        showMessage(tr("Published %1 (version %2).").arg(endpoint).arg(ep.value(key("Version")).toInt()));
    });
}

void PipelinesPage::trigger()
{
    if (!checkConnected() || m_triggerUrl.isEmpty())
        return;
    QString error;
    const auto assignments = parseParameters(m_triggerValues->text(), &error);
    if (!assignments) {
        showMessage(error, true);
        return;
    }
    const QString experiment = m_triggerExperiment->text().trimmed();
    if (experiment.isEmpty()) {
        showMessage(tr("Experiment: a name is required to trigger a run."), true);
        return;
    }
    m_curl->setPlainText(triggerCurlCommand(m_triggerUrl, experiment, *assignments));
    m_trigger->setEnabled(false);
    // The published URL's path, called the way any REST client calls it.
    const QJsonObject body{{key("ExperimentName"), experiment}, {key("ParameterAssignments"), *assignments}};
    m_client->send("POST", QUrl(m_triggerUrl).path(), body, [this](const PipelineReply &reply) {
        m_trigger->setEnabled(true);
        if (!reply.ok()) {
            showMessage(tr("Could not trigger the pipeline: %1").arg(reply.error()), true);
            return;
        }
        const QString job = reply.json().value(key("Id")).toString();
        if (job.isEmpty()) {
            showMessage(tr("The trigger answered without a run id."), true);
            return;
        }
        started(job, tr("Triggered"));
    });
}

void PipelinesPage::loadSchedules()
{
    m_client->send("GET", m_client->workspaceId() + QStringLiteral("/schedules"), [this](const PipelineReply &reply) {
        if (!reply.ok()) {
            showMessage(tr("Could not list the schedules: %1").arg(reply.error()), true);
            return;
        }
        std::vector<PipelineTableModel::Row> rows;
        for (const QJsonValue v : reply.json().value(key("value")).toArray()) {
            const QJsonObject schedule = v.toObject();
            const QJsonObject p = props(schedule);
            const QJsonObject def = p.value(key("action")).toObject().value(key("jobDefinition")).toObject();
            rows.push_back({{schedule.value(key("name")).toString(),
                             p.value(key("isEnabled")).toBool(true) ? QStringLiteral("enabled") : QStringLiteral("disabled"),
                             scheduleTriggerText(schedule),
                             def.value(key("displayName")).toString(def.value(key("experimentName")).toString())},
                            schedule});
        }
        const QSignalBlocker block(m_schedulesView->selectionModel());
        m_schedules->setRows(std::move(rows));
        reselect(m_schedulesView, m_schedules, m_selectedSchedule);
        Q_EMIT updated();
    });
}

void PipelinesPage::selectSchedule(const QString &name)
{
    m_selectedSchedule = name;
    {
        const QSignalBlocker block(m_schedulesView->selectionModel());
        reselect(m_schedulesView, m_schedules, name);
    }
    m_history->clear();
    if (!name.isEmpty())
        loadHistory();
}

void PipelinesPage::loadHistory()
{
    if (m_selectedSchedule.isEmpty() || !checkConnected())
        return;
    const QString schedule = m_selectedSchedule;
    const quint64 generation = ++m_historyGeneration;
    m_client->send("GET", m_client->workspaceId() + QStringLiteral("/schedules/") + schedule + QStringLiteral("/history"),
                   [this, schedule, generation](const PipelineReply &reply) {
                       if (generation != m_historyGeneration)
                           return;
                       if (!reply.ok()) {
                           showMessage(tr("Could not read the history of %1: %2").arg(schedule, reply.error()), true);
                           return;
                       }
                       std::vector<PipelineTableModel::Row> rows;
                       for (const QJsonValue v : reply.json().value(key("value")).toArray()) {
                           const QJsonObject e = v.toObject();
                           rows.push_back({{e.value(key("scheduledTime")).toString(), e.value(key("status")).toString(),
                                            e.value(key("jobName")).toString(),
                                            e.contains(key("jobStatus")) ? e.value(key("jobStatus")).toString() : e.value(key("reason")).toString()},
                                           e});
                       }
                       m_history->setRows(std::move(rows));
                       Q_EMIT updated();
                   });
}

void PipelinesPage::createSchedule()
{
    if (!checkConnected() || m_selectedJobObject.isEmpty())
        return;
    const QString name = m_scheduleName->text().trimmed();
    if (name.isEmpty()) {
        showMessage(tr("Schedule: a name is required."), true);
        return;
    }
    ScheduleForm form;
    form.cron = m_scheduleKind->currentIndex() == 1;
    form.expression = m_cron->text();
    form.frequency = m_frequency->currentText();
    form.interval = m_interval->value();
    QString error;
    const auto body = scheduleBody(m_selectedJobObject, form, &error);
    if (!body) {
        showMessage(error, true);
        return;
    }
    m_createSchedule->setEnabled(false);
    m_client->send("PUT", m_client->workspaceId() + QStringLiteral("/schedules/") + name, *body, [this, name](const PipelineReply &reply) {
        m_createSchedule->setEnabled(!m_selectedJob.isEmpty());
        if (!reply.ok()) {
            showMessage(tr("Could not create the schedule %1: %2").arg(name, reply.error()), true);
            return;
        }
        showMessage(tr("Schedule %1 created for %2.").arg(name, m_selectedJob));
        m_selectedSchedule = name;
        loadSchedules();
        loadHistory();
    });
}

void PipelinesPage::setScheduleEnabled(bool enabled)
{
    if (!checkConnected())
        return;
    if (m_selectedSchedule.isEmpty()) {
        showMessage(tr("Select a schedule first."), true);
        return;
    }
    const QString name = m_selectedSchedule;
    const QJsonObject body{{key("properties"), QJsonObject{{key("isEnabled"), enabled}}}};
    m_client->send("PATCH", m_client->workspaceId() + QStringLiteral("/schedules/") + name, body, [this, name, enabled](const PipelineReply &reply) {
        if (!reply.ok()) {
            showMessage(tr("Could not %1 %2: %3").arg(enabled ? tr("enable") : tr("disable"), name, reply.error()), true);
            return;
        }
        showMessage(enabled ? tr("Schedule %1 enabled.").arg(name) : tr("Schedule %1 disabled.").arg(name));
        loadSchedules();
    });
}

} // namespace cerulean::ui
