#include "ui/pages/data_automl_page.h"

#include "core/automl/learners.h"
#include "core/automl/metrics.h"
#include "ui/app_settings.h"
#include "ui/charts/curve_chart.h"
#include "ui/charts/histogram_delegate.h"
#include "ui/models/dataset_preview_model.h"
#include "ui/models/leaderboard_model.h"
#include "ui/models/profile_guardrail_model.h"
#include "ui/models/profile_model.h"
#include "ui/models/automl_job_controller.h"
#include "ui/models/trial_runner.h"
#include "ui/session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

constexpr int kMaxExitMinutes = 24 * 60;
constexpr int kMaxTrials = 1000;
constexpr int kMaxSlots = 64;
constexpr std::chrono::seconds kClockTick{1};
constexpr std::chrono::milliseconds kFitColumnsDelay{100};

QTableView *makeTable(QWidget *parent, const QString &name)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setAlternatingRowColors(true);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setHighlightSections(false);
    return view;
}

QString clockText(std::chrono::milliseconds duration)
{
    const auto seconds = std::max<qint64>(0, std::chrono::duration_cast<std::chrono::seconds>(duration).count());
    return QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

template <typename Field>
void withLabel(QFormLayout *form, const QString &text, Field *field, const QString &tip)
{
    field->setToolTip(tip);
    field->setWhatsThis(tip);
    auto *label = new QLabel(text);
    label->setBuddy(field);
    label->setToolTip(tip);
    form->addRow(label, field);
}

} // namespace

