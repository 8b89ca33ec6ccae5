#include "ui/pages/models_page.h"

#include "ui/charts/curve_chart.h"
#include "core/azure/ml_client.h"
#include "ui/models/dataset_async.h"
#include "ui/models/deploy_controller.h"
#include "ui/models/leaderboard_model.h"
#include "ui/models/metrics_models.h"
#include "ui/session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

#include <array>
#include <set>

namespace cerulean::ui {

namespace {

constexpr std::array kCurveKinds{CurveKind::Roc, CurveKind::PrecisionRecall, CurveKind::Calibration, CurveKind::Lift,
                                 CurveKind::CumulativeGains};

QTableView *makeTable(QWidget *parent, const QString &name)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setAlternatingRowColors(true);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setHighlightSections(false);
    return view;
}

} // namespace

ModelsPage::ModelsPage(Session &session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_leaderboard(new LeaderboardModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_metrics(new MetricsTableModel(this))
    , m_confusion(new ConfusionMatrixModel(this))
    , m_curves(new CurveTableModel(this))
    , m_importance(new ImportanceModel(this))
{
    setObjectName(QStringLiteral("modelsPage"));
    m_proxy->setSourceModel(m_leaderboard);
    m_proxy->setSortRole(LeaderboardModel::SortRole);
    m_proxy->setFilterKeyColumn(LeaderboardModel::Algorithm);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    auto *open = new QPushButton(tr("&Open run folder…"), this);
    open->setObjectName(QStringLiteral("openRunFolder"));
    open->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+O")));
    open->setToolTip(tr("Open the folder an AutoML run wrote (cerulean-cli automl --out DIR)."));
    connect(open, &QPushButton::clicked, this, &ModelsPage::chooseRunFolder);
    m_summary = new QLabel(tr("No run open. Train on the Data & AutoML step or open a run folder."), this);
    m_summary->setObjectName(QStringLiteral("runSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_register = new QPushButton(tr("&Register best model"), this);
    m_register->setObjectName(QStringLiteral("registerModel"));
    connect(m_register, &QPushButton::clicked, this, &ModelsPage::registerBestModel);
    connect(&m_session, &Session::connectionChanged, this, &ModelsPage::refreshRegister);
    auto *top = new QHBoxLayout;
    top->addWidget(open);
    top->addWidget(m_summary, 1);
    top->addWidget(m_register);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("leaderboardFilter"));
    m_filter->setPlaceholderText(tr("Filter by algorithm"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    auto *filterLabel = new QLabel(tr("&Filter:"), this);
    filterLabel->setBuddy(m_filter);

    m_board = makeTable(this, QStringLiteral("leaderboardView"));
    m_board->setModel(m_proxy);
    m_board->setSortingEnabled(true);
    m_board->sortByColumn(LeaderboardModel::PrimaryMetric, Qt::DescendingOrder);
    m_board->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_board->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_board->setToolTip(tr("Select several models (Ctrl+click) to compare them."));
    connect(m_board->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ModelsPage::selectionChanged);
    connect(m_leaderboard, &QAbstractItemModel::modelReset, this, [this]() {
        m_board->resizeColumnsToContents();
        // Sort again: a reset model keeps the header's indicator but a metric may point the other way.
        m_board->sortByColumn(LeaderboardModel::PrimaryMetric,
                              metricHigherIsBetter(m_leaderboard->primaryMetric()) ? Qt::DescendingOrder : Qt::AscendingOrder);
    });

    auto *boardBox = new QWidget(this);
    auto *boardLayout = new QVBoxLayout(boardBox);
    boardLayout->setContentsMargins(0, 0, 0, 0);
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_filter, 1);
    boardLayout->addLayout(filterRow);
    boardLayout->addWidget(m_board, 1);

    // Detail tabs.
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("modelTabs"));

    m_evaluation = new QComboBox(this);
    m_evaluation->setObjectName(QStringLiteral("evaluationSet"));
    m_evaluation->addItem(tr("Validation data"), int(EvaluationSet::Validation));
    m_evaluation->addItem(tr("Test data"), int(EvaluationSet::Test));
    m_evaluation->setToolTip(tr("Metrics and charts computed on the validation data (what AutoML ranks by) or on the "
                                "held-out test data."));
    connect(m_evaluation, &QComboBox::currentIndexChanged, this, &ModelsPage::selectionChanged);

    auto *metricsTab = new QWidget(m_tabs);
    auto *metricsLayout = new QVBoxLayout(metricsTab);
    auto *metricsView = makeTable(metricsTab, QStringLiteral("metricsView"));
    metricsView->setModel(m_metrics);
    connect(m_metrics, &QAbstractItemModel::modelReset, metricsView, &QTableView::resizeColumnsToContents);
    auto *exportCsv = new QPushButton(tr("Export metrics as &CSV…"), metricsTab);
    exportCsv->setObjectName(QStringLiteral("exportMetricsCsv"));
    connect(exportCsv, &QPushButton::clicked, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export metrics"), QStringLiteral("metrics.csv"),
                                                          tr("CSV files (*.csv)"));
        if (!path.isEmpty() && !exportMetricsCsv(path))
            setStatus(tr("Could not write %1.").arg(path));
    });
    metricsLayout->addWidget(metricsView, 1);
    metricsLayout->addWidget(exportCsv, 0, Qt::AlignRight);
    m_tabs->addTab(metricsTab, tr("&Metrics"));

    auto *confusionTab = new QWidget(m_tabs);
    auto *confusionLayout = new QVBoxLayout(confusionTab);
    m_normalized = new QCheckBox(tr("&Normalized (share of each true class)"), confusionTab);
    m_normalized->setObjectName(QStringLiteral("normalizedConfusion"));
    connect(m_normalized, &QCheckBox::toggled, m_confusion, &ConfusionMatrixModel::setNormalized);
    auto *confusionView = makeTable(confusionTab, QStringLiteral("confusionView"));
    confusionView->setModel(m_confusion);
    confusionView->setAlternatingRowColors(false);
    confusionView->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    confusionView->verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    connect(confusionView, &QTableView::clicked, this, &ModelsPage::confusionCellClicked);
    m_confusionNote = new QLabel(confusionTab);
    m_confusionNote->setObjectName(QStringLiteral("confusionNote"));
    m_confusionNote->setWordWrap(true);
    confusionLayout->addWidget(m_normalized);
    confusionLayout->addWidget(confusionView, 1);
    confusionLayout->addWidget(m_confusionNote);
    m_tabs->addTab(confusionTab, tr("Confusion matri&x"));

    auto *curvesTab = new QWidget(m_tabs);
    auto *curvesLayout = new QVBoxLayout(curvesTab);
    m_curveKind = new QComboBox(curvesTab);
    m_curveKind->setObjectName(QStringLiteral("curveKind"));
    for (CurveKind kind : kCurveKinds)
        m_curveKind->addItem(curveKindTitle(kind), int(kind));
    m_curveClass = new QComboBox(curvesTab);
    m_curveClass->setObjectName(QStringLiteral("curveClass"));
    m_curveClass->setToolTip(tr("Which class's curve to draw for each selected model (micro and macro average every class)."));
    connect(m_curveKind, &QComboBox::currentIndexChanged, this, &ModelsPage::refreshCurves);
    connect(m_curveClass, &QComboBox::currentIndexChanged, this, &ModelsPage::refreshCurves);
    m_curveChart = new CurveChart(m_curves, curvesTab);
    m_curveChart->setObjectName(QStringLiteral("curveChart"));
    auto *exportPng = new QPushButton(tr("Export chart as &PNG…"), curvesTab);
    exportPng->setObjectName(QStringLiteral("exportCurvePng"));
    connect(exportPng, &QPushButton::clicked, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("chart.png"),
                                                          tr("PNG images (*.png)"));
        if (!path.isEmpty() && !exportCurvePng(path))
            setStatus(tr("Could not write %1.").arg(path));
    });
    auto *curveRow = new QHBoxLayout;
    auto *kindLabel = new QLabel(tr("C&hart:"), curvesTab);
    kindLabel->setBuddy(m_curveKind);
    auto *classLabel = new QLabel(tr("C&lass:"), curvesTab);
    classLabel->setBuddy(m_curveClass);
    curveRow->addWidget(kindLabel);
    curveRow->addWidget(m_curveKind);
    curveRow->addWidget(classLabel);
    curveRow->addWidget(m_curveClass);
    curveRow->addStretch(1);
    curveRow->addWidget(exportPng);
    curvesLayout->addLayout(curveRow);
    curvesLayout->addWidget(m_curveChart, 1);
    m_tabs->addTab(curvesTab, tr("C&urves"));

    auto *importanceTab = new QWidget(m_tabs);
    auto *importanceLayout = new QHBoxLayout(importanceTab);
    m_importanceChart = new ImportanceChart(m_importance, ImportanceModel::Feature, ImportanceModel::Importance, importanceTab);
    m_importanceChart->setObjectName(QStringLiteral("importanceChart"));
    auto *importanceView = makeTable(importanceTab, QStringLiteral("importanceView"));
    importanceView->setModel(m_importance);
    importanceView->horizontalHeader()->setStretchLastSection(true);
    importanceLayout->addWidget(m_importanceChart, 3);
    importanceLayout->addWidget(importanceView, 1);
    m_tabs->addTab(importanceTab, tr("Feature &importance"));

    auto *detail = new QWidget(this);
    auto *detailLayout = new QVBoxLayout(detail);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    auto *evaluationRow = new QHBoxLayout;
    auto *evaluationLabel = new QLabel(tr("&Evaluated on:"), detail);
    evaluationLabel->setBuddy(m_evaluation);
    evaluationRow->addWidget(evaluationLabel);
    evaluationRow->addWidget(m_evaluation);
    evaluationRow->addStretch(1);
    detailLayout->addLayout(evaluationRow);
    detailLayout->addWidget(m_tabs, 1);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(boardBox);
    splitter->addWidget(detail);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("modelsStatus"));
    m_status->setWordWrap(true);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
    setTabOrder(open, m_register);
    setTabOrder(m_register, m_filter);
    setTabOrder(m_filter, m_board);
    setTabOrder(m_board, m_evaluation);
    setTabOrder(m_evaluation, m_tabs);
    refreshRegister();
}

