#include "ui/pages/pipelines_page.h"

#include "core/azure/cloud.h"
#include "ui/models/pipeline_client.h"
#include "ui/models/pipeline_table_model.h"
#include "ui/session.h"
#include "ui/theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QGridLayout>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QScrollArea>
#include <QTimeZone>
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
constexpr std::chrono::milliseconds kBatchPoll = 500ms;
// Graph geometry (pixels): node size and the gaps between columns and rows.
constexpr int kNodeWidth = 180;
constexpr int kNodeHeight = 46;
constexpr int kColumnGap = 60;
constexpr int kRowGap = 18;
constexpr int kMargin = 12;

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

PipelineGraphView::PipelineGraphView(PipelineTableModel *steps, QWidget *parent)
    : QWidget(parent)
    , m_steps(steps)
{
    setObjectName(QStringLiteral("graphView"));
    setMinimumHeight(kNodeHeight + 2 * kMargin);
    // The statuses come from the steps model; the view keeps no copy of them.
    connect(m_steps, &QAbstractItemModel::modelReset, this, qOverload<>(&QWidget::update));
    connect(m_steps, &QAbstractItemModel::dataChanged, this, qOverload<>(&QWidget::update));
}

void PipelineGraphView::setJob(const QJsonObject &job)
{
    m_graph = pipelineGraph(job);
    updateGeometry();
    update();
}

void PipelineGraphView::setSelectedStep(const QString &step)
{
    m_selected = step;
    update();
}

QString PipelineGraphView::statusOf(int node) const
{
    if (node < 0 || node >= m_graph.nodes.size())
        return {};
    const PipelineGraph::Node &n = m_graph.nodes[node];
    if (n.kind == PipelineGraph::Kind::Step) {
        const int row = m_steps->find(n.name);
        return row < 0 ? QString() : m_steps->cell(row, 2);
    }
    if (n.kind == PipelineGraph::Kind::Register)
        for (const auto &[from, to] : m_graph.edges)
            if (to == node)
                return statusOf(from);
    return {};
}

QRect PipelineGraphView::nodeRect(int node) const
{
    const PipelineGraph::Node &n = m_graph.nodes[node];
    return QRect(kMargin + n.layer * (kNodeWidth + kColumnGap), kMargin + n.row * (kNodeHeight + kRowGap), kNodeWidth, kNodeHeight);
}

QSize PipelineGraphView::sizeHint() const
{
    int rows = 1;
    for (const PipelineGraph::Node &n : m_graph.nodes)
        rows = std::max(rows, n.row + 1);
    return QSize(2 * kMargin + std::max(1, m_graph.layers) * (kNodeWidth + kColumnGap) - kColumnGap,
                 2 * kMargin + rows * (kNodeHeight + kRowGap) - kRowGap);
}

void PipelineGraphView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    if (m_graph.nodes.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("Select a pipeline job to see its steps."));
        return;
    }
    painter.setPen(QPen(palette().color(QPalette::Mid), 1.5));
    for (const auto &[from, to] : m_graph.edges) {
        const QRect a = nodeRect(from);
        const QRect b = nodeRect(to);
        const QPointF start(a.right(), a.center().y());
        const QPointF end(b.left(), b.center().y());
        QPainterPath path(start);
        const qreal bend = (end.x() - start.x()) / 2;
        path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end);
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        painter.setBrush(palette().color(QPalette::Mid));
        painter.drawPolygon(QPolygonF({end, end + QPointF(-7, -4), end + QPointF(-7, 4)}));
    }
    for (int i = 0; i < m_graph.nodes.size(); ++i) {
        const PipelineGraph::Node &n = m_graph.nodes[i];
        const QRect r = nodeRect(i);
        const QString status = statusOf(i);
        // The colours the tables use for the same statuses, chosen for the palette.
        const QColor colour = statusTextColor(n.kind == PipelineGraph::Kind::Input ? StatusTone::Inactive : statusTone(status),
                                              palette());
        QColor fill = colour;
        fill.setAlpha(40); // a tint over the base colour keeps the text readable
        painter.setBrush(fill);
        const bool selected = n.kind == PipelineGraph::Kind::Step && n.name == m_selected;
        painter.setPen(QPen(colour, selected ? 3.0 : 1.5));
        const qreal radius = n.kind == PipelineGraph::Kind::Step ? 6 : 16;
        painter.drawRoundedRect(r, radius, radius);
        painter.fillRect(QRect(r.left() + 1, r.top() + 4, 5, r.height() - 8), colour);
        painter.setPen(palette().color(QPalette::Text));
        QFont bold = font();
        bold.setBold(true);
        painter.setFont(bold);
        const QRect text = r.adjusted(10, 3, -4, -3);
        painter.drawText(text, Qt::AlignLeft | Qt::AlignTop, painter.fontMetrics().elidedText(n.name, Qt::ElideRight, text.width()));
        painter.setFont(font());
        const QString second = n.kind == PipelineGraph::Kind::Input ? tr("input · %1").arg(n.detail)
                               : status.isEmpty()                   ? n.detail
                                                                    : QStringLiteral("%1 · %2").arg(n.detail, status);
        painter.drawText(text, Qt::AlignLeft | Qt::AlignBottom, painter.fontMetrics().elidedText(second, Qt::ElideRight, text.width()));
    }
}

