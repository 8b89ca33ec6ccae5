#include "ui/pages/data_automl_settings.h"

#include "core/automl/learners.h"
#include "core/automl/metrics.h"

#include <QCoreApplication>

namespace cerulean::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("AutoMLForm", text);
}

} // namespace

QStringList validateForm(const AutoMLForm &form, const QStringList &columns)
{
    QStringList problems;
    if (columns.isEmpty())
        problems << tr("Data: choose a CSV file first.");
    if (form.targetColumn.isEmpty())
        problems << tr("Target column: choose the column to predict.");
    else if (!columns.isEmpty() && !columns.contains(form.targetColumn))
        problems << tr("Target column: the data has no column named \"%1\".").arg(form.targetColumn);
    if (form.task != QLatin1String("classification"))
        problems << tr("Task type: only classification is supported.");
    bool knownMetric = false;
    for (std::string_view name : automl::classificationMetricNames())
        knownMetric |= form.primaryMetric == QLatin1String(name.data(), qsizetype(name.size()));
    if (!knownMetric)
        problems << tr("Primary metric: \"%1\" is not a classification metric.").arg(form.primaryMetric);
    if (form.exitCriterion.count() < 1)
        problems << tr("Exit criterion: the training job needs at least 1 minute.");
    if (form.maxConcurrentTrials < 1)
        problems << tr("Max concurrent trials: at least 1.");
    if (form.maxTrials < 1)
        problems << tr("Max trials: at least 1.");
    if (form.validation == automl::ValidationKind::KFold && (form.folds < 2 || form.folds > 20))
        problems << tr("Validation: k-fold cross validation needs 2 to 20 folds.");
    if (form.validation == automl::ValidationKind::Split && (form.validationShare <= 0 || form.validationShare >= 1))
        problems << tr("Validation: the validation share must be between 0 % and 100 %.");
    if (form.testShare < 0 || form.testShare >= 0.5)
        problems << tr("Test data: hold out less than 50 % of the rows.");
    if (form.validation == automl::ValidationKind::Split && form.validationShare + form.testShare >= 0.9)
        problems << tr("Validation and test data together leave too few rows to train on.");
    if (form.blockedModels.size() >= int(automl::learnerCatalog().size()))
        problems << tr("Blocked models: at least one algorithm must stay allowed.");
    if (form.compute == ComputeKind::Local && form.localSlots < 1)
        problems << tr("Compute: at least one local slot.");
    if (form.compute == ComputeKind::AzureCluster) {
        if (form.vmSize.isEmpty())
            problems << tr("Compute: choose a virtual machine size.");
        if (form.minNodes < 0 || form.maxNodes < 1 || form.minNodes > form.maxNodes)
            problems << tr("Compute: nodes need 0 ≤ minimum ≤ maximum and a maximum of at least 1.");
    }
    if (form.compute == ComputeKind::Local && form.maxConcurrentTrials > form.localSlots)
        problems << tr("Max concurrent trials: no more than the %1 local slots.").arg(form.localSlots);
    return problems;
}

automl::AutoMLSettings toEngineSettings(const AutoMLForm &form)
{
    automl::AutoMLSettings settings;
    settings.task = form.task.toStdString();
    settings.targetColumn = form.targetColumn.toStdString();
    settings.primaryMetric = form.primaryMetric.toStdString();
    settings.timeout = form.exitCriterion;
    settings.maxConcurrentTrials = form.maxConcurrentTrials;
    settings.maxTrials = form.maxTrials;
    settings.validation.kind = form.validation;
    settings.validation.folds = form.folds;
    settings.validation.validationSize = form.validationShare;
    settings.testSize = form.testShare;
    settings.explainBestModel = form.explainBestModel;
    for (const QString &model : form.blockedModels)
        settings.blockedModels.push_back(model.toStdString());
    if (form.compute == ComputeKind::Local)
        settings.threads = form.localSlots;
    return settings;
}

namespace tooltip {

QString target()
{
    return tr("Target column: the column you want the model to predict.");
}
QString task()
{
    return tr("Task type: classification predicts one of several categories (here: will the client subscribe?). "
              "Regression and forecasting are not supported by this engine.");
}
QString primaryMetric()
{
    return tr("Primary metric: the metric used to optimize and rank the models. AUC_weighted suits imbalanced data "
              "better than accuracy.");
}
QString exitCriterion()
{
    return tr("Training job time (minutes): the maximum time for all trials together. When it runs out, the "
              "ensembles are built and the job ends.");
}
QString maxTrials()
{
    return tr("Max trials: the most trials (models) the job tries; it ends at this count or at the exit "
              "criterion, whichever comes first.");
}
QString maxConcurrentTrials()
{
    return tr("Max concurrent trials: how many trials (models) train at the same time. It cannot exceed the "
              "compute's slots or nodes.");
}
QString validation()
{
    return tr("Validation type: how the models are scored while training. Auto holds out 10 % of the rows above "
              "20,000 rows and cross-validates below; k-fold uses k folds; a split holds out a share of the rows.");
}
QString testData()
{
    return tr("Test data: rows held out from training and validation, scored only by the final models to show how "
              "they do on data they never saw.");
}
QString explainBestModel()
{
    return tr("Explain best model: compute the importance of each input column for the best model once training "
              "ends.");
}
QString blockedModels()
{
    return tr("Blocked models: algorithms AutoML will not try (for example, to save time or for compliance).");
}
QString compute()
{
    return tr("Compute: where the trials run — slots on this computer, or an Azure Machine Learning compute "
              "cluster that scales between its minimum and maximum nodes.");
}
QString clusterName()
{
    return tr("Compute cluster name: the workspace's cluster the job runs on; made with the size and nodes below "
              "when the workspace has none by that name (an existing cluster keeps its own size).");
}
QString vmSize()
{
    return tr("Virtual machine size: the CPU and memory of each node of the cluster.");
}
QString nodes()
{
    return tr("Minimum and maximum number of nodes: the cluster scales down to the minimum (0 costs nothing when "
              "idle) and up to the maximum when trials wait.");
}

} // namespace tooltip

} // namespace cerulean::ui