namespace {

// The best model's package in a run folder (engine.h: best/ holds it).
QString bestPackageDir(const QString &runFolder)
{
    return QDir(runFolder).filePath(QStringLiteral("best"));
}

// A model name Azure ML accepts (letters, digits, '-', '_'; a letter first), from the data file's name.
QString modelNameFor(const QString &dataFile)
{
    static const QRegularExpression invalid(QStringLiteral("[^A-Za-z0-9_-]+"));
    QString stem = QFileInfo(dataFile).completeBaseName().replace(invalid, QStringLiteral("-"));
    if (stem.isEmpty() || !stem.at(0).isLetter())
        stem.prepend(QStringLiteral("automl-"));
    constexpr int kMaxStem = 200;
    return stem.left(kMaxStem) + QStringLiteral("-best");
}

} // namespace

void ModelsPage::refreshRegister()
{
    // A job's best model is already in the workspace (the job's best_model output).
    const bool fromJob = m_folder && !m_folder->jobName.isEmpty();
    const bool hasPackage = fromJob || (m_folder && QFileInfo(bestPackageDir(m_folder->path)).isDir());
    const bool local = m_session.connection() == Session::Connection::Local;
    m_register->setEnabled(hasPackage && (local || (fromJob && m_session.isConnected())) && !m_registering);
    if (!m_session.isConnected())
        m_register->setToolTip(tr("Connect to a workspace first (the Workspace step)."));
    else if (fromJob)
        m_register->setToolTip(tr("Register the best model of job %1 in the workspace, to deploy it on the Deploy step.")
                                   .arg(m_folder->jobName));
    else if (!local)
        m_register->setToolTip(tr("Registering a model trained on this computer in an Azure workspace needs its package "
                                  "uploaded to a datastore, which this build does not do yet."));
    else if (!hasPackage)
        m_register->setToolTip(tr("Open a run folder with a best model (its best/ folder) first."));
    else
        m_register->setToolTip(tr("Register the best model of this run in the workspace, to deploy it on the Deploy step."));
}