DataAutoMLPage::DataAutoMLPage(Session &session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_preview(new DatasetPreviewModel(this))
    , m_profile(new ProfileModel(this))
    , m_guardrails(new GuardrailModel(this))
    , m_live(new LeaderboardModel(this))
    , m_liveProxy(new QSortFilterProxyModel(this))
    , m_progress(new TrialProgressModel(this))
    , m_runner(new TrialRunner(this))
    , m_job(new AutoMLJobController(session, {}, this))
    , m_clock(new QTimer(this))
{
    setObjectName(QStringLiteral("dataAutoMLPage"));
    setAcceptDrops(true);
    m_runsDirectory = QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("runs"));

    auto *choose = new QPushButton(tr("Choose &CSV…"), this);
    choose->setObjectName(QStringLiteral("chooseCsv"));
    choose->setShortcut(QKeySequence::Open);
    choose->setToolTip(tr("Choose the training data (CSV, Ctrl+O), or drop a CSV file on this page."));
    connect(choose, &QPushButton::clicked, this, &DataAutoMLPage::chooseFile);
    m_file = new QLabel(tr("No data yet: choose a CSV file or drop one here."), this);
    m_file->setObjectName(QStringLiteral("dataFile"));
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *top = new QHBoxLayout;
    top->addWidget(choose);
    top->addWidget(m_file, 1);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("dataTabs"));
    m_previewView = makeTable(m_tabs, QStringLiteral("previewView"));
    m_previewView->setModel(m_preview);
    m_tabs->addTab(m_previewView, tr("&Preview"));

    auto *profileView = makeTable(m_tabs, QStringLiteral("profileView"));
    profileView->setModel(m_profile);
    profileView->setItemDelegateForColumn(ProfileModel::Histogram, new HistogramDelegate(ProfileModel::HistogramRole, profileView));
    profileView->horizontalHeader()->setStretchLastSection(true);
    connect(m_profile, &QAbstractItemModel::modelReset, profileView, &QTableView::resizeColumnsToContents);
    m_tabs->addTab(profileView, tr("P&rofile"));

    auto *guardrailView = makeTable(m_tabs, QStringLiteral("guardrailView"));
    guardrailView->setModel(m_guardrails);
    guardrailView->setWordWrap(true);
    guardrailView->horizontalHeader()->setSectionResizeMode(GuardrailModel::Description, QHeaderView::Stretch);
    guardrailView->horizontalHeader()->setSectionResizeMode(GuardrailModel::Action, QHeaderView::Stretch);
    connect(m_guardrails, &QAbstractItemModel::modelReset, guardrailView, &QTableView::resizeRowsToContents);
    m_tabs->addTab(guardrailView, tr("&Guardrails"));
    m_tabs->addTab(buildRunView(), tr("R&un"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_tabs);
    splitter->addWidget(buildForm());
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("dataStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    connect(m_preview, &DatasetPreviewModel::stateChanged, this, &DataAutoMLPage::dataStateChanged);
    connect(m_profile, &ProfileModel::profileReady, this, &DataAutoMLPage::targetChanged);
    connect(m_guardrails, &GuardrailModel::reportReady, this, [this]() {
        const auto report = m_guardrails->report();
        if (report && !report->leakageColumns.empty())
            setStatus(tr("Guardrails: possible target leakage in %1 — see the Guardrails tab.")
                          .arg(QString::fromStdString(report->leakageColumns.front())));
    });
    connect(m_runner, &TrialRunner::trialFinished, this, [this](const RunPtr &run, double bestScore, int) {
        m_live->appendRun(run);
        m_progress->append(run->finishedAtSeconds, run->score, bestScore);
    });
    connect(m_runner, &TrialRunner::finished, this, &DataAutoMLPage::runFinished);
    connect(m_job, &AutoMLJobController::trialFinished, this, [this](const RunPtr &run, double bestScore, int) {
        m_live->appendRun(run);
        m_progress->append(run->finishedAtSeconds, run->score, bestScore);
    });
    connect(m_job, &AutoMLJobController::stageChanged, this,
            [this](AutoMLJobController::Stage, const QString &text) { setStatus(text); });
    connect(m_job, &AutoMLJobController::uploadProgress, this,
            [this](int percent) { m_elapsed->setText(tr("Uploading the data: %1 %").arg(percent)); });
    connect(m_job, &AutoMLJobController::finished, this, &DataAutoMLPage::jobFinished);
    connect(&m_session, &Session::connectionChanged, this, &DataAutoMLPage::updateProblems);
    m_clock->setInterval(kClockTick);
    connect(m_clock, &QTimer::timeout, this, &DataAutoMLPage::updateClock);
    updateProblems();
}

DataAutoMLPage::~DataAutoMLPage() = default;

QWidget *DataAutoMLPage::buildForm()
{
    QSettings store;
    const AppSettings defaults = AppSettings::load(store);

    auto *box = new QWidget(this);
    auto *form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_target = new QComboBox(box);
    m_target->setObjectName(QStringLiteral("targetColumn"));
    withLabel(form, tr("&Target column:"), m_target, tooltip::target());
    connect(m_target, &QComboBox::currentIndexChanged, this, &DataAutoMLPage::targetChanged);

    m_task = new QComboBox(box);
    m_task->setObjectName(QStringLiteral("taskType"));
    m_task->addItem(tr("Classification"), QStringLiteral("classification"));
    withLabel(form, tr("Tas&k type:"), m_task, tooltip::task());

    m_metric = new QComboBox(box);
    m_metric->setObjectName(QStringLiteral("primaryMetric"));
    for (std::string_view name : automl::classificationMetricNames())
        m_metric->addItem(QString::fromLatin1(name.data(), qsizetype(name.size())));
    m_metric->setCurrentText(QStringLiteral("AUC_weighted"));
    withLabel(form, tr("Primary &metric:"), m_metric, tooltip::primaryMetric());

    m_exitMinutes = new QSpinBox(box);
    m_exitMinutes->setObjectName(QStringLiteral("exitCriterion"));
    m_exitMinutes->setRange(1, kMaxExitMinutes);
    m_exitMinutes->setSuffix(tr(" min"));
    m_exitMinutes->setValue(int(defaults.defaultExitCriterion.count()));
    withLabel(form, tr("&Exit criterion:"), m_exitMinutes, tooltip::exitCriterion());

    m_maxTrials = new QSpinBox(box);
    m_maxTrials->setObjectName(QStringLiteral("maxTrials"));
    m_maxTrials->setRange(1, kMaxTrials);
    m_maxTrials->setValue(kMaxTrials);
    withLabel(form, tr("Max tr&ials:"), m_maxTrials, tooltip::maxTrials());

    m_concurrent = new QSpinBox(box);
    m_concurrent->setObjectName(QStringLiteral("maxConcurrentTrials"));
    m_concurrent->setRange(1, kMaxSlots);
    m_concurrent->setValue(defaults.defaultMaxConcurrentTrials);
    withLabel(form, tr("Max &concurrent trials:"), m_concurrent, tooltip::maxConcurrentTrials());

    m_validation = new QComboBox(box);
    m_validation->setObjectName(QStringLiteral("validationType"));
    m_validation->addItem(tr("Auto"), int(automl::ValidationKind::Auto));
    m_validation->addItem(tr("k-fold cross validation"), int(automl::ValidationKind::KFold));
    m_validation->addItem(tr("Train-validation split"), int(automl::ValidationKind::Split));
    withLabel(form, tr("&Validation type:"), m_validation, tooltip::validation());
    m_folds = new QSpinBox(box);
    m_folds->setObjectName(QStringLiteral("folds"));
    m_folds->setRange(2, 20);
    m_folds->setValue(5);
    withLabel(form, tr("Number of &folds:"), m_folds, tooltip::validation());
    m_validationPercent = new QDoubleSpinBox(box);
    m_validationPercent->setObjectName(QStringLiteral("validationPercent"));
    m_validationPercent->setRange(1, 50);
    m_validationPercent->setValue(10);
    m_validationPercent->setSuffix(QStringLiteral(" %"));
    withLabel(form, tr("Validation &share:"), m_validationPercent, tooltip::validation());

    m_testPercent = new QDoubleSpinBox(box);
    m_testPercent->setObjectName(QStringLiteral("testPercent"));
    m_testPercent->setRange(0, 49);
    m_testPercent->setValue(0);
    m_testPercent->setSuffix(QStringLiteral(" %"));
    m_testPercent->setSpecialValueText(tr("No test data"));
    withLabel(form, tr("Test &data:"), m_testPercent, tooltip::testData());

    m_explain = new QCheckBox(tr("E&xplain best model"), box);
    m_explain->setObjectName(QStringLiteral("explainBestModel"));
    m_explain->setChecked(true);
    m_explain->setToolTip(tooltip::explainBestModel());
    form->addRow(QString(), m_explain);

    m_blocked = new QListWidget(box);
    m_blocked->setObjectName(QStringLiteral("blockedModels"));
    for (const automl::LearnerInfo &learner : automl::learnerCatalog()) {
        auto *item = new QListWidgetItem(QString::fromStdString(learner.kind), m_blocked);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
    }
    m_blocked->setMaximumHeight(m_blocked->sizeHintForRow(0) * 4 + 6);
    withLabel(form, tr("&Blocked models:"), m_blocked, tooltip::blockedModels());

    m_compute = new QComboBox(box);
    m_compute->setObjectName(QStringLiteral("compute"));
    m_compute->addItem(tr("This computer (local slots)"), int(ComputeKind::Local));
    m_compute->addItem(tr("Azure compute cluster"), int(ComputeKind::AzureCluster));
    withLabel(form, tr("Com&pute:"), m_compute, tooltip::compute());
    m_slots = new QSpinBox(box);
    m_slots->setObjectName(QStringLiteral("localSlots"));
    m_slots->setRange(1, kMaxSlots);
    m_slots->setValue(std::max(1, QThread::idealThreadCount()));
    withLabel(form, tr("&Local slots:"), m_slots, tooltip::compute());
    m_clusterName = new QLineEdit(box);
    m_clusterName->setObjectName(QStringLiteral("clusterName"));
    m_clusterName->setText(AutoMLForm().clusterName);
    withLabel(form, tr("Cluster na&me:"), m_clusterName, tooltip::clusterName());
    m_vmSize = new QComboBox(box);
    m_vmSize->setObjectName(QStringLiteral("vmSize"));
    m_vmSize->addItems({QStringLiteral("Standard_DS3_v2"), QStringLiteral("Standard_DS11_v2"),
                        QStringLiteral("Standard_D4s_v3"), QStringLiteral("Standard_F4s_v2")});
    withLabel(form, tr("Virtual machine si&ze:"), m_vmSize, tooltip::vmSize());
    m_minNodes = new QSpinBox(box);
    m_minNodes->setObjectName(QStringLiteral("minNodes"));
    m_minNodes->setRange(0, 100);
    withLabel(form, tr("Mi&nimum nodes:"), m_minNodes, tooltip::nodes());
    m_maxNodes = new QSpinBox(box);
    m_maxNodes->setObjectName(QStringLiteral("maxNodes"));
    m_maxNodes->setRange(1, 100);
    m_maxNodes->setValue(4);
    withLabel(form, tr("Maxim&um nodes:"), m_maxNodes, tooltip::nodes());

    m_problems = new QLabel(box);
    m_problems->setObjectName(QStringLiteral("formProblems"));
    m_problems->setWordWrap(true);
    form->addRow(m_problems);
    m_jobNotes = new QLabel(box);
    m_jobNotes->setObjectName(QStringLiteral("jobNotes"));
    m_jobNotes->setWordWrap(true);
    m_jobNotes->setToolTip(tr("Settings the AutoML job's body has no field for: the service uses its own default."));
    form->addRow(m_jobNotes);
    m_submit = new QPushButton(tr("&Train"), box);
    m_submit->setObjectName(QStringLiteral("submit"));
    m_submit->setDefault(true);
    m_submit->setToolTip(tr("Start the AutoML job with these settings (Ctrl+Return)."));
    m_submit->setShortcut(QKeySequence(QStringLiteral("Ctrl+Return")));
    connect(m_submit, &QPushButton::clicked, this, &DataAutoMLPage::submit);
    form->addRow(m_submit);

    auto update = [this]() { updateProblems(); };
    for (QComboBox *combo : {m_task, m_metric, m_validation, m_compute, m_vmSize})
        connect(combo, &QComboBox::currentIndexChanged, this, update);
    for (QSpinBox *spin : {m_exitMinutes, m_maxTrials, m_concurrent, m_folds, m_slots, m_minNodes, m_maxNodes})
        connect(spin, &QSpinBox::valueChanged, this, update);
    for (QDoubleSpinBox *spin : {m_validationPercent, m_testPercent})
        connect(spin, &QDoubleSpinBox::valueChanged, this, update);
    connect(m_blocked, &QListWidget::itemChanged, this, update);
    connect(m_clusterName, &QLineEdit::textChanged, this, update);

    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("settingsScroll"));
    scroll->setWidget(box);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    return scroll;
}

