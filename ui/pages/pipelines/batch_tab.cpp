#include "ui/pages/pipelines/batch_tab.h"

#include "ui/models/pipeline_table_model.h"
#include "ui/pages/pipelines/pipeline_selection.h"
#include "ui/pages/pipelines/pipeline_widgets.h"
#include "ui/session.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

// Form defaults and bounds: a few hundred rows in mini-batches of a hundred on two instances.
constexpr int kMaxMiniBatch = 100000;
constexpr int kDefaultMiniBatch = 100;
constexpr int kMaxThreshold = 1000000;
constexpr int kDefaultThreshold = 5;
constexpr int kMaxRetries = 20;
constexpr int kDefaultRetries = 3;
constexpr int kMaxInstances = 64;
constexpr int kDefaultInstances = 2;
constexpr int kComboCharacters = 12;

} // namespace

using namespace pipelines;

BatchTab::BatchTab(PipelineSelection &selection, QWidget *parent)
    : QWidget(parent)
    , m_selection(selection)
    , m_failedRows(new PipelineTableModel({tr("File"), tr("Line"), tr("Reason")}, this))
    , m_batchScope(this)
{
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->addWidget(helpLabel(QStringLiteral("batchIntro"),
                                tr("Score a file, or every CSV file of a folder, in parallel mini-batches with a registered model: "
                                   "each row and its prediction are appended to one output file; rows that fail count against "
                                   "the error threshold."),
                                content));
    layout->addWidget(buildForm());
    auto *runRow = new QHBoxLayout;
    m_runBatch = button(QStringLiteral("runBatch"), tr("Deploy and score"), content);
    m_progress = new QProgressBar(content);
    m_progress->setObjectName(QStringLiteral("batchProgress"));
    runRow->addWidget(m_runBatch);
    runRow->addWidget(m_progress, 1);
    layout->addLayout(runRow);
    m_status = new QLabel(content);
    m_status->setObjectName(QStringLiteral("batchStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    layout->addWidget(new QLabel(tr("Rows that failed, with their reasons:"), content));
    layout->addWidget(tableView(QStringLiteral("failedRowsView"), m_failedRows, content), 1);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scrolling(content, this));
    resetProgress(tr("no batch job yet"));

    Session &session = m_selection.session();
    connect(m_runBatch, &QPushButton::clicked, this, &BatchTab::runBatch);
    connect(&m_selection, &PipelineSelection::connectionChanged, this, &BatchTab::startOver);
    connect(&session, &Session::modelChanged, this, [this, &session] {
        if (!session.modelId().isEmpty())
            setFieldText(m_model, session.modelId());
    });
    connect(&session, &Session::computeChanged, this, [this, &session] {
        if (!session.computeName().isEmpty())
            setFieldText(m_compute, session.computeName());
    });
}

QWidget *BatchTab::buildForm()
{
    auto *box = new QWidget(this);
    auto *grid = new QGridLayout(box);
    grid->setContentsMargins(0, 0, 0, 0);
    const Session &session = m_selection.session();
    const azure::BatchRunRequest defaults;
    m_endpoint = lineEdit(QStringLiteral("batchEndpoint"), QStringLiteral("bank-batch"), box);
    m_deployment = lineEdit(QStringLiteral("batchDeployment"), QStringLiteral("main"), box);
    m_model = lineEdit(QStringLiteral("batchModel"), session.modelId(), box, azure::modelReferenceHint());
    m_compute = lineEdit(QStringLiteral("batchCompute"), session.computeName().isEmpty() ? QStringLiteral("cpu") : session.computeName(), box);
    m_input = lineEdit(QStringLiteral("batchInput"), session.dataFile(), box, azure::batchInputHint());
    m_inputType = new QComboBox(box);
    m_inputType->setObjectName(QStringLiteral("batchInputType"));
    m_inputType->addItem(tr("detect"), QString());
    m_inputType->addItem(tr("a file (uri_file)"), QStringLiteral("uri_file"));
    m_inputType->addItem(tr("a folder of CSV files (uri_folder)"), QStringLiteral("uri_folder"));
    // Its longest choice does not set the column's width: the fields beside it need it more.
    m_inputType->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_inputType->setMinimumContentsLength(kComboCharacters);
    m_inputType->setToolTip(tr("How the job reads the input: one file, or every *.csv file of a folder in name order "
                               "with one header for all. \"detect\" takes a folder here, or a URI that ends with /, "
                               "as a folder; choose for a remote folder whose URI does not end with /."));
    const auto spin = [box](const char *name, int min, int max, int value) {
        auto *spinBox = new QSpinBox(box);
        spinBox->setObjectName(QLatin1String(name));
        spinBox->setRange(min, max);
        spinBox->setValue(value);
        return spinBox;
    };
    m_miniBatch = spin("miniBatchSize", 1, kMaxMiniBatch, kDefaultMiniBatch);
    m_errorThreshold = spin("errorThreshold", -1, kMaxThreshold, kDefaultThreshold);
    m_errorThreshold->setSpecialValueText(tr("any (-1)"));
    m_retries = spin("maxRetries", 0, kMaxRetries, kDefaultRetries);
    m_instances = spin("instanceCount", 1, kMaxInstances, kDefaultInstances);
    m_outputFile = lineEdit(QStringLiteral("outputFile"), QString::fromLatin1(azure::kBatchOutputFileName), box);
    int row = 0;
    const auto add = [&](const QString &label, QWidget *w, int column) {
        grid->addWidget(new QLabel(label, box), row, column * 2);
        grid->addWidget(w, row, column * 2 + 1);
    };
    add(tr("Endpoint"), m_endpoint, 0);
    add(tr("Deployment"), m_deployment, 1);
    ++row;
    add(tr("Model"), m_model, 0);
    add(tr("Compute"), m_compute, 1);
    ++row;
    // A path or URI is the longest thing typed here: it gets the whole width.
    grid->addWidget(new QLabel(tr("Input"), box), row, 0);
    grid->addWidget(m_input, row, 1, 1, 3);
    ++row;
    add(tr("Input is"), m_inputType, 0);
    add(tr("Output file"), m_outputFile, 1);
    ++row;
    add(tr("Mini-batch size"), m_miniBatch, 0);
    add(tr("Error threshold"), m_errorThreshold, 1);
    ++row;
    add(tr("Retries"), m_retries, 0);
    add(tr("Instances"), m_instances, 1);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);
    return box;
}

