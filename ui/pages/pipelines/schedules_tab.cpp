#include "ui/pages/pipelines/schedules_tab.h"

#include "core/azure/pipeline_spec.h"
#include "ui/models/pipeline_table_model.h"
#include "ui/pages/pipelines/pipeline_selection.h"
#include "ui/pages/pipelines/pipeline_widgets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTableView>
#include <QTimeZone>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

constexpr int kMaxInterval = 1000;
constexpr int kTriggerColumn = 2;
constexpr int kCronIndex = 1;
constexpr int kZoneCharacters = 14;

} // namespace

using namespace pipelines;

SchedulesTab::SchedulesTab(PipelineSelection &selection, QWidget *parent)
    : QWidget(parent)
    , m_selection(selection)
    , m_schedules(new PipelineTableModel({tr("Name"), tr("Enabled"), tr("Trigger"), tr("Pipeline"), tr("After downtime"), tr("Start")},
                                         this))
    , m_history(new PipelineTableModel({tr("Scheduled"), tr("Status"), tr("Job"), tr("Job status or reason")}, this))
    , m_listScope(this)
    , m_historyScope(this)
    , m_changeScope(this)
{
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->addLayout(buildForm());
    m_schedulesView = tableView(QStringLiteral("schedulesView"), m_schedules, content);
    m_schedulesView->horizontalHeader()->setSectionResizeMode(kTriggerColumn, QHeaderView::ResizeToContents);
    layout->addWidget(m_schedulesView, 1);
    auto *actions = new QHBoxLayout;
    auto *enable = button(QStringLiteral("enableSchedule"), tr("Enable"), content);
    auto *disable = button(QStringLiteral("disableSchedule"), tr("Disable"), content);
    auto *historyRefresh = button(QStringLiteral("historyRefresh"), tr("Refresh history"), content);
    actions->addWidget(enable);
    actions->addWidget(disable);
    actions->addStretch();
    actions->addWidget(historyRefresh);
    layout->addLayout(actions);
    layout->addWidget(new QLabel(tr("Runs the selected schedule started:"), content));
    m_historyView = tableView(QStringLiteral("historyView"), m_history, content);
    layout->addWidget(m_historyView, 1);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scrolling(content, this));

    connect(m_createSchedule, &QPushButton::clicked, this, &SchedulesTab::createSchedule);
    connect(enable, &QPushButton::clicked, this, [this] { setScheduleEnabled(true); });
    connect(disable, &QPushButton::clicked, this, [this] { setScheduleEnabled(false); });
    connect(historyRefresh, &QPushButton::clicked, this, &SchedulesTab::loadHistory);
    connect(m_schedulesView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QString name = selectedName(m_schedulesView, m_schedules);
        if (!name.isEmpty())
            m_selection.selectSchedule(name);
    });
    connect(&m_selection, &PipelineSelection::scheduleSelected, this, &SchedulesTab::scheduleSelected);
    connect(&m_selection, &PipelineSelection::connectionChanged, this, &SchedulesTab::startOver);
    connect(&m_selection, &PipelineSelection::refreshRequested, this, &SchedulesTab::loadSchedules);
    connect(&m_selection, &PipelineSelection::jobSelected, this,
            [this](const QString &job) { m_createSchedule->setEnabled(!job.isEmpty()); });
}

