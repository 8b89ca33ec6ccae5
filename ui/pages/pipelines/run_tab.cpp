#include "ui/pages/pipelines/run_tab.h"

#include "core/azure/pipeline_spec.h"
#include "ui/models/pipeline_table_model.h"
#include "ui/pages/pipelines/pipeline_graph_view.h"
#include "ui/pages/pipelines/pipeline_selection.h"
#include "ui/pages/pipelines/pipeline_widgets.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

// Two rows of graph nodes (a step and the model it registers) without scrolling.
constexpr int kGraphMinimumHeight = 140;
// The graph and the details share most of the height; the steps table holds a few rows.
constexpr int kGraphStretch = 2;
constexpr int kStepsStretch = 1;
constexpr int kDetailsStretch = 2;
const char *const kRunSuffix = "-run-";

QString runStamp() { return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")); }

QString stepStatusText(const azure::PipelineStep &step)
{
    return step.reused ? RunTab::tr("%1 (reused)").arg(step.status) : step.status;
}

} // namespace

using namespace pipelines;

RunTab::RunTab(PipelineSelection &selection, QWidget *parent)
    : QWidget(parent)
    , m_selection(selection)
    , m_steps(new PipelineTableModel({tr("Step"), tr("Type"), tr("Status"), tr("Job"), tr("Outputs")}, this))
{
    auto *layout = new QVBoxLayout(this);
    m_selectedLabel = new QLabel(tr("Select a pipeline job."), this);
    m_selectedLabel->setObjectName(QStringLiteral("selectedJob"));
    layout->addWidget(m_selectedLabel);
    auto *runRow = new QHBoxLayout;
    m_runParameters = lineEdit(QStringLiteral("runParameters"), {}, this, tr("name=value, …"));
    m_runParameters->setToolTip(tr("New values for the pipeline's parameters, NAME=VALUE separated by commas; the others keep "
                                   "the values of the selected run."));
    m_runName = lineEdit(QStringLiteral("runName"), {}, this, tr("new job name (generated when empty)"));
    m_run = button(QStringLiteral("run"), tr("Run again"), this);
    runRow->addWidget(new QLabel(tr("Parameters"), this));
    runRow->addWidget(m_runParameters, 2);
    runRow->addWidget(m_runName, 1);
    runRow->addWidget(m_run);
    layout->addLayout(runRow);

    // The graph, the table and the details share the height; the user moves the borders.
    auto *split = new QSplitter(Qt::Vertical, this);
    m_graph = new PipelineGraphView(m_steps, split);
    auto *graphScroll = new QScrollArea(split);
    graphScroll->setWidget(m_graph);
    graphScroll->setWidgetResizable(true);
    graphScroll->setMinimumHeight(kGraphMinimumHeight);
    m_stepsView = tableView(QStringLiteral("stepsView"), m_steps, split);
    m_details = new QPlainTextEdit(split);
    m_details->setObjectName(QStringLiteral("details"));
    m_details->setReadOnly(true);
    m_details->setLineWrapMode(QPlainTextEdit::NoWrap);
    split->addWidget(graphScroll);
    split->addWidget(m_stepsView);
    split->addWidget(m_details);
    split->setStretchFactor(0, kGraphStretch);
    split->setStretchFactor(1, kStepsStretch);
    split->setStretchFactor(2, kDetailsStretch);
    split->setChildrenCollapsible(false);
    layout->addWidget(split, 1);

    connect(m_graph, &PipelineGraphView::stepClicked, this, &RunTab::selectStep);
    connect(m_stepsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QString step = selectedName(m_stepsView, m_steps);
        if (!step.isEmpty())
            selectStep(step);
    });
    connect(m_run, &QPushButton::clicked, this, &RunTab::runAgain);
    connect(&m_selection, &PipelineSelection::runChanged, this, &RunTab::bind);
    connect(&m_selection, &PipelineSelection::jobSelected, this, &RunTab::jobSelected);
    connect(&m_selection, &PipelineSelection::jobChanged, this, &RunTab::jobChanged);
    connect(&m_selection, &PipelineSelection::connectionChanged, this, [this] {
        m_parametersShownFor.clear();
        m_runParameters->clear();
        jobSelected();
    });
    jobSelected();
}

QString RunTab::stepLog(const QString &stepJob) const
{
    const azure::PipelineRun *run = m_selection.run();
    return run ? run->stepLog(stepJob).value_or(QString()) : QString();
}

void RunTab::bind(azure::PipelineRun *run)
{
    // Another job's steps go when it is selected (jobSelected); until then the table stays.
    if (!run) {
        m_steps->clear();
        updateDetails();
        return;
    }
    connect(run, &azure::PipelineRun::stepsRead, this, &RunTab::showSteps);
    connect(run, &azure::PipelineRun::stepLogRead, this, [this] {
        updateDetails();
        m_selection.notifyUpdated();
    });
}