void BatchTab::startOver()
{
    m_batchScope.end();
    m_batchJob.clear();
    m_failedRows->clear();
    m_runBatch->setEnabled(true);
    setStatus({}, false);
    resetProgress(tr("no batch job yet"));
}

void BatchTab::resetProgress(const QString &text)
{
    // Until a job reports its rows there is nothing to count: the bar says so in words.
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(text);
}

void BatchTab::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? errorTextStyleSheet() : QString());
}

// The endpoint and its deployment are created (or updated) as operations, then invoked over
// the input; the job's progress is read until it ends (azure::BatchRun).
void BatchTab::runBatch()
{
    const auto ops = m_selection.operationsOrSay();
    if (!ops)
        return;
    azure::BatchRunRequest request;
    request.endpoint = m_endpoint->text();
    request.deployment = m_deployment->text();
    request.model = m_model->text();
    request.compute = m_compute->text();
    request.input = m_input->text();
    request.inputType = m_inputType->currentData().toString();
    request.miniBatchSize = m_miniBatch->value();
    request.errorThreshold = m_errorThreshold->value();
    request.maxRetries = m_retries->value();
    request.instanceCount = m_instances->value();
    request.outputFileName = m_outputFile->text();
    const auto spec = azure::batchDeploymentSpec(request, ops->workspace());
    if (!spec) {
        m_selection.showInputError(spec.error());
        return;
    }
    const auto input = azure::batchRunInput(request);
    if (!input) {
        m_selection.showInputError(input.error());
        return;
    }
    m_selection.clearMessage(); // an earlier refusal no longer applies
    m_runBatch->setEnabled(false);
    m_failedRows->clear();
    m_batchJob.clear();
    resetProgress(tr("starting…"));
    // A run started again replaces the last one: its answers are dropped with its scope.
    auto *run = new azure::BatchRun(*ops, {}, m_batchScope.begin());
    connect(run, &azure::BatchRun::stageChanged, this, &BatchTab::stageChanged);
    connect(run, &azure::BatchRun::jobStarted, this, [this](const QString &job) { m_batchJob = job; });
    connect(run, &azure::BatchRun::progressed, this, &BatchTab::showProgress);
    connect(run, &azure::BatchRun::finished, this, [this, run] { finished(run); });
    run->deployAndScore(spec.value(), input.value());
}

void BatchTab::stageChanged(azure::BatchRun::Stage stage, const QString &description)
{
    if (stage == azure::BatchRun::Stage::Finished)
        return;
    m_stage = stage;
    setStatus(description, false);
}

void BatchTab::showProgress(const azure::BatchJobProgress &p)
{
    if (p.rowsTotal > 0) {
        m_progress->setFormat(tr("%v of %m rows"));
        m_progress->setRange(0, static_cast<int>(p.rowsTotal));
        m_progress->setValue(static_cast<int>(p.rowsProcessed));
    } else {
        resetProgress(tr("%1: counting rows…").arg(p.status));
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
    setStatus(text, p.status == QLatin1String("Failed"));
}

void BatchTab::finished(const azure::BatchRun *run)
{
    m_runBatch->setEnabled(true);
    if (run->error().isError()) {
        using Stage = azure::BatchRun::Stage;
        const QString endpoint = m_endpoint->text().trimmed();
        const QString what = m_stage == Stage::CreatingEndpoint     ? tr("Could not create the batch endpoint %1").arg(endpoint)
                             : m_stage == Stage::CreatingDeployment ? tr("Could not create the batch deployment %1")
                                                                          .arg(m_deployment->text().trimmed())
                             : m_stage == Stage::StartingJob        ? tr("Could not start the batch job")
                             : m_stage == Stage::Scoring            ? tr("Could not read the batch job %1").arg(m_batchJob)
                                                                    : tr("Could not read the workspace");
        // The service's code, message and request id, as it sent them.
        setStatus(tr("%1: %2").arg(what, run->error().toString()), true);
        if (run->jobName().isEmpty())
            resetProgress(tr("no batch job"));
    }
    m_selection.notifyUpdated();
}

} // namespace cerulean::ui
