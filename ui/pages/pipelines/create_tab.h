#pragma once

#include <QWidget>

class QLineEdit;
class QPushButton;
class QSpinBox;

namespace cerulean::ui {

class PipelineSelection;

// The form that creates a training pipeline — an AutoML step on a data asset, parameters with
// their defaults, the best model registered — and runs it (PipelineSelection::submit).
class CreateTab final : public QWidget
{
    Q_OBJECT

public:
    explicit CreateTab(PipelineSelection &selection, QWidget *parent = nullptr);

private:
    void create();

    PipelineSelection &m_selection;
    QString m_submitting; // the job this form submitted and the service has not taken yet
    QLineEdit *m_jobName = nullptr;
    QLineEdit *m_data = nullptr;
    QLineEdit *m_target = nullptr;
    QLineEdit *m_compute = nullptr;
    QSpinBox *m_trials = nullptr;
    QSpinBox *m_minutes = nullptr;
    QLineEdit *m_parameters = nullptr;
    QLineEdit *m_modelName = nullptr;
    QLineEdit *m_experiment = nullptr;
    QPushButton *m_create = nullptr;
};

} // namespace cerulean::ui