QWidget *DataAutoMLPage::buildRunView()
{
    auto *view = new QWidget(this);
    auto *layout = new QVBoxLayout(view);
    m_liveProxy->setSourceModel(m_live);
    m_liveProxy->setSortRole(LeaderboardModel::SortRole);
    auto *board = makeTable(view, QStringLiteral("liveLeaderboard"));
    board->setModel(m_liveProxy);
    board->setSortingEnabled(true);
    board->sortByColumn(LeaderboardModel::PrimaryMetric, Qt::DescendingOrder);
    board->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Fit the columns once per burst of rows, not once per row: a poll that finds twenty
    // finished trials inserts twenty rows, and each fit lays out every visible cell's text.
    auto *fitColumns = new QTimer(board);
    fitColumns->setSingleShot(true);
    fitColumns->setInterval(kFitColumnsDelay);
    connect(fitColumns, &QTimer::timeout, board, &QTableView::resizeColumnsToContents);
    connect(m_live, &QAbstractItemModel::rowsInserted, fitColumns, [fitColumns]() {
        if (!fitColumns->isActive())
            fitColumns->start();
    });
    m_bestChart = new BestScoreChart(m_progress, view);
    m_bestChart->setObjectName(QStringLiteral("bestScoreChart"));
    m_elapsed = new QLabel(tr("No run yet."), view);
    m_elapsed->setObjectName(QStringLiteral("runClock"));
    m_cancel = new QPushButton(tr("Ca&ncel run…"), view);
    m_cancel->setObjectName(QStringLiteral("cancelRun"));
    m_cancel->setEnabled(false);
    m_cancel->setToolTip(tr("Stop the run; the best model so far is kept."));
    connect(m_cancel, &QPushButton::clicked, this, &DataAutoMLPage::requestCancel);
    auto *row = new QHBoxLayout;
    row->addWidget(m_elapsed, 1);
    row->addWidget(m_cancel);
    auto *split = new QSplitter(Qt::Vertical, view);
    split->addWidget(board);
    split->addWidget(m_bestChart);
    layout->addLayout(row);
    layout->addWidget(split, 1);
    return view;
}

