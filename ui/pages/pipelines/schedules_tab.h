#pragma once

#include "ui/operation_scope.h"

#include <QList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace cerulean::ui {

class PipelineSelection;
class PipelineTableModel;

// The workspace's schedules: a form that runs the selected pipeline on a recurrence (hours,
// minutes, week days) or a cron expression, from a start time in a time zone, catching up or
// skipping after downtime; the schedules, enabled and disabled; and the runs the selected one
// started.
class SchedulesTab final : public QWidget
{
    Q_OBJECT

public:
    explicit SchedulesTab(PipelineSelection &selection, QWidget *parent = nullptr);

    PipelineTableModel *schedules() const { return m_schedules; }
    PipelineTableModel *history() const { return m_history; }

private:
    QLayout *buildForm();
    QLayout *buildRecurrence();
    QLayout *buildStart();
    void startOver();
    void loadSchedules();
    void loadHistory();
    void scheduleSelected(const QString &name);
    void createSchedule();
    void setScheduleEnabled(bool enabled);

    PipelineSelection &m_selection;
    PipelineTableModel *m_schedules;
    PipelineTableModel *m_history;
    OperationScope m_listScope;
    OperationScope m_historyScope;
    OperationScope m_changeScope;
    QLineEdit *m_scheduleName = nullptr;
    QComboBox *m_scheduleKind = nullptr;
    QComboBox *m_frequency = nullptr;
    QSpinBox *m_interval = nullptr;
    QLineEdit *m_cron = nullptr;
    QLineEdit *m_atHours = nullptr;
    QLineEdit *m_atMinutes = nullptr;
    QList<QCheckBox *> m_weekDays;
    QDateTimeEdit *m_startTime = nullptr;
    QCheckBox *m_startNow = nullptr;
    QComboBox *m_timeZone = nullptr;
    QComboBox *m_missedRuns = nullptr;
    QCheckBox *m_scheduleEnabled = nullptr;
    QPushButton *m_createSchedule = nullptr;
    QTableView *m_schedulesView = nullptr;
    QTableView *m_historyView = nullptr;
};

} // namespace cerulean::ui
