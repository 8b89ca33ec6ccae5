#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QToolButton;

namespace cerulean::ui {

class LatencyChart;
class LogController;
class LogFilterModel;
class RateChart;
class Session;
struct LogPollOptions;

// The Logs step: the selected deployment's container log and request telemetry merged by
// time, live (follow) or paused, filtered by level and searched; a request-rate and a latency
// chart per minute; and a button that turns Application Insights on for the deployment.
class LogsPage final : public QWidget
{
    Q_OBJECT

public:
    explicit LogsPage(Session &session, QWidget *parent = nullptr);
    LogsPage(Session &session, const LogPollOptions &options, QWidget *parent = nullptr);
    ~LogsPage() override;

    LogController *controller() const { return m_controller; }
    LogFilterModel *filter() const { return m_filter; }
    QTableView *view() const { return m_view; }
    RateChart *rateChart() const { return m_rateChart; }
    LatencyChart *latencyChart() const { return m_latencyChart; }

private:
    void build();
    void showInsights();
    void showStatus();
    void showFollowAction();
    void scrollIfFollowing();

    Session &m_session;
    LogController *m_controller;
    LogFilterModel *m_filter;
    QToolButton *m_follow = nullptr;
    QToolButton *m_refresh = nullptr;
    QComboBox *m_level = nullptr;
    QLineEdit *m_search = nullptr;
    QPushButton *m_enableInsights = nullptr;
    QLabel *m_insights = nullptr;
    QLabel *m_status = nullptr;
    QTableView *m_view = nullptr;
    RateChart *m_rateChart = nullptr;
    LatencyChart *m_latencyChart = nullptr;
};

} // namespace cerulean::ui
