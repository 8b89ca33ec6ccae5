#pragma once

#include "core/automl/engine.h"

#include <QString>
#include <QStringList>

#include <chrono>

namespace cerulean::ui {

// Where the trials run.
enum class ComputeKind
{
    Local,        // worker slots on this computer
    AzureCluster, // an Azure ML compute cluster
};

// What the Data & AutoML form holds, in the user's terms (Azure ML studio's fields).
struct AutoMLForm
{
    QString targetColumn;
    QString task = QStringLiteral("classification");
    QString primaryMetric = QStringLiteral("AUC_weighted");
    std::chrono::minutes exitCriterion{15};
    int maxTrials = 1000;
    int maxConcurrentTrials = 2;
    automl::ValidationKind validation = automl::ValidationKind::Auto;
    int folds = 5;
    double validationShare = 0.1;
    double testShare = 0;  // 0: no test data
    bool explainBestModel = true;
    QStringList blockedModels;
    ComputeKind compute = ComputeKind::Local;
    int localSlots = 2;
    QString clusterName = QStringLiteral("cpu-cluster");
    QString vmSize = QStringLiteral("Standard_DS3_v2");
    int minNodes = 0;
    int maxNodes = 4;
};

// Every problem that stops the form from being submitted, one sentence each naming the
// field; empty when it can be submitted. `columns` are the data's column names.
QStringList validateForm(const AutoMLForm &form, const QStringList &columns);

// The engine's settings for a valid form.
automl::AutoMLSettings toEngineSettings(const AutoMLForm &form);

// Azure ML studio's explanation of each setting, used as the field's tooltip.
namespace tooltip {
QString target();
QString task();
QString primaryMetric();
QString exitCriterion();
QString maxTrials();
QString maxConcurrentTrials();
QString validation();
QString testData();
QString explainBestModel();
QString blockedModels();
QString compute();
QString clusterName();
QString vmSize();
QString nodes();
} // namespace tooltip

} // namespace cerulean::ui