void ModelsPage::registerBestModel()
{
    refreshRegister();
    if (!m_register->isEnabled()) {
        setStatus(m_register->toolTip());
        return;
    }
    const auto client = machineLearningClient(m_session);
    if (!client)
        return;
    m_registering = true;
    refreshRegister();
    const QString name = modelNameFor(m_session.dataFile().isEmpty() ? m_folder->path : m_session.dataFile());
    setStatus(tr("Registering the best model as %1…").arg(name));
    static const QRegularExpression notDigit(QStringLiteral("[^0-9]"));
    if (!m_folder->jobName.isEmpty()) {
        // One version per job, named by the job's time stamp (registering again finds it).
        QString version = m_folder->jobName;
        version.remove(notDigit);
        if (version.isEmpty())
            version = QString::number(QDateTime::currentSecsSinceEpoch());
        registerVersion(name, version, QStringLiteral("azureml://jobs/%1/outputs/best_model").arg(m_folder->jobName));
        return;
    }
    const QString packageDir = QFileInfo(bestPackageDir(m_folder->path)).absoluteFilePath();
    // Versions are immutable: one per run, named by the run folder's time stamp, so that
    // registering the same run again finds its version rather than making another.
    QString version = QFileInfo(m_folder->path).fileName().remove(notDigit);
    if (version.isEmpty())
        version = QString::number(QDateTime::currentSecsSinceEpoch());
    registerVersion(name, version, QUrl::fromLocalFile(packageDir).toString());
}

