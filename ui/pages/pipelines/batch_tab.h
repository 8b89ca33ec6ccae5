#pragma once

#include "core/azure/batch_run.h"
#include "ui/operation_scope.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace cerulean::ui {

class PipelineSelection;
class PipelineTableModel;

// Batch inference: a registered model deployed on a batch endpoint scores a file, or every CSV
// file of a folder, in parallel mini-batches (an azure::BatchRun); its progress, and the rows
// that failed with their file, line and reason.
class BatchTab final : public QWidget
{
    Q_OBJECT

public:
    explicit BatchTab(PipelineSelection &selection, QWidget *parent = nullptr);

    PipelineTableModel *failedRows() const { return m_failedRows; }
    // The batch job this tab started last ("" before one).
    QString batchJob() const { return m_batchJob; }

private:
    QWidget *buildForm();
    void startOver();
    void runBatch();
    void stageChanged(azure::BatchRun::Stage stage, const QString &description);
    void showProgress(const azure::BatchJobProgress &progress);
    void finished(const azure::BatchRun *run);
    void setStatus(const QString &text, bool error);
    void resetProgress(const QString &text);

    PipelineSelection &m_selection;
    PipelineTableModel *m_failedRows;
    OperationScope m_batchScope;
    QString m_batchJob;
    azure::BatchRun::Stage m_stage = azure::BatchRun::Stage::NotStarted; // the last stage before Finished
    QLineEdit *m_endpoint = nullptr;
    QLineEdit *m_deployment = nullptr;
    QLineEdit *m_model = nullptr;
    QLineEdit *m_compute = nullptr;
    QLineEdit *m_input = nullptr;
    QComboBox *m_inputType = nullptr;
    QSpinBox *m_miniBatch = nullptr;
    QSpinBox *m_errorThreshold = nullptr;
    QSpinBox *m_retries = nullptr;
    QSpinBox *m_instances = nullptr;
    QLineEdit *m_outputFile = nullptr;
    QPushButton *m_runBatch = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace cerulean::ui