void PipelineGraphView::mousePressEvent(QMouseEvent *event)
{
    for (int i = 0; i < m_graph.nodes.size(); ++i)
        if (m_graph.nodes[i].kind == PipelineGraph::Kind::Step && nodeRect(i).contains(event->position().toPoint())) {
            setSelectedStep(m_graph.nodes[i].name);
            Q_EMIT stepClicked(m_graph.nodes[i].name);
            return;
        }
    QWidget::mousePressEvent(event);
}

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
                                          QStringLiteral("Pipeline"), QStringLiteral("After downtime"), QStringLiteral("Start")},
                                         this))
    , m_history(new PipelineTableModel({QStringLiteral("Scheduled"), QStringLiteral("Status"), QStringLiteral("Job"),
                                        QStringLiteral("Job status or reason")},
                                       this))
    , m_failedRows(new PipelineTableModel({QStringLiteral("File"), QStringLiteral("Line"), QStringLiteral("Reason")}, this))
    , m_poll(new QTimer(this))
    , m_batchPoll(new QTimer(this))
{
    build();
    m_batchPoll->setSingleShot(true);
    m_batchPoll->setInterval(kBatchPoll);
    connect(m_batchPoll, &QTimer::timeout, this, &PipelinesPage::pollBatch);
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
    // The cluster the AutoML step trained on exists; "cpu" is only a guess.
    connect(&m_session, &Session::computeChanged, this, [this] {
        if (m_session.computeName().isEmpty())
            return;
        m_compute->setText(m_session.computeName());
        m_batchCompute->setText(m_session.computeName());
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
    tabs->addTab(buildBatchTab(), tr("Batch inference"));
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
    m_graph = new PipelineGraphView(m_steps, tab);
    auto *graphScroll = new QScrollArea(tab);
    graphScroll->setWidget(m_graph);
    graphScroll->setWidgetResizable(true);
    graphScroll->setMinimumHeight(150);
    layout->addWidget(graphScroll, 1);
    m_stepsView = tableView(QStringLiteral("stepsView"), m_steps, tab);
    layout->addWidget(m_stepsView, 1);
    connect(m_graph, &PipelineGraphView::stepClicked, this, &PipelinesPage::selectStep);
    connect(m_stepsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_stepsView->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            selectStep(m_steps->cell(rows.first().row(), 0));
    });
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
    layout->addWidget(new QLabel(tr("Call it from a shell: put an access token for the workspace in $TOKEN with"), tab));
    m_tokenCommand = lineEdit(QStringLiteral("tokenCommand"), {}, tab);
    m_tokenCommand->setReadOnly(true);
    // The local workspace's command needs its principal's secret in the keychain: put there
    // only when asked, so that opening the workspace never touches the keychain.
    m_shareSignIn = button(QStringLiteral("shareSignIn"), tr("Let the command line sign in"), tab);
    m_shareSignIn->setToolTip(tr("Put this workspace's sign-in secret in the keychain, where the command reads it."));
    m_shareSignIn->hide();
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_tokenCommand, 1);
    tokenRow->addWidget(m_shareSignIn);
    layout->addLayout(tokenRow);
    layout->addWidget(new QLabel(tr("then run:"), tab));
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
    connect(m_shareSignIn, &QPushButton::clicked, this, [this]() {
        if (!m_commandLineSignIn)
            return;
        m_shareSignIn->setEnabled(false);
        m_commandLineSignIn(this, [this](azure::Result<azure::Empty> shared) {
            m_shareSignIn->setEnabled(true);
            if (shared)
                showMessage(tr("The command line can sign in to this workspace: its secret is in the keychain."));
            else
                showMessage(shared.error().toString(), true);
        });
    });
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
    auto *at = new QHBoxLayout;
    m_atHours = lineEdit(QStringLiteral("hours"), {}, tab, tr("hours, e.g. 9, 17"));
    m_atMinutes = lineEdit(QStringLiteral("minutes"), {}, tab, tr("minutes, e.g. 0, 30"));
    at->addWidget(m_atHours);
    at->addWidget(m_atMinutes);
    auto *days = new QHBoxLayout;
    days->setSpacing(4);
    for (const char *day : {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}) {
        auto *box = new QCheckBox(QString::fromLatin1(day).left(3), tab);
        box->setObjectName(QStringLiteral("weekDay") + QLatin1String(day));
        box->setProperty("day", QString::fromLatin1(day));
        m_weekDays << box;
        days->addWidget(box);
    }
    days->addStretch();
    auto *startRow = new QHBoxLayout;
    m_startNow = new QCheckBox(tr("from now"), tab);
    m_startNow->setObjectName(QStringLiteral("startNow"));
    m_startNow->setChecked(true);
    m_startTime = new QDateTimeEdit(QDateTime::currentDateTimeUtc(), tab);
    m_startTime->setObjectName(QStringLiteral("startTime"));
    m_startTime->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_startTime->setTimeSpec(Qt::UTC);
    m_startTime->setEnabled(false);
    m_timeZone = new QComboBox(tab);
    m_timeZone->setObjectName(QStringLiteral("timeZone"));
    m_timeZone->setEditable(true);
    m_timeZone->addItem(QStringLiteral("UTC"));
    for (const QByteArray &zone : QTimeZone::availableTimeZoneIds())
        if (zone.contains('/'))
            m_timeZone->addItem(QString::fromLatin1(zone));
    startRow->addWidget(m_startNow);
    startRow->addWidget(m_startTime);
    startRow->addWidget(new QLabel(tr("time zone"), tab));
    startRow->addWidget(m_timeZone, 1);
    m_missedRuns = new QComboBox(tab);
    m_missedRuns->setObjectName(QStringLiteral("missedRuns"));
    m_missedRuns->addItem(tr("the service's default"), QString());
    m_missedRuns->addItem(tr("catch up: run each missed occurrence"), QStringLiteral("CatchUp"));
    m_missedRuns->addItem(tr("skip the missed occurrences"), QStringLiteral("Skip"));
    m_scheduleEnabled = new QCheckBox(tr("enabled"), tab);
    m_scheduleEnabled->setObjectName(QStringLiteral("scheduleEnabled"));
    m_scheduleEnabled->setChecked(true);
    m_createSchedule = button(QStringLiteral("createSchedule"), tr("Schedule selected pipeline"), tab);
    auto *createRow = new QHBoxLayout;
    createRow->addWidget(m_scheduleEnabled);
    createRow->addStretch();
    createRow->addWidget(m_createSchedule);
    form->addRow(tr("Name"), m_scheduleName);
    form->addRow(tr("Repeat"), m_scheduleKind);
    form->addRow(tr("Recurrence"), recurrence);
    form->addRow(tr("At"), at);
    form->addRow(tr("On"), days);
    form->addRow(tr("Cron"), m_cron);
    form->addRow(tr("Start"), startRow);
    form->addRow(tr("After downtime"), m_missedRuns);
    form->addRow(QString(), createRow);
    layout->addLayout(form);
    m_schedulesView = tableView(QStringLiteral("schedulesView"), m_schedules, tab);
    m_schedulesView->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
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
        for (QWidget *w : std::initializer_list<QWidget *>{m_interval, m_frequency, m_atHours, m_atMinutes})
            w->setEnabled(index == 0);
        for (QCheckBox *box : std::as_const(m_weekDays))
            box->setEnabled(index == 0);
    });
    connect(m_startNow, &QCheckBox::toggled, m_startTime, [this](bool now) { m_startTime->setEnabled(!now); });
    connect(m_createSchedule, &QPushButton::clicked, this, &PipelinesPage::createSchedule);
    connect(m_enable, &QPushButton::clicked, this, [this] { setScheduleEnabled(true); });
    connect(m_disable, &QPushButton::clicked, this, [this] { setScheduleEnabled(false); });
    connect(m_historyRefresh, &QPushButton::clicked, this, &PipelinesPage::loadHistory);
    return tab;
}