void RunTab::jobSelected()
{
    m_selectedStep.clear();
    m_graph->setSelectedStep({});
    m_steps->clear();
    jobChanged();
}

void RunTab::jobChanged()
{
    const auto &details = m_selection.jobDetails();
    m_graph->setJob(details ? QJsonDocument::fromJson(details->document).object() : QJsonObject());
    // The selected run's values, once: what the user types afterwards stays.
    if (details && m_parametersShownFor != details->name) {
        m_parametersShownFor = details->name;
        const QJsonObject parameters = azure::pipelineParameters(QJsonDocument::fromJson(details->document).object());
        setFieldText(m_runParameters, azure::parameterAssignmentsText(parameters));
    }
    updateDetails();
}

void RunTab::showSteps()
{
    const azure::PipelineRun *run = m_selection.run();
    if (!run)
        return;
    std::vector<PipelineTableModel::Row> rows;
    for (const azure::PipelineStep &step : run->steps()) {
        QStringList outputs;
        for (auto it = step.outputs.begin(); it != step.outputs.end(); ++it)
            outputs << it.key() + QLatin1Char('=') + it.value();
        rows.push_back({{step.name, step.type, stepStatusText(step), step.jobName, outputs.join(QStringLiteral("; "))}, {}});
    }
    m_steps->setRows(std::move(rows));
    reselect(m_stepsView, m_steps, m_selectedStep);
    updateDetails();
    m_selection.notifyUpdated();
}

void RunTab::selectStep(const QString &step)
{
    m_selectedStep = step;
    m_graph->setSelectedStep(step);
    reselect(m_stepsView, m_steps, step);
    updateDetails();
}

// The selected step first (its status, outputs, error and log), then the others' logs.
QStringList RunTab::stepDetails() const
{
    QStringList text;
    const azure::PipelineRun *run = m_selection.run();
    if (!run)
        return text;
    for (const azure::PipelineStep &step : run->steps()) {
        if (step.name != m_selectedStep)
            continue;
        text << QString() << tr("— step %1 (%2) — %3").arg(step.name, step.type, stepStatusText(step));
        for (auto it = step.outputs.begin(); it != step.outputs.end(); ++it)
            text << tr("output  %1 = %2").arg(it.key(), it.value());
        if (!step.error.isEmpty())
            text << tr("error   %1").arg(step.error);
        text << run->stepLog(step.jobName).value_or(tr("(the log shows once the step has finished)"));
    }
    for (const azure::PipelineStep &step : run->steps()) {
        const auto log = run->stepLog(step.jobName);
        if (log && step.name != m_selectedStep)
            text << QString() << tr("— log of step %1 (%2) —").arg(step.name, step.jobName) << *log;
    }
    return text;
}

void RunTab::updateDetails()
{
    const QString job = m_selection.job();
    const auto &details = m_selection.jobDetails();
    m_run->setEnabled(details.has_value());
    if (job.isEmpty()) {
        m_selectedLabel->setText(tr("Select a pipeline job."));
        m_details->clear();
        return;
    }
    m_selectedLabel->setText(tr("<b>%1</b> — %2").arg(job.toHtmlEscaped(), details ? details->status.toHtmlEscaped() : tr("reading…")));
    QStringList text;
    if (details) {
        for (const azure::PipelineJobInput &input : details->inputs)
            text << tr("input   %1 = %2").arg(input.name, input.value);
        for (const azure::PipelineJobOutput &output : details->outputs) {
            QString line = tr("output  %1 = %2").arg(output.name, output.uri);
            if (!output.assetName.isEmpty())
                line += tr(" (model %1:%2)").arg(output.assetName, output.assetVersion);
            text << line;
        }
        if (!details->error.isEmpty())
            text << tr("error   %1").arg(details->error);
    }
    text << stepDetails();
    // Set only when it changed: a reader's scroll position and selection stay.
    const QString joined = text.join(QLatin1Char('\n'));
    if (m_details->toPlainText() != joined)
        m_details->setPlainText(joined);
}

void RunTab::runAgain()
{
    const auto &details = m_selection.jobDetails();
    if (!m_selection.operationsOrSay() || !details)
        return;
    const auto assignments = azure::parameterAssignments(m_runParameters->text());
    if (!assignments) {
        m_selection.showInputError(assignments.error());
        return;
    }
    const auto definition = azure::rerunDefinition(details->document, assignments.value());
    if (!definition) {
        m_selection.showInputError(definition.error());
        return;
    }
    const QString typed = m_runName->text().trimmed();
    const QString name = typed.isEmpty() ? details->name.section(QLatin1String(kRunSuffix), 0, 0) + QLatin1String(kRunSuffix) + runStamp()
                                         : typed;
    m_runName->clear();
    m_selection.submit(name, definition.value(), tr("Run"));
}

} // namespace cerulean::ui