void ModelsPage::registerVersion(const QString &name, const QString &version, const QString &modelUri)
{
    const auto client = machineLearningClient(m_session);
    if (!client) {
        m_registering = false;
        refreshRegister();
        return;
    }
    azure::ModelSpec spec;
    spec.name = name;
    spec.version = version;
    // Azure's AutoML jobs write their best model in MLflow's format; the local engine's is its own package.
    spec.modelType = m_session.connection() == Session::Connection::Azure ? QStringLiteral("mlflow_model")
                                                                          : QStringLiteral("custom_model");
    spec.modelUri = modelUri;
    spec.jobName = m_folder->jobName;
    spec.description = m_folder->jobName.isEmpty()
                           ? tr("Best model (run %1) of the AutoML run in %2").arg(m_leaderboard->bestRunId()).arg(m_folder->path)
                           : tr("Best model of the AutoML job %1").arg(m_folder->jobName);
    // The callback holds the client: the request is dropped when its client goes away.
    client->createModelVersion(spec, this, [this, client, name, version](azure::Result<azure::Model> model) {
        m_registering = false;
        refreshRegister();
        if (!model.ok()) {
            setStatus(tr("Could not register %1: %2").arg(name, model.error().toString()));
            return;
        }
        const QString id = QStringLiteral("azureml:%1:%2").arg(name, version);
        setStatus(tr("Registered as %1; deploy it on the Deploy step.").arg(id));
        m_session.setModelId(id);
        Q_EMIT modelRegistered(id);
    });
}

void ModelsPage::setStatus(const QString &text)
{
    m_status->setText(text);
}

QString ModelsPage::statusText() const
{
    return m_status->text();
}

void ModelsPage::chooseRunFolder()
{
    const QString path = QFileDialog::getExistingDirectory(this, tr("Open run folder"));
    if (!path.isEmpty())
        openRunFolder(path);
}

bool ModelsPage::openRunFolder(const QString &path, QString *error)
{
    QString message;
    auto folder = loadRunFolder(path, &message);
    return showRunFolder(std::move(folder), message, error);
}

void ModelsPage::showJobResult(const std::shared_ptr<const RunFolder> &result)
{
    if (result)
        showRunFolder(*result, QString(), nullptr);
}

void ModelsPage::openRunFolderInBackground(const QString &path)
{
    struct Loaded
    {
        std::optional<RunFolder> folder;
        QString message;
    };
    setStatus(tr("Reading %1…").arg(QDir::toNativeSeparators(path)));
    runInBackground<Loaded>(
        this,
        [path]() {
            Loaded loaded;
            loaded.folder = loadRunFolder(path, &loaded.message);
            return loaded;
        },
        [this](Loaded loaded) { showRunFolder(std::move(loaded.folder), loaded.message, nullptr); });
}

bool ModelsPage::showRunFolder(std::optional<RunFolder> folder, const QString &message, QString *error)
{
    if (!folder) {
        setStatus(message);
        if (error)
            *error = message;
        return false;
    }
    m_folder = std::move(folder);
    std::vector<RunPtr> runs;
    for (const RunRecord &run : m_folder->runs)
        runs.push_back(std::make_shared<const RunRecord>(run));
    m_leaderboard->setRuns(m_folder->primaryMetric, std::move(runs));
    m_importance->setImportance(m_folder->importanceMetric, m_folder->importance);
    m_summary->setText(tr("%1 — %2 models, primary metric %3, validation: %4, %5 (stopped: %6)")
                           .arg(m_folder->jobName.isEmpty() ? m_folder->path : tr("Job %1").arg(m_folder->jobName))
                           .arg(m_folder->runs.size())
                           .arg(m_folder->primaryMetric, m_folder->validation,
                                formatDuration(m_folder->durationSeconds), m_folder->stopReason));
    setStatus(m_folder->chartDownloadFailures > 0
                  ? tr("%1 chart files of the job's runs could not be downloaded; those charts are missing.")
                        .arg(m_folder->chartDownloadFailures)
                  : QString());
    if (m_leaderboard->bestRunId() >= 0) {
        selectRuns({m_leaderboard->bestRunId()});
        m_session.setBestRunId(QString::number(m_leaderboard->bestRunId()));
    }
    refreshRegister();
    Q_EMIT runFolderOpened(m_folder->path);
    return true;
}