void DataAutoMLPage::setRunsDirectory(const QString &directory)
{
    m_runsDirectory = directory;
}

void DataAutoMLPage::setStatus(const QString &text)
{
    m_status->setText(text);
}

QString DataAutoMLPage::statusText() const
{
    return m_status->text();
}

void DataAutoMLPage::chooseFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose training data"), QString(),
                                                      tr("CSV files (*.csv *.tsv *.txt);;All files (*)"));
    if (!path.isEmpty())
        openFile(path);
}

void DataAutoMLPage::openFile(const QString &path)
{
    m_file->setText(tr("Reading %1…").arg(QDir::toNativeSeparators(path)));
    m_profile->setTable(nullptr);
    m_guardrails->clear();
    m_preview->load(path);
}

void DataAutoMLPage::dragEnterEvent(QDragEnterEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void DataAutoMLPage::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.first().isLocalFile()) {
        openFile(urls.first().toLocalFile());
        event->acceptProposedAction();
    }
}

void DataAutoMLPage::dataStateChanged()
{
    switch (m_preview->state()) {
    case DatasetPreviewModel::State::Empty:
    case DatasetPreviewModel::State::Loading:
        break;
    case DatasetPreviewModel::State::Failed:
        m_file->setText(tr("Could not read %1.").arg(QDir::toNativeSeparators(m_preview->path())));
        setStatus(m_preview->errorString());
        break;
    case DatasetPreviewModel::State::Ready: {
        const auto table = m_preview->table();
        m_file->setText(tr("%1 — %2 rows, %3 columns")
                            .arg(QDir::toNativeSeparators(m_preview->path()))
                            .arg(table->data.rows)
                            .arg(table->data.columnCount()));
        setStatus(QString());
        const QSignalBlocker blocker(m_target);
        m_target->clear();
        for (const std::string &name : table->data.columnNames())
            m_target->addItem(QString::fromStdString(name));
        // Bank Marketing and most AutoML samples name the label "y"; otherwise the last column.
        const int y = m_target->findText(QStringLiteral("y"));
        m_target->setCurrentIndex(y >= 0 ? y : m_target->count() - 1);
        m_session.setDataAsset(QString(), m_preview->path());
        m_profile->setTable(table);
        break;
    }
    }
    updateProblems();
}