QWidget *PipelinesPage::buildBatchTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    auto *intro = new QLabel(tr("Score a file, or every CSV file of a folder, in parallel mini-batches with a registered model: "
                                "each row and its prediction are appended to one output file; rows that fail count against "
                                "the error threshold."),
                             tab);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *grid = new QGridLayout;
    m_batchEndpoint = lineEdit(QStringLiteral("batchEndpoint"), QStringLiteral("bank-batch"), tab);
    m_batchDeployment = lineEdit(QStringLiteral("batchDeployment"), QStringLiteral("main"), tab);
    m_batchModel = lineEdit(QStringLiteral("batchModel"), m_session.modelId(), tab, tr("azureml:name:version"));
    m_batchCompute = lineEdit(QStringLiteral("batchCompute"), QStringLiteral("cpu"), tab);
    m_batchInput = lineEdit(QStringLiteral("batchInput"), m_session.dataFile(), tab,
                            tr("azureml:name:version, a CSV file or a folder of CSV files"));
    m_batchInputType = new QComboBox(tab);
    m_batchInputType->setObjectName(QStringLiteral("batchInputType"));
    m_batchInputType->addItem(tr("detect: a folder if it is one here or ends with /"), QString());
    m_batchInputType->addItem(tr("a file (uri_file)"), QStringLiteral("uri_file"));
    m_batchInputType->addItem(tr("a folder of CSV files (uri_folder)"), QStringLiteral("uri_folder"));
    m_batchInputType->setToolTip(tr("How the job reads the input: one file, or every *.csv file of a folder in name order "
                                    "with one header for all. Set it for a remote folder whose URI does not end with /."));
    const auto spin = [tab](const char *name, int min, int max, int value) {
        auto *box = new QSpinBox(tab);
        box->setObjectName(QLatin1String(name));
        box->setRange(min, max);
        box->setValue(value);
        return box;
    };
    m_miniBatch = spin("miniBatchSize", 1, 100000, 100);
    m_errorThreshold = spin("errorThreshold", -1, 1000000, 5);
    m_errorThreshold->setSpecialValueText(tr("any (-1)"));
    m_retries = spin("maxRetries", 0, 20, 3);
    m_instances = spin("instanceCount", 1, 64, 2);
    m_outputFile = lineEdit(QStringLiteral("outputFile"), QStringLiteral("parallel_run_step.txt"), tab);
    int row = 0;
    const auto add = [&](const QString &label, QWidget *w, int column) {
        grid->addWidget(new QLabel(label, tab), row, column * 2);
        grid->addWidget(w, row, column * 2 + 1);
    };
    add(tr("Endpoint"), m_batchEndpoint, 0);
    add(tr("Deployment"), m_batchDeployment, 1);
    ++row;
    add(tr("Model"), m_batchModel, 0);
    add(tr("Compute"), m_batchCompute, 1);
    ++row;
    add(tr("Input"), m_batchInput, 0);
    add(tr("Input is"), m_batchInputType, 1);
    ++row;
    add(tr("Output file"), m_outputFile, 0);
    add(tr("Mini-batch size"), m_miniBatch, 1);
    ++row;
    add(tr("Error threshold"), m_errorThreshold, 0);
    add(tr("Retries"), m_retries, 1);
    ++row;
    add(tr("Instances"), m_instances, 0);
    layout->addLayout(grid);
    auto *runRow = new QHBoxLayout;
    m_runBatch = button(QStringLiteral("runBatch"), tr("Deploy and score"), tab);
    m_batchProgress = new QProgressBar(tab);
    m_batchProgress->setObjectName(QStringLiteral("batchProgress"));
    m_batchProgress->setRange(0, 1);
    m_batchProgress->setValue(0);
    m_batchProgress->setFormat(tr("%v of %m rows"));
    runRow->addWidget(m_runBatch);
    runRow->addWidget(m_batchProgress, 1);
    layout->addLayout(runRow);
    m_batchStatus = new QLabel(tab);
    m_batchStatus->setObjectName(QStringLiteral("batchStatus"));
    m_batchStatus->setWordWrap(true);
    m_batchStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_batchStatus);
    layout->addWidget(new QLabel(tr("Rows that failed, with their reasons:"), tab));
    m_failedRowsView = tableView(QStringLiteral("failedRowsView"), m_failedRows, tab);
    layout->addWidget(m_failedRowsView, 1);
    connect(m_runBatch, &QPushButton::clicked, this, &PipelinesPage::runBatch);
    connect(&m_session, &Session::modelChanged, this, [this] {
        if (!m_session.modelId().isEmpty())
            m_batchModel->setText(m_session.modelId());
    });
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
    m_tokenCommand->clear();
    m_trigger->setEnabled(false);
    m_batchPoll->stop();
    m_batchJob.clear();
    ++m_batchGeneration;
    m_failedRows->clear();
    m_batchStatus->clear();
    m_batchProgress->setRange(0, 1);
    m_batchProgress->setValue(0);
    m_selectedStep.clear();
    m_graph->setJob({});
    m_jobs->clear();
    m_steps->clear();
    m_schedules->clear();
    m_history->clear();
    updateDetails();
    if (m_session.cloud())
        m_poll->setInterval(m_session.cloud()->isLocal() ? kLocalPoll : kAzurePoll);
    m_shareSignIn->setVisible(m_commandLineSignIn && m_session.connection() == Session::Connection::Local);
    if (m_client->isReady()) {
        showMessage(tr("Connected to %1.").arg(m_session.displayName()));
        refresh();
    } else {
        showMessage(tr("Connect to a workspace in the Workspace step to work with pipelines."));
    }
}