QLayout *SchedulesTab::buildForm()
{
    auto *form = new QFormLayout;
    m_scheduleName = lineEdit(QStringLiteral("scheduleName"), {}, this, tr("schedule name"));
    m_scheduleKind = new QComboBox(this);
    m_scheduleKind->setObjectName(QStringLiteral("scheduleKind"));
    m_scheduleKind->addItems({tr("Recurrence"), tr("Cron")});
    m_cron = lineEdit(QStringLiteral("cron"), QStringLiteral("0 6 * * *"), this, tr("minute hour day month weekday"));
    m_cron->setEnabled(false);
    m_missedRuns = new QComboBox(this);
    m_missedRuns->setObjectName(QStringLiteral("missedRuns"));
    m_missedRuns->addItem(tr("the service's default"), QString());
    m_missedRuns->addItem(tr("catch up: run each missed occurrence"), QStringLiteral("CatchUp"));
    m_missedRuns->addItem(tr("skip the missed occurrences"), QStringLiteral("Skip"));
    m_scheduleEnabled = new QCheckBox(tr("enabled"), this);
    m_scheduleEnabled->setObjectName(QStringLiteral("scheduleEnabled"));
    m_scheduleEnabled->setChecked(true);
    m_createSchedule = button(QStringLiteral("createSchedule"), tr("Schedule selected pipeline"), this);
    m_createSchedule->setEnabled(false);
    auto *createRow = new QHBoxLayout;
    createRow->addWidget(m_scheduleEnabled);
    createRow->addStretch();
    createRow->addWidget(m_createSchedule);
    form->addRow(tr("Name"), m_scheduleName);
    form->addRow(tr("Repeat"), m_scheduleKind);
    form->addRow(tr("Recurrence"), buildRecurrence());
    auto *at = new QHBoxLayout;
    at->addWidget(m_atHours);
    at->addWidget(m_atMinutes);
    form->addRow(tr("At"), at);
    auto *days = new QHBoxLayout;
    days->setSpacing(4);
    for (QCheckBox *box : std::as_const(m_weekDays))
        days->addWidget(box);
    days->addStretch();
    form->addRow(tr("On"), days);
    form->addRow(tr("Cron"), m_cron);
    form->addRow(tr("Start"), buildStart());
    form->addRow(tr("Time zone"), m_timeZone);
    form->addRow(tr("After downtime"), m_missedRuns);
    form->addRow(QString(), createRow);
    connect(m_scheduleKind, &QComboBox::currentIndexChanged, this, [this](int index) {
        const bool cron = index == kCronIndex;
        m_cron->setEnabled(cron);
        for (QWidget *w : std::initializer_list<QWidget *>{m_interval, m_frequency, m_atHours, m_atMinutes})
            w->setEnabled(!cron);
        for (QCheckBox *box : std::as_const(m_weekDays))
            box->setEnabled(!cron);
    });
    return form;
}

// Every `interval` `frequency`, at hours and minutes, on week days.
QLayout *SchedulesTab::buildRecurrence()
{
    auto *recurrence = new QHBoxLayout;
    m_interval = new QSpinBox(this);
    m_interval->setObjectName(QStringLiteral("interval"));
    m_interval->setRange(1, kMaxInterval);
    m_frequency = new QComboBox(this);
    m_frequency->setObjectName(QStringLiteral("frequency"));
    m_frequency->addItems({QStringLiteral("Minute"), QStringLiteral("Hour"), QStringLiteral("Day"), QStringLiteral("Week"),
                           QStringLiteral("Month")});
    m_frequency->setCurrentText(QStringLiteral("Day"));
    recurrence->addWidget(new QLabel(tr("every"), this));
    recurrence->addWidget(m_interval);
    recurrence->addWidget(m_frequency, 1);
    m_atHours = lineEdit(QStringLiteral("hours"), {}, this, tr("hours, e.g. 9, 17"));
    m_atMinutes = lineEdit(QStringLiteral("minutes"), {}, this, tr("minutes, e.g. 0, 30"));
    for (const char *day : {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}) {
        auto *box = new QCheckBox(QString::fromLatin1(day).left(3), this);
        box->setObjectName(QStringLiteral("weekDay") + QLatin1String(day));
        box->setProperty("day", QString::fromLatin1(day));
        m_weekDays << box;
    }
    return recurrence;
}

// From now or a start time; the time zone it is read in.
QLayout *SchedulesTab::buildStart()
{
    auto *startRow = new QHBoxLayout;
    m_startNow = new QCheckBox(tr("from now"), this);
    m_startNow->setObjectName(QStringLiteral("startNow"));
    m_startNow->setChecked(true);
    m_startTime = new QDateTimeEdit(QDateTime::currentDateTimeUtc(), this);
    m_startTime->setObjectName(QStringLiteral("startTime"));
    m_startTime->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    m_startTime->setTimeSpec(Qt::UTC);
    m_startTime->setEnabled(false);
    m_timeZone = new QComboBox(this);
    m_timeZone->setObjectName(QStringLiteral("timeZone"));
    m_timeZone->setEditable(true);
    // The longest zone name would set the form's width.
    m_timeZone->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_timeZone->setMinimumContentsLength(kZoneCharacters);
    m_timeZone->addItem(QStringLiteral("UTC"));
    for (const QByteArray &zone : QTimeZone::availableTimeZoneIds())
        if (zone.contains('/'))
            m_timeZone->addItem(QString::fromLatin1(zone));
    startRow->addWidget(m_startNow);
    startRow->addWidget(m_startTime);
    startRow->addStretch();
    connect(m_startNow, &QCheckBox::toggled, m_startTime, [this](bool now) { m_startTime->setEnabled(!now); });
    return startRow;
}