void DataAutoMLPage::targetChanged()
{
    if (m_profile->profile())
        m_guardrails->compute(m_preview->table(), m_profile->profile(), m_target->currentIndex());
    updateProblems();
}

AutoMLForm DataAutoMLPage::form() const
{
    AutoMLForm f;
    f.targetColumn = m_target->currentText();
    f.task = m_task->currentData().toString();
    f.primaryMetric = m_metric->currentText();
    f.exitCriterion = std::chrono::minutes(m_exitMinutes->value());
    f.maxTrials = m_maxTrials->value();
    f.maxConcurrentTrials = m_concurrent->value();
    f.validation = automl::ValidationKind(m_validation->currentData().toInt());
    f.folds = m_folds->value();
    f.validationShare = m_validationPercent->value() / 100.0;
    f.testShare = m_testPercent->value() / 100.0;
    f.explainBestModel = m_explain->isChecked();
    for (int row = 0; row < m_blocked->count(); ++row)
        if (m_blocked->item(row)->checkState() == Qt::Checked)
            f.blockedModels << m_blocked->item(row)->text();
    f.compute = ComputeKind(m_compute->currentData().toInt());
    f.localSlots = m_slots->value();
    f.clusterName = m_clusterName->text().trimmed();
    f.vmSize = m_vmSize->currentText();
    f.minNodes = m_minNodes->value();
    f.maxNodes = m_maxNodes->value();
    return f;
}