void ModelsPage::selectRuns(const QList<int> &runIds)
{
    QItemSelection selection;
    for (int runId : runIds) {
        const int row = m_leaderboard->rowOfRun(runId);
        if (row < 0)
            continue;
        const QModelIndex index = m_proxy->mapFromSource(m_leaderboard->index(row, 0));
        if (index.isValid())
            selection.select(index, index.siblingAtColumn(m_proxy->columnCount() - 1));
    }
    m_board->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

void ModelsPage::selectionChanged()
{
    std::vector<RunPtr> selected;
    std::set<int> rows;
    for (const QModelIndex &index : m_board->selectionModel()->selectedRows())
        rows.insert(m_proxy->mapToSource(index).row());
    for (int row : rows)
        if (RunPtr run = m_leaderboard->run(row))
            selected.push_back(run);
    const auto set = EvaluationSet(m_evaluation->currentData().toInt());
    m_metrics->setRuns(m_leaderboard->primaryMetric(), selected, set);
    m_confusion->setRun(selected.empty() ? nullptr : selected.front(), set);
    m_confusionNote->setText(selected.empty() ? tr("Select a model to see its confusion matrix.")
                             : m_confusion->rowCount() == 0
                                 ? tr("Run %1 has no confusion matrix on this data.").arg(selected.front()->id)
                                 : tr("Run %1 %2. Click a cell to see what it holds.")
                                       .arg(selected.front()->id)
                                       .arg(selected.front()->algorithm));

    // Offer the classes the selection has for the current chart kind, keeping the choice.
    const QString previous = m_curveClass->currentText();
    QStringList labels;
    for (CurveKind kind : kCurveKinds)
        for (const QString &label : CurveTableModel::curveLabels(selected, kind, set))
            if (!labels.contains(label))
                labels << label;
    {
        const QSignalBlocker blocker(m_curveClass);
        m_curveClass->clear();
        m_curveClass->addItems(labels);
        // Binary: the positive (last) class is what ROC and gains are read for.
        const int keep = labels.indexOf(previous);
        const int positive = m_folder && !m_folder->classLabels.isEmpty() ? labels.indexOf(m_folder->classLabels.last()) : -1;
        m_curveClass->setCurrentIndex(keep >= 0 ? keep : positive >= 0 ? positive : 0);
    }
    refreshCurves();
}

void ModelsPage::refreshCurves()
{
    std::vector<RunPtr> selected;
    std::set<int> rows;
    for (const QModelIndex &index : m_board->selectionModel()->selectedRows())
        rows.insert(m_proxy->mapToSource(index).row());
    for (int row : rows)
        if (RunPtr run = m_leaderboard->run(row))
            selected.push_back(run);
    m_curves->setRuns(selected, CurveKind(m_curveKind->currentData().toInt()), m_curveClass->currentText(),
                      EvaluationSet(m_evaluation->currentData().toInt()));
}

void ModelsPage::showCurve(CurveKind kind)
{
    m_curveKind->setCurrentIndex(m_curveKind->findData(int(kind)));
}

void ModelsPage::confusionCellClicked(const QModelIndex &index)
{
    if (!index.isValid())
        return;
    // The run stores the matrix (Azure's confusion_matrix chart), not the predictions of
    // each row, so the rows behind a cell cannot be listed; say so rather than guess.
    m_confusionNote->setText(tr("%1 — listing these rows needs per-row predictions, which a run folder does not keep; "
                                "score the data with the model (Consume step or cerulean-cli score) to see them.")
                                 .arg(m_confusion->data(index, Qt::ToolTipRole).toString()));
}

bool ModelsPage::exportCurvePng(const QString &path)
{
    return m_curveChart->exportPng(path);
}

bool ModelsPage::exportMetricsCsv(const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return false;
    file.write(m_metrics->toCsv().toUtf8());
    return file.commit();
}

} // namespace cerulean::ui
