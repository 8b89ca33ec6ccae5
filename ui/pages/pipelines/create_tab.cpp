#include "ui/pages/pipelines/create_tab.h"

#include "core/azure/pipeline_spec.h"
#include "ui/pages/pipelines/pipeline_selection.h"
#include "ui/pages/pipelines/pipeline_widgets.h"
#include "ui/session.h"

#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

constexpr int kMaxTrials = 100;
constexpr int kMaxMinutes = 24 * 60;

QString timeStamp() { return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")); }

} // namespace

using namespace pipelines;

CreateTab::CreateTab(PipelineSelection &selection, QWidget *parent)
    : QWidget(parent)
    , m_selection(selection)
{
    Session &session = m_selection.session();
    const azure::TrainingPipelineSpec defaults;
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_jobName = lineEdit(QStringLiteral("jobName"), {}, this, tr("generated when empty"));
    m_data = lineEdit(QStringLiteral("trainingData"), session.dataAsset(), this, azure::dataAssetHint());
    m_target = lineEdit(QStringLiteral("targetColumn"), defaults.targetColumn, this);
    m_compute = lineEdit(QStringLiteral("compute"), session.computeName().isEmpty() ? defaults.compute : session.computeName(), this);
    m_trials = new QSpinBox(this);
    m_trials->setObjectName(QStringLiteral("maxTrials"));
    m_trials->setRange(1, kMaxTrials);
    m_trials->setValue(defaults.maxTrials);
    m_minutes = new QSpinBox(this);
    m_minutes->setObjectName(QStringLiteral("timeoutMinutes"));
    m_minutes->setRange(1, kMaxMinutes);
    m_minutes->setValue(defaults.timeoutMinutes);
    m_minutes->setSuffix(tr(" min"));
    auto *budget = new QHBoxLayout;
    budget->addWidget(m_trials);
    budget->addWidget(new QLabel(tr("trials within"), this));
    budget->addWidget(m_minutes);
    budget->addStretch();
    m_parameters = lineEdit(QStringLiteral("parameters"), defaults.parameters, this, tr("name=default, …"));
    m_parameters->setToolTip(tr("Pipeline parameters as NAME=DEFAULT, separated by commas."));
    auto *parametersHelp = helpLabel(
        QStringLiteral("parametersHelp"),
        tr("Each parameter becomes an input of the pipeline, with this value unless a run says otherwise: \"Run again\", "
           "the REST trigger and a schedule can each give it another. The pipeline's report step writes the values it "
           "got to its log, so a run shows which ones it used. avg_rate=0.5 is an example: name your own, or leave "
           "the field empty."),
        this);
    m_modelName = lineEdit(QStringLiteral("modelName"), QStringLiteral("pipeline-model"), this, tr("not registered when empty"));
    m_experiment = lineEdit(QStringLiteral("experiment"), defaults.experiment, this);
    m_create = button(QStringLiteral("create"), tr("Create and run"), this);
    form->addRow(tr("Job name"), m_jobName);
    form->addRow(tr("Training data"), m_data);
    form->addRow(tr("Target column"), m_target);
    form->addRow(tr("Compute"), m_compute);
    form->addRow(tr("AutoML budget"), budget);
    form->addRow(tr("Parameters"), m_parameters);
    form->addRow(QString(), parametersHelp);
    form->addRow(tr("Register model as"), m_modelName);
    form->addRow(tr("Experiment"), m_experiment);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_create);
    auto *content = new QWidget(this);
    auto *inner = new QVBoxLayout(content);
    inner->addWidget(helpLabel(QStringLiteral("createIntro"),
                               tr("A training pipeline: an AutoML step on a data asset, then a step that reports the "
                                  "parameters and the model it got. The best model is registered under the name you give."),
                               content));
    inner->addLayout(form);
    inner->addLayout(buttons);
    inner->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scrolling(content, this));

    connect(m_create, &QPushButton::clicked, this, &CreateTab::create);
    connect(&session, &Session::dataAssetChanged, this, [this, &session] {
        if (!session.dataAsset().isEmpty())
            setFieldText(m_data, session.dataAsset());
    });
    // The cluster the AutoML step trained on exists; the default is only a guess.
    connect(&session, &Session::computeChanged, this, [this, &session] {
        if (!session.computeName().isEmpty())
            setFieldText(m_compute, session.computeName());
    });
    connect(&m_selection, &PipelineSelection::runStarted, this, [this](const QString &job) {
        if (job != m_submitting)
            return;
        m_submitting.clear();
        m_jobName->clear();
        m_create->setEnabled(true);
    });
    connect(&m_selection, &PipelineSelection::messageChanged, this, [this] {
        if (!m_submitting.isEmpty() && m_selection.messageIsError()) {
            m_submitting.clear();
            m_create->setEnabled(true);
        }
    });
}

void CreateTab::create()
{
    if (!m_selection.operationsOrSay())
        return;
    azure::TrainingPipelineSpec spec;
    spec.trainingData = m_data->text();
    spec.targetColumn = m_target->text();
    spec.compute = m_compute->text();
    spec.maxTrials = m_trials->value();
    spec.timeoutMinutes = m_minutes->value();
    spec.parameters = m_parameters->text();
    spec.modelName = m_modelName->text();
    spec.experiment = m_experiment->text();
    const auto definition = azure::trainingPipelineDefinition(spec);
    if (!definition) {
        m_selection.showInputError(definition.error());
        return;
    }
    const QString typed = m_jobName->text().trimmed();
    m_submitting = typed.isEmpty() ? QStringLiteral("pipeline-") + timeStamp() : typed;
    m_create->setEnabled(false);
    m_selection.submit(m_submitting, definition.value(), tr("Created"));
}

} // namespace cerulean::ui