QStringList DataAutoMLPage::problems() const
{
    QStringList columns;
    if (const auto table = m_preview->table())
        for (const std::string &name : table->data.columnNames())
            columns << QString::fromStdString(name);
    const AutoMLForm f = form();
    QStringList list = validateForm(f, columns);
    if (m_session.isConnected())
        list << planJob(f, m_session.connection() == Session::Connection::Azure).problems;
    else if (f.compute == ComputeKind::AzureCluster)
        list << tr("Compute: an Azure compute cluster is a workspace's: connect to one on the Workspace step.");
    return list;
}

QStringList DataAutoMLPage::notInJobBody() const
{
    if (!m_session.isConnected())
        return {};
    return planJob(form(), m_session.connection() == Session::Connection::Azure).notInJobBody;
}

void DataAutoMLPage::updateProblems()
{
    const auto kind = automl::ValidationKind(m_validation->currentData().toInt());
    m_folds->setEnabled(kind == automl::ValidationKind::KFold);
    m_validationPercent->setEnabled(kind == automl::ValidationKind::Split);
    const bool azure = ComputeKind(m_compute->currentData().toInt()) == ComputeKind::AzureCluster;
    m_slots->setEnabled(!azure);
    m_clusterName->setEnabled(azure);
    m_vmSize->setEnabled(azure);
    m_minNodes->setEnabled(azure);
    m_maxNodes->setEnabled(azure);
    const QStringList list = problems();
    m_problems->setText(list.join(QLatin1Char('\n')));
    const QStringList notes = notInJobBody();
    m_jobNotes->setText(notes.isEmpty() ? QString() : tr("Not sent with the job:\n%1").arg(notes.join(QLatin1Char('\n'))));
    m_jobNotes->setVisible(!notes.isEmpty());
    m_submit->setEnabled(list.isEmpty() && !isRunning());
    m_submit->setToolTip(m_session.isConnected()
                             ? tr("Submit the AutoML job to the workspace with these settings (Ctrl+Return).")
                             : tr("Train on this computer with these settings, without a workspace (Ctrl+Return)."));
}

bool DataAutoMLPage::isRunning() const
{
    return m_runner->isRunning() || m_job->isActive();
}

