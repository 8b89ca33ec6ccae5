#include "ui/pages/logs_page.h"

#include "ui/charts/latency_chart.h"
#include "ui/charts/rate_chart.h"
#include "ui/models/log_controller.h"
#include "ui/models/log_model.h"
#include "ui/session.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace cerulean::ui {

LogsPage::LogsPage(Session &session, QWidget *parent)
    : LogsPage(session, LogPollOptions{}, parent)
{
}

LogsPage::LogsPage(Session &session, const LogPollOptions &options, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_controller(new LogController(&session, options, this))
    , m_filter(new LogFilterModel(this))
{
    setObjectName(QStringLiteral("logsPage"));
    m_filter->setSourceModel(m_controller->logs());
    build();
    connect(m_controller, &LogController::insightsChanged, this, &LogsPage::showInsights);
    connect(m_controller, &LogController::polled, this, &LogsPage::showStatus);
    connect(m_controller, &LogController::errorChanged, this, &LogsPage::showStatus);
    connect(m_controller, &LogController::followingChanged, this, [this](bool following) {
        m_follow->setChecked(following);
        showFollowAction();
        showStatus();
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &LogsPage::scrollIfFollowing);
    connect(&m_session, &Session::deploymentChanged, this, &LogsPage::showStatus);
    showInsights();
    showStatus();
}

LogsPage::~LogsPage() = default;

void LogsPage::build()
{
    m_follow = new QToolButton(this);
    m_follow->setObjectName(QStringLiteral("follow"));
    m_follow->setCheckable(true);
    m_follow->setChecked(m_controller->isFollowing());
    showFollowAction();
    m_refresh = new QToolButton(this);
    m_refresh->setObjectName(QStringLiteral("refreshLogs"));
    m_refresh->setText(tr("Refresh"));
    m_refresh->setToolTip(tr("Read the logs and telemetry once now"));
    m_level = new QComboBox(this);
    m_level->setObjectName(QStringLiteral("level"));
    m_level->addItem(tr("All levels"), int(LogLevel::Debug));
    m_level->addItem(tr("Info and above"), int(LogLevel::Info));
    m_level->addItem(tr("Warnings and errors"), int(LogLevel::Warning));
    m_level->addItem(tr("Errors only"), int(LogLevel::Error));
    m_level->setToolTip(tr("Show lines of this level and above (requests: 4xx are warnings, 5xx errors)"));
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Search messages"));
    m_search->setClearButtonEnabled(true);
    m_enableInsights = new QPushButton(tr("Turn on Application &Insights"), this);
    m_enableInsights->setObjectName(QStringLiteral("enableInsights"));
    m_enableInsights->setToolTip(tr("Update the deployment with Application Insights enabled, so its requests and "
                                    "traces are recorded (the deployment is rolled; its URI may change)."));
    m_insights = new QLabel(this);
    m_insights->setObjectName(QStringLiteral("insightsState"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("logsStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("logView"));
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(LogModel::Time, m_view->fontMetrics().horizontalAdvance(QStringLiteral("0000-00-00 00:00:00.000__")));
    m_view->setColumnWidth(LogModel::Source, m_view->fontMetrics().horizontalAdvance(QStringLiteral("container___")));
    m_view->setColumnWidth(LogModel::Level, m_view->fontMetrics().horizontalAdvance(QStringLiteral("WARNING___")));

    RequestRateModel *rate = m_controller->rate();
    m_rateChart = new RateChart(rate, RequestRateModel::Minute, RequestRateModel::Requests, tr("Requests per minute"),
                                tr("minute"), tr("requests"), this);
    m_rateChart->setObjectName(QStringLiteral("rateChart"));
    m_latencyChart = new LatencyChart(rate, RequestRateModel::Minute, RequestRateModel::MeanMs, RequestRateModel::P95Ms, this);
    m_latencyChart->setObjectName(QStringLiteral("latencyChart"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_follow);
    bar->addWidget(m_refresh);
    bar->addWidget(m_level);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_insights);
    bar->addWidget(m_enableInsights);

    auto *charts = new QWidget(this);
    auto *chartRow = new QHBoxLayout(charts);
    chartRow->setContentsMargins(0, 0, 0, 0);
    chartRow->addWidget(m_rateChart);
    chartRow->addWidget(m_latencyChart);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_view);
    splitter->addWidget(charts);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    constexpr int kChartHeight = 260; // room for the axes' labels at 1366×768
    charts->setMinimumHeight(kChartHeight);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connect(m_follow, &QToolButton::toggled, m_controller, &LogController::setFollowing);
    connect(m_refresh, &QToolButton::clicked, m_controller, &LogController::refresh);
    connect(m_level, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setMinimumLevel(LogLevel(m_level->currentData().toInt())); });
    connect(m_search, &QLineEdit::textChanged, m_filter, &LogFilterModel::setSearchText);
    connect(m_enableInsights, &QPushButton::clicked, m_controller, &LogController::enableInsights);
}

void LogsPage::showInsights()
{
    switch (m_controller->insights()) {
    case LogController::Insights::Unknown:
        m_insights->setText(m_session.deployment().isValid() ? tr("Application Insights: reading…") : QString());
        break;
    case LogController::Insights::Off:
        m_insights->setText(tr("Application Insights: off (container log only)"));
        break;
    case LogController::Insights::Enabling:
        m_insights->setText(tr("Application Insights: turning on…"));
        break;
    case LogController::Insights::On:
        m_insights->setText(tr("Application Insights: on"));
        break;
    case LogController::Insights::Unavailable:
        m_insights->setText(tr("The workspace has no Application Insights"));
        break;
    }
    const bool off = m_controller->insights() == LogController::Insights::Off;
    m_enableInsights->setVisible(off || m_controller->insights() == LogController::Insights::Enabling);
    m_enableInsights->setEnabled(off);
}

void LogsPage::showStatus()
{
    const DeploymentRef &deployment = m_session.deployment();
    if (!deployment.isValid()) {
        m_status->setText(tr("Deploy a model (the Deploy step) to see its logs here."));
        return;
    }
    const int requestsShown = m_controller->logs()->count(LogSource::Request);
    const qint64 requestsInWindow = m_controller->rate()->totalRequests();
    // Each read takes the newest requests only, so under load the table holds fewer than the
    // chart counts: say so rather than show two numbers that disagree.
    const QString requests = requestsInWindow > requestsShown
                                 ? tr("%1 of the %2 requests in the chart (each read lists the newest %3)")
                                       .arg(requestsShown)
                                       .arg(requestsInWindow)
                                       .arg(m_controller->options().telemetryRows)
                                 : tr("%1 requests").arg(requestsShown);
    QString text = tr("%1 / %2: %3 container lines, %4, %5 traces")
                       .arg(deployment.endpointName, deployment.deploymentName)
                       .arg(m_controller->logs()->count(LogSource::Container))
                       .arg(requests)
                       .arg(m_controller->logs()->count(LogSource::Trace));
    if (m_controller->lastUpdate().isValid())
        text += tr("; updated %1 UTC").arg(m_controller->lastUpdate().toString(QStringLiteral("HH:mm:ss")));
    text += m_controller->isFollowing() ? tr(" (following)") : tr(" (paused)");
    if (!m_controller->lastError().isEmpty())
        text += QLatin1Char('\n') + m_controller->lastError();
    m_status->setText(text);
}

void LogsPage::showFollowAction()
{
    // The button names what a click does; the status line says the state.
    if (m_controller->isFollowing()) {
        m_follow->setText(tr("&Pause"));
        m_follow->setToolTip(tr("Stop reading new lines and keep what is shown still"));
    } else {
        m_follow->setText(tr("&Follow"));
        m_follow->setToolTip(tr("Read new lines every few seconds and keep the newest in view"));
    }
}

void LogsPage::scrollIfFollowing()
{
    if (m_controller->isFollowing())
        m_view->scrollToBottom();
}

} // namespace cerulean::ui
