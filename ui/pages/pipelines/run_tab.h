#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace cerulean::azure {
class PipelineRun;
}

namespace cerulean::ui {

class PipelineGraphView;
class PipelineSelection;
class PipelineTableModel;

// The selected pipeline run: its parameters (and running it again with other values), its steps
// as a graph and as a table with their status and outputs, its inputs and outputs, and the logs
// of its finished command steps. What it shows comes from the selection's run.
class RunTab final : public QWidget
{
    Q_OBJECT

public:
    // The steps table's columns.
    enum Column
    {
        StepColumn,
        TypeColumn,
        StatusColumn,
        JobColumn,
        OutputsColumn,
    };

    explicit RunTab(PipelineSelection &selection, QWidget *parent = nullptr);

    PipelineTableModel *steps() const { return m_steps; }
    PipelineGraphView *graphView() const { return m_graph; }
    // The log of a finished command step (by its job name), "" until it has been read.
    QString stepLog(const QString &stepJob) const;

private:
    void bind(azure::PipelineRun *run);
    void jobSelected();
    void jobChanged();
    void showSteps();
    void selectStep(const QString &step);
    void updateDetails();
    QStringList stepDetails() const;
    void runAgain();

    PipelineSelection &m_selection;
    PipelineTableModel *m_steps;
    QString m_selectedStep;
    QString m_parametersShownFor; // the job whose parameters the field holds
    QLabel *m_selectedLabel = nullptr;
    QLineEdit *m_runParameters = nullptr;
    QLineEdit *m_runName = nullptr;
    QPushButton *m_run = nullptr;
    PipelineGraphView *m_graph = nullptr;
    QTableView *m_stepsView = nullptr;
    QPlainTextEdit *m_details = nullptr;
};

} // namespace cerulean::ui