bool DataAutoMLPage::submit()
{
    const QStringList list = problems();
    if (!list.isEmpty()) {
        setStatus(list.join(QLatin1Char(' ')));
        return false;
    }
    const AutoMLForm f = form();
    if (m_session.isConnected())
        return submitJob(f);
    const QString folder =
        QDir(m_runsDirectory).filePath(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")));
    if (!QDir().mkpath(m_runsDirectory)) {
        setStatus(tr("Could not create %1.").arg(QDir::toNativeSeparators(m_runsDirectory)));
        return false;
    }
    m_live->clear(f.primaryMetric);
    m_progress->clear();
    m_bestChart->setMetricName(f.primaryMetric);
    QString error;
    if (!m_runner->start(toEngineSettings(f), m_preview->table(), std::nullopt, folder, &error)) {
        setStatus(error);
        return false;
    }
    m_runIsJob = false;
    m_session.setJobName(QFileInfo(folder).fileName());
    m_cancel->setEnabled(true);
    m_tabs->setCurrentIndex(m_tabs->count() - 1);
    m_clock->start();
    updateClock();
    updateProblems();
    setStatus(tr("Training on this computer with %1 concurrent trials…").arg(f.maxConcurrentTrials));
    return true;
}

bool DataAutoMLPage::submitJob(const AutoMLForm &f)
{
    QString error;
    m_live->clear(f.primaryMetric);
    m_progress->clear();
    m_bestChart->setMetricName(f.primaryMetric);
    if (!m_job->submit(m_preview->path(), f, &error)) {
        setStatus(error);
        return false;
    }
    m_runIsJob = true;
    m_cancel->setEnabled(true);
    m_tabs->setCurrentIndex(m_tabs->count() - 1);
    m_clock->start();
    updateClock();
    updateProblems();
    return true;
}

void DataAutoMLPage::jobFinished(AutoMLJobController::Stage outcome, std::shared_ptr<const RunFolder> result)
{
    m_clock->stop();
    m_cancel->setEnabled(false);
    updateClock();
    updateProblems();
    if (outcome == AutoMLJobController::Stage::Failed) {
        const azure::AzureError &error = m_job->error();
        m_elapsed->setText(tr("Failed after %1 — %2 models.").arg(clockText(runElapsed())).arg(m_live->rowCount()));
        QString text = tr("The job failed (%1): %2").arg(error.code.isEmpty() ? tr("no code") : error.code, error.message);
        if (!error.requestId.isEmpty())
            text += tr(" [request id %1]").arg(error.requestId);
        setStatus(text);
        return;
    }
    const bool canceled = outcome == AutoMLJobController::Stage::Canceled;
    m_elapsed->setText(tr("Job %1 %2 after %3 — %4 models.")
                           .arg(m_job->jobName(), canceled ? tr("canceled") : tr("completed"), clockText(runElapsed()))
                           .arg(m_live->rowCount()));
    if (!result) {
        setStatus(canceled ? tr("The job was canceled before any model finished.")
                           : tr("The job finished without any model."));
        return;
    }
    setStatus(tr("Job %1 %2 with %3 models; the Models step shows them.")
                  .arg(m_job->jobName(), canceled ? tr("canceled") : tr("completed"))
                  .arg(result->runs.size()));
    Q_EMIT jobResultReady(std::move(result));
}

std::chrono::milliseconds DataAutoMLPage::runElapsed() const
{
    return m_runIsJob ? m_job->elapsed() : m_runner->elapsed();
}

std::chrono::milliseconds DataAutoMLPage::runTimeout() const
{
    return m_runIsJob ? m_job->timeout() : m_runner->timeout();
}

void DataAutoMLPage::requestCancel()
{
    if (!isRunning())
        return;
    const auto answer = QMessageBox::question(this, tr("Cancel the run?"),
                                              tr("Stop training now? The models finished so far are kept."),
                                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer == QMessageBox::Yes)
        cancelRun();
}

void DataAutoMLPage::cancelRun()
{
    m_cancel->setEnabled(false);
    if (m_runIsJob) {
        m_job->cancel();
        return; // the controller reports the cancel request and the job's end
    }
    m_runner->cancel();
    setStatus(tr("Canceling: the running trials stop and the best model so far is kept…"));
}

void DataAutoMLPage::updateClock()
{
    const auto elapsed = runElapsed();
    const auto remaining = std::max(std::chrono::milliseconds(0), runTimeout() - elapsed);
    m_elapsed->setText(tr("Elapsed %1, remaining at most %2 — %3 models")
                           .arg(clockText(elapsed), clockText(remaining))
                           .arg(m_live->rowCount()));
}

void DataAutoMLPage::runFinished(const QString &folder, const QString &error, bool canceled)
{
    m_clock->stop();
    m_cancel->setEnabled(false);
    updateClock();
    updateProblems();
    if (folder.isEmpty()) {
        setStatus(tr("The run failed: %1").arg(error));
        return;
    }
    m_elapsed->setText(tr("%1 after %2 — %3 models. Best: run %4.")
                           .arg(canceled ? tr("Canceled") : tr("Finished"), clockText(m_runner->elapsed()))
                           .arg(m_live->rowCount())
                           .arg(m_live->bestRunId()));
    setStatus(tr("The run is in %1; the Models step shows it.").arg(QDir::toNativeSeparators(folder)));
    Q_EMIT runFolderReady(folder);
}

} // namespace cerulean::ui