void PipelinesPage::setCommandLineSignIn(CommandLineSignIn share)
{
    m_commandLineSignIn = std::move(share);
    m_shareSignIn->setVisible(m_commandLineSignIn && m_session.connection() == Session::Connection::Local);
}

void PipelinesPage::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? errorTextStyleSheet() : QString());
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
            m_graph->setJob(m_selectedJobObject);
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
    m_selectedStep.clear();
    m_graph->setSelectedStep({});
    m_graph->setJob(m_selectedJobObject);
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
    // The step chosen in the graph or the table first: its status, outputs and log.
    if (const int row = m_steps->find(m_selectedStep); row >= 0) {
        const QJsonObject sp = props(m_steps->row(row)->object);
        text << QString() << tr("— step %1 (%2) — %3").arg(m_selectedStep, m_steps->cell(row, 1), m_steps->cell(row, 2));
        const QJsonObject outs = sp.value(key("outputs")).toObject();
        for (auto it = outs.begin(); it != outs.end(); ++it)
            if (it.key() != QLatin1String("default"))
                text << tr("output  %1 = %2").arg(it.key(), it.value().toObject().value(key("uri")).toString());
        const QString stepError = props(sp).value(key("azureml.error")).toString();
        if (!stepError.isEmpty())
            text << tr("error   %1").arg(stepError);
        const auto log = m_logs.constFind(m_steps->cell(row, 3));
        text << (log != m_logs.constEnd() ? log.value() : tr("(the log shows once the step has finished)"));
    }
    for (int i = 0; i < m_steps->rowCount(); ++i) {
        const auto it = m_logs.constFind(m_steps->cell(i, 3));
        if (it != m_logs.constEnd() && m_steps->cell(i, 0) != m_selectedStep) {
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

void PipelinesPage::selectStep(const QString &step)
{
    m_selectedStep = step;
    m_graph->setSelectedStep(step);
    {
        const QSignalBlocker block(m_stepsView->selectionModel());
        reselect(m_stepsView, m_steps, step);
    }
    updateDetails();
}

// The trigger URL, the token command and the curl call for an experiment and its values.
void PipelinesPage::showTrigger(const QString &experiment, const QJsonObject &parameters)
{
    m_triggerUrlEdit->setText(m_triggerUrl);
    m_tokenCommand->setText(m_session.cloud() ? azure::tokenCommand(*m_session.cloud(), m_session.localRoot()) : QString());
    m_curl->setPlainText(azure::triggerCurlCommand(QUrl(m_triggerUrl), submissionOf(experiment, parameters)));
    m_trigger->setEnabled(!m_triggerUrl.isEmpty());
}

void PipelinesPage::publish()
{
    const auto ops = m_client->operations();
    if (!checkConnected() || !ops || m_selectedJob.isEmpty())
        return;
    const QString endpoint = m_endpointName->text().trimmed();
    if (endpoint.isEmpty()) {
        showMessage(tr("Endpoint: a name is required."), true);
        return;
    }
    m_publish->setEnabled(false);
    ops->publish({endpoint, m_selectedJob, tr("Published from the Pipelines step")}, this,
                 [this, endpoint](azure::Result<azure::PipelineEndpoint> ep) {
                     m_publish->setEnabled(!m_selectedJob.isEmpty());
                     if (!ep) {
                         showMessage(tr("Could not publish %1: %2").arg(endpoint, ep.error().toString()), true);
                         return;
                     }
                     m_triggerUrl = ep->url.toString();
                     m_triggerParameters = {};
                     for (auto it = ep->parameters.begin(); it != ep->parameters.end(); ++it) {
                         bool number = false;
                         const double d = it.value().toDouble(&number);
                         m_triggerParameters.insert(it.key(), number ? QJsonValue(d) : QJsonValue(it.value()));
                     }
                     m_triggerValues->setText(parametersText(m_triggerParameters));
                     showTrigger(m_triggerExperiment->text().trimmed(), m_triggerParameters);
                     showMessage(tr("Published %1 (version %2).").arg(endpoint).arg(ep->version));
                 });
}

void PipelinesPage::trigger()
{
    const auto ops = m_client->operations();
    if (!checkConnected() || !ops || m_triggerUrl.isEmpty())
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
    showTrigger(experiment, *assignments);
    m_trigger->setEnabled(false);
    // The published URL, called the way any REST client calls it.
    ops->trigger(QUrl(m_triggerUrl), submissionOf(experiment, *assignments), this, [this](azure::Result<azure::PipelineRunStarted> run) {
        m_trigger->setEnabled(true);
        if (!run) {
            showMessage(tr("Could not trigger the pipeline: %1").arg(run.error().toString()), true);
            return;
        }
        started(run->runId, tr("Triggered"));
    });
}

void PipelinesPage::loadSchedules()
{
    const auto ops = m_client->operations();
    if (!ops)
        return;
    ops->listSchedules(this, [this](azure::Result<QList<azure::Schedule>> schedules) {
        if (!schedules) {
            showMessage(tr("Could not list the schedules: %1").arg(schedules.error().toString()), true);
            return;
        }
        std::vector<PipelineTableModel::Row> rows;
        for (const azure::Schedule &schedule : schedules.value()) {
            const QString missed = schedule.properties.value(QStringLiteral("cerulean.missedRuns"));
            rows.push_back({{schedule.name, schedule.isEnabled ? QStringLiteral("enabled") : QStringLiteral("disabled"),
                             scheduleTriggerText(schedule), schedule.displayName,
                             missed.isEmpty() ? tr("default") : missed,
                             schedule.startTime.isEmpty() ? QString() : schedule.startTime + QLatin1Char(' ') + schedule.timeZone},
                            QJsonObject{{key("name"), schedule.name}}});
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
    const auto ops = m_client->operations();
    if (m_selectedSchedule.isEmpty() || !checkConnected() || !ops)
        return;
    const QString schedule = m_selectedSchedule;
    const quint64 generation = ++m_historyGeneration;
    ops->scheduleHistory(schedule, this, [this, schedule, generation](azure::Result<QList<azure::ScheduleRun>> history) {
        if (generation != m_historyGeneration)
            return;
        if (!history) {
            showMessage(tr("Could not read the history of %1: %2").arg(schedule, history.error().toString()), true);
            return;
        }
        std::vector<PipelineTableModel::Row> rows;
        for (const azure::ScheduleRun &e : history.value())
            rows.push_back({{e.scheduledTime, e.status, e.jobName, e.jobName.isEmpty() ? e.reason : e.jobStatus}, {}});
        m_history->setRows(std::move(rows));
        Q_EMIT updated();
    });
}

void PipelinesPage::createSchedule()
{
    const auto ops = m_client->operations();
    if (!checkConnected() || !ops || m_selectedJobObject.isEmpty())
        return;
    ScheduleForm form;
    form.name = m_scheduleName->text();
    form.cron = m_scheduleKind->currentIndex() == 1;
    form.expression = m_cron->text();
    form.frequency = m_frequency->currentText();
    form.interval = m_interval->value();
    form.hours = m_atHours->text();
    form.minutes = m_atMinutes->text();
    for (const QCheckBox *box : std::as_const(m_weekDays))
        if (box->isChecked())
            form.weekDays << box->property("day").toString();
    if (!m_startNow->isChecked())
        form.startTime = m_startTime->dateTime();
    form.timeZone = m_timeZone->currentText();
    form.missedRuns = m_missedRuns->currentData().toString();
    form.enabled = m_scheduleEnabled->isChecked();
    QString error;
    const auto spec = scheduleSpec(m_selectedJobObject, form, &error);
    if (!spec) {
        showMessage(error, true);
        return;
    }
    const QString name = spec->name;
    m_createSchedule->setEnabled(false);
    ops->createSchedule(*spec, this, [this, name](azure::Result<azure::Schedule> made) {
        m_createSchedule->setEnabled(!m_selectedJob.isEmpty());
        if (!made) {
            showMessage(tr("Could not create the schedule %1: %2").arg(name, made.error().toString()), true);
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
    const auto ops = m_client->operations();
    if (!checkConnected() || !ops)
        return;
    if (m_selectedSchedule.isEmpty()) {
        showMessage(tr("Select a schedule first."), true);
        return;
    }
    const QString name = m_selectedSchedule;
    ops->setScheduleEnabled(name, enabled, this, [this, name, enabled](azure::Result<azure::Schedule> changed) {
        if (!changed) {
            showMessage(tr("Could not %1 %2: %3").arg(enabled ? tr("enable") : tr("disable"), name, changed.error().toString()), true);
            return;
        }
        showMessage(enabled ? tr("Schedule %1 enabled.").arg(name) : tr("Schedule %1 disabled.").arg(name));
        loadSchedules();
    });
}

// Batch inference: the endpoint and its deployment are created (or updated) as operations,
// then invoked over the input; the job's progress is polled until it ends.
void PipelinesPage::runBatch()
{
    const auto ops = m_client->operations();
    if (!checkConnected() || !ops)
        return;
    const QString endpoint = m_batchEndpoint->text().trimmed();
    const QString deployment = m_batchDeployment->text().trimmed();
    const QString model = m_batchModel->text().trimmed();
    const QString inputText = m_batchInput->text().trimmed();
    static const QRegularExpression modelRe(QStringLiteral("^azureml:([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]+)$"));
    const auto modelMatch = modelRe.match(model);
    if (endpoint.isEmpty() || deployment.isEmpty()) {
        showMessage(tr("Batch: an endpoint and a deployment name are required."), true);
        return;
    }
    if (!modelMatch.hasMatch()) {
        showMessage(tr("Batch model: '%1' is not azureml:name:version (register a model on the Models step).").arg(model), true);
        return;
    }
    if (inputText.isEmpty()) {
        showMessage(tr("Batch input: choose a data asset (azureml:name:version), a CSV file or a folder of CSV files."), true);
        return;
    }
    QString inputError;
    const auto input = azure::resolveBatchInput(inputText, m_batchInputType->currentData().toString(), &inputError);
    if (!input) {
        showMessage(tr("Batch input: %1.").arg(inputError), true);
        return;
    }
    showMessage({}, false); // an earlier refusal no longer applies
    const QString ws = m_client->workspaceId();
    azure::BatchDeploymentSpec spec;
    spec.endpointName = endpoint;
    spec.name = deployment;
    spec.location = m_session.cloud()->isLocal() ? QStringLiteral("local") : QString();
    spec.compute = ws + QStringLiteral("/computes/") + m_batchCompute->text().trimmed();
    spec.modelId = ws + QStringLiteral("/models/%1/versions/%2").arg(modelMatch.captured(1), modelMatch.captured(2));
    spec.miniBatchSize = m_miniBatch->value();
    spec.errorThreshold = m_errorThreshold->value();
    spec.maxRetries = m_retries->value();
    spec.instanceCount = m_instances->value();
    spec.maxConcurrencyPerInstance = 1;
    spec.outputFileName = m_outputFile->text().trimmed().isEmpty() ? QStringLiteral("parallel_run_step.txt") : m_outputFile->text().trimmed();
    m_runBatch->setEnabled(false);
    m_failedRows->clear();
    m_batchJob.clear();
    const quint64 generation = ++m_batchGeneration;
    m_batchStatus->setText(tr("Creating the batch endpoint %1…").arg(endpoint));
    auto *create = ops->createBatchEndpoint(endpoint, spec.location, tr("Batch scoring from the Pipelines step"), deployment, this);
    connect(create, &azure::OperationBase::finished, this, [this, create, spec, input, generation, ops = *ops] {
        create->deleteLater();
        if (generation != m_batchGeneration)
            return;
        if (create->state() != azure::OperationState::Succeeded) {
            m_runBatch->setEnabled(true);
            m_batchStatus->setText(tr("Could not create the batch endpoint: %1").arg(create->error().toString()));
            return;
        }
        m_batchStatus->setText(tr("Creating the deployment %1…").arg(spec.name));
        auto *deploy = ops.createBatchDeployment(spec, this);
        connect(deploy, &azure::OperationBase::finished, this, [this, deploy, spec, input, generation, ops] {
            deploy->deleteLater();
            if (generation != m_batchGeneration)
                return;
            if (deploy->state() != azure::OperationState::Succeeded) {
                m_runBatch->setEnabled(true);
                m_batchStatus->setText(tr("Could not create the batch deployment: %1").arg(deploy->error().toString()));
                return;
            }
            ops.getBatchEndpoint(spec.endpointName, this, [this, spec, input, generation](azure::Result<azure::BatchEndpoint> ep) {
                if (generation != m_batchGeneration)
                    return;
                if (!ep) {
                    m_runBatch->setEnabled(true);
                    m_batchStatus->setText(tr("Could not read the batch endpoint: %1").arg(ep.error().toString()));
                    return;
                }
                invokeBatch(ep->scoringUri, spec.name, *input);
            });
        });
    });
}

void PipelinesPage::invokeBatch(const QUrl &scoringUri, const QString &deployment, const azure::BatchInput &input)
{
    const auto ops = m_client->operations();
    if (!ops)
        return;
    const quint64 generation = m_batchGeneration;
    m_batchStatus->setText(tr("Starting the batch job over %1…").arg(input.uri));
    ops->invokeBatchEndpoint(scoringUri, input.uri, input.isFolder, deployment, this, [this, generation](azure::Result<azure::Job> job) {
        if (generation != m_batchGeneration)
            return;
        if (!job) {
            m_runBatch->setEnabled(true);
            m_batchStatus->setText(tr("Could not start the batch job: %1").arg(job.error().toString()));
            return;
        }
        m_batchJob = job->name;
        m_batchStatus->setText(tr("Batch job %1 %2.").arg(job->name, job->status));
        pollBatch();
    });
}

void PipelinesPage::pollBatch()
{
    const auto ops = m_client->operations();
    if (!ops || m_batchJob.isEmpty())
        return;
    const quint64 generation = m_batchGeneration;
    ops->batchProgress(m_batchJob, this, [this, generation](azure::Result<azure::BatchJobProgress> progress) {
        if (generation != m_batchGeneration)
            return;
        if (!progress) {
            m_runBatch->setEnabled(true);
            m_batchStatus->setText(tr("Could not read the batch job: %1").arg(progress.error().toString()));
            return;
        }
        const azure::BatchJobProgress &p = progress.value();
        if (p.rowsTotal > 0) {
            m_batchProgress->setRange(0, static_cast<int>(p.rowsTotal));
            m_batchProgress->setValue(static_cast<int>(p.rowsProcessed));
        }
        std::vector<PipelineTableModel::Row> rows;
        for (const azure::FailedRow &row : p.failedRows)
            rows.push_back({{row.file, row.line > 0 ? QString::number(row.line) : QString(), row.reason}, {}});
        if (p.failedRowsNotListed > 0)
            rows.push_back({{QString(), QString(), tr("and %1 more (see the job's logs/failed_rows.txt)").arg(p.failedRowsNotListed)}, {}});
        m_failedRows->setRows(std::move(rows));
        QString text = tr("Batch job %1: %2 — %3 of %4 rows, %5 failed (threshold %6), mini-batches %7 of %8.")
                           .arg(p.jobName, p.status)
                           .arg(p.rowsProcessed)
                           .arg(p.rowsTotal)
                           .arg(p.rowsFailed)
                           .arg(p.errorThreshold < 0 ? tr("any") : QString::number(p.errorThreshold))
                           .arg(p.miniBatchesCompleted)
                           .arg(p.miniBatchesTotal);
        if (!p.error.isEmpty())
            text += QLatin1Char('\n') + p.error;
        m_batchStatus->setText(text);
        m_batchStatus->setStyleSheet(p.status == QLatin1String("Failed") ? errorTextStyleSheet() : QString());
        if (p.isTerminal()) {
            m_runBatch->setEnabled(true);
            Q_EMIT updated();
        } else {
            m_batchPoll->start();
        }
    });
}

} // namespace cerulean::ui