void SchedulesTab::startOver()
{
    m_listScope.end();
    m_historyScope.end();
    m_changeScope.end();
    m_schedules->clear();
    m_history->clear();
    m_createSchedule->setEnabled(!m_selection.job().isEmpty());
    if (m_selection.operations())
        loadSchedules();
}

void SchedulesTab::loadSchedules()
{
    const auto ops = m_selection.operations();
    if (!ops)
        return;
    ops->listSchedules(m_listScope.begin(), [this](azure::Result<QList<azure::Schedule>> schedules) {
        if (!schedules) {
            m_selection.showError(tr("Could not list the schedules"), schedules.error());
            return;
        }
        std::vector<PipelineTableModel::Row> rows;
        for (const azure::Schedule &schedule : schedules.value()) {
            const QString missed = schedule.properties.value(QStringLiteral("cerulean.missedRuns"));
            rows.push_back({{schedule.name, schedule.isEnabled ? tr("enabled") : tr("disabled"), azure::scheduleTriggerText(schedule),
                             schedule.displayName, missed.isEmpty() ? tr("default") : missed,
                             schedule.startTime.isEmpty() ? QString() : schedule.startTime + QLatin1Char(' ') + schedule.timeZone},
                            {}});
        }
        m_schedules->setRows(std::move(rows));
        reselect(m_schedulesView, m_schedules, m_selection.schedule());
        m_selection.notifyUpdated();
    });
}

void SchedulesTab::scheduleSelected(const QString &name)
{
    reselect(m_schedulesView, m_schedules, name);
    m_history->clear();
    if (name.isEmpty())
        m_historyScope.end();
    else
        loadHistory();
}

void SchedulesTab::loadHistory()
{
    const QString schedule = m_selection.schedule();
    const auto ops = m_selection.operationsOrSay();
    if (schedule.isEmpty() || !ops)
        return;
    // A newer read (another schedule selected) drops this one's answer with its context.
    ops->scheduleHistory(schedule, m_historyScope.begin(), [this, schedule](azure::Result<QList<azure::ScheduleRun>> history) {
        if (!history) {
            m_selection.showError(tr("Could not read the history of %1").arg(schedule), history.error());
            return;
        }
        std::vector<PipelineTableModel::Row> rows;
        for (const azure::ScheduleRun &e : history.value())
            rows.push_back({{e.scheduledTime, e.status, e.jobName, e.jobName.isEmpty() ? e.reason : e.jobStatus}, {}});
        m_history->setRows(std::move(rows));
        m_selection.notifyUpdated();
    });
}

void SchedulesTab::createSchedule()
{
    const auto ops = m_selection.operationsOrSay();
    const auto &job = m_selection.jobDetails();
    if (!ops || !job)
        return;
    azure::ScheduleForm form;
    form.name = m_scheduleName->text();
    form.cron = m_scheduleKind->currentIndex() == kCronIndex;
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
    const auto spec = azure::scheduleSpec(job->document, form);
    if (!spec) {
        m_selection.showInputError(spec.error());
        return;
    }
    const QString name = spec->name;
    const QString pipeline = job->name;
    m_createSchedule->setEnabled(false);
    ops->createSchedule(spec.value(), m_changeScope.begin(), [this, name, pipeline](azure::Result<azure::Schedule> made) {
        m_createSchedule->setEnabled(!m_selection.job().isEmpty());
        if (!made) {
            m_selection.showError(tr("Could not create the schedule %1").arg(name), made.error());
            return;
        }
        m_selection.showMessage(tr("Schedule %1 created for %2.").arg(name, pipeline));
        m_selection.selectSchedule(name);
        loadSchedules();
    });
}

void SchedulesTab::setScheduleEnabled(bool enabled)
{
    const auto ops = m_selection.operationsOrSay();
    if (!ops)
        return;
    const QString name = m_selection.schedule();
    if (name.isEmpty()) {
        m_selection.showInputError(azure::AzureError::invalidInput(tr("Select a schedule first.")));
        return;
    }
    ops->setScheduleEnabled(name, enabled, m_changeScope.begin(), [this, name, enabled](azure::Result<azure::Schedule> changed) {
        if (!changed) {
            m_selection.showError(enabled ? tr("Could not enable %1").arg(name) : tr("Could not disable %1").arg(name), changed.error());
            return;
        }
        m_selection.showMessage(enabled ? tr("Schedule %1 enabled.").arg(name) : tr("Schedule %1 disabled.").arg(name));
        loadSchedules();
    });
}

} // namespace cerulean::ui
