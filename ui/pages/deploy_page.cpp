#include "ui/pages/deploy_page.h"

#include "core/azure/secret_store.h"
#include "ui/models/deploy_controller.h"
#include "ui/session.h"
#include "ui/theme.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <utility>

namespace cerulean::ui {

namespace {

constexpr int kMaxInstances = 20;

// Managed online endpoint instance types Azure ML offers for CPU models (the first is its default).
const QStringList &instanceTypes()
{
    static const QStringList types{QStringLiteral("Standard_DS3_v2"), QStringLiteral("Standard_DS1_v2"),
                                   QStringLiteral("Standard_DS2_v2"), QStringLiteral("Standard_DS4_v2"),
                                   QStringLiteral("Standard_F2s_v2"), QStringLiteral("Standard_F4s_v2"),
                                   QStringLiteral("Standard_E4s_v3")};
    return types;
}

bool askWithMessageBox(QWidget *parent, const QString &title, const QString &question)
{
    return QMessageBox::question(parent, title, question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No) ==
           QMessageBox::Yes;
}

QLineEdit *readOnlyField(const QString &name, QWidget *parent)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(name);
    edit->setReadOnly(true);
    return edit;
}

} // namespace

DeployPage::DeployPage(Session &session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_controller(new DeployController(&session, this))
    , m_confirm(&askWithMessageBox)
{
    setObjectName(QStringLiteral("deployPage"));
    buildForm();

    connect(m_controller, &DeployController::modelsLoaded, this, &DeployPage::onModels);
    connect(m_controller, &DeployController::progress, this, [this](int step, int steps, const QString &text) {
        m_progress->setRange(0, steps);
        m_progress->setValue(step - 1);
        m_status->setText(text);
    });
    connect(m_controller, &DeployController::stateChanged, this, [this](DeployController::State state) {
        switch (state) {
        case DeployController::State::Deployed:
            m_progress->setValue(m_progress->maximum());
            m_status->setText(tr("Deployed."));
            m_error->clear();
            break;
        case DeployController::State::Failed:
            showError(tr("Deploying failed"));
            break;
        case DeployController::State::Canceled:
            m_status->setText(tr("Canceled. What the service already created stays; delete the endpoint to remove it."));
            break;
        case DeployController::State::Deploying:
            m_error->clear();
            break;
        case DeployController::State::Idle:
            break;
        }
        refreshForm();
    });
    connect(m_controller, &DeployController::busyChanged, this, [this](bool busy) {
        if (!busy && !m_whenDone.isEmpty())
            m_status->setText(std::exchange(m_whenDone, QString()));
        refreshForm();
    });
    connect(m_controller, &DeployController::keysChanged, this, &DeployPage::showKeys);
    connect(m_controller, &DeployController::operationFailed, this, &DeployPage::showError);
    connect(&m_session, &Session::deploymentChanged, this, &DeployPage::showDeployment);
    connect(&m_session, &Session::modelChanged, this, [this] {
        if (!m_session.modelId().isEmpty())
            m_model->setCurrentText(m_session.modelId());
    });
    connect(&m_session, &Session::connectionChanged, this, [this] {
        m_modelsRequested = false;
        if (isVisible() && m_session.isConnected()) {
            m_modelsRequested = true;
            m_controller->loadModels();
        }
        refreshForm();
    });
    if (!m_session.modelId().isEmpty())
        m_model->setCurrentText(m_session.modelId());
    validateName();
    showDeployment();
    showKeys();
}

DeployPage::~DeployPage() = default;

void DeployPage::buildForm()
{
    m_model = new QComboBox(this);
    m_model->setObjectName(QStringLiteral("model"));
    m_model->setEditable(true);
    m_model->setMinimumContentsLength(28);
    m_model->lineEdit()->setPlaceholderText(QStringLiteral("azureml:bank-best:1"));
    m_model->setToolTip(tr("The registered model version to deploy (azureml:name:version). The list holds the "
                           "workspace's models; the one registered from the best run is chosen by default."));
    m_refreshModels = new QToolButton(this);
    m_refreshModels->setObjectName(QStringLiteral("refreshModels"));
    m_refreshModels->setText(tr("Refresh"));
    m_refreshModels->setToolTip(tr("List the workspace's models again"));

    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("endpointName"));
    m_name->setMaxLength(64); // longer than allowed, so the rule can be explained instead of silently cut
    m_name->setPlaceholderText(QStringLiteral("bank-endpoint"));
    m_name->setToolTip(tr("Unique in the region: 3 to 32 characters, starting with a letter, then letters, digits "
                          "and hyphens, not ending with a hyphen."));
    m_nameProblem = new QLabel(this);
    m_nameProblem->setObjectName(QStringLiteral("endpointNameProblem"));
    m_nameProblem->setWordWrap(true);
    m_nameProblem->setStyleSheet(errorTextStyleSheet());

    m_authMode = new QComboBox(this);
    m_authMode->setObjectName(QStringLiteral("authMode"));
    m_authMode->addItem(tr("Key"), QStringLiteral("key"));
    m_authMode->addItem(tr("Azure ML token"), QStringLiteral("aml_token"));
    m_authMode->setToolTip(tr("Key: callers send one of the endpoint's two keys, which do not expire. Azure ML token: "
                              "callers get a short-lived token from the workspace."));

    m_instanceType = new QComboBox(this);
    m_instanceType->setObjectName(QStringLiteral("instanceType"));
    m_instanceType->setEditable(true);
    m_instanceType->addItems(instanceTypes());
    m_instanceType->setToolTip(tr("The VM size of each instance serving the model (the local workspace runs one "
                                  "scoring server whatever the size)."));
    m_instanceCount = new QSpinBox(this);
    m_instanceCount->setObjectName(QStringLiteral("instanceCount"));
    m_instanceCount->setRange(1, kMaxInstances);
    m_instanceCount->setValue(1);
    m_instanceCount->setToolTip(tr("How many instances serve the deployment"));
    m_appInsights = new QCheckBox(tr("Enable Application &Insights"), this);
    m_appInsights->setObjectName(QStringLiteral("appInsights"));
    m_appInsights->setChecked(true);
    m_appInsights->setToolTip(tr("Store request telemetry and the container's traces in the workspace's "
                                 "Application Insights, for the Logs step's requests and charts."));

    m_deploy = new QPushButton(tr("&Deploy"), this);
    m_deploy->setObjectName(QStringLiteral("deploy"));
    m_deploy->setDefault(true);
    m_cancel = new QPushButton(tr("Ca&ncel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelDeploy"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("deployProgress"));
    m_progress->setRange(0, DeployController::kSteps);
    m_progress->setValue(0);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("deployStatus"));
    m_status->setWordWrap(true);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("deployError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(errorTextStyleSheet());

    auto *form = new QFormLayout;
    auto *modelRow = new QHBoxLayout;
    modelRow->addWidget(m_model, 1);
    modelRow->addWidget(m_refreshModels);
    auto *modelLabel = new QLabel(tr("&Model:"), this);
    modelLabel->setBuddy(m_model);
    form->addRow(modelLabel, modelRow);
    auto *nameLabel = new QLabel(tr("&Endpoint name:"), this);
    nameLabel->setBuddy(m_name);
    form->addRow(nameLabel, m_name);
    form->addRow(QString(), m_nameProblem);
    auto *authLabel = new QLabel(tr("&Authentication:"), this);
    authLabel->setBuddy(m_authMode);
    form->addRow(authLabel, m_authMode);
    auto *typeLabel = new QLabel(tr("Instance &type:"), this);
    typeLabel->setBuddy(m_instanceType);
    form->addRow(typeLabel, m_instanceType);
    auto *countLabel = new QLabel(tr("Instance &count:"), this);
    countLabel->setBuddy(m_instanceCount);
    form->addRow(countLabel, m_instanceCount);
    form->addRow(QString(), m_appInsights);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_deploy);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_progress, 1);
    form->addRow(buttons);
    form->addRow(m_status);
    form->addRow(m_error);
    auto *settingsBox = new QGroupBox(tr("Deploy a model to an online endpoint"), this);
    settingsBox->setLayout(form);

    m_result = new QGroupBox(tr("Endpoint"), this);
    m_result->setObjectName(QStringLiteral("endpointBox"));
    m_scoringUri = readOnlyField(QStringLiteral("scoringUri"), m_result);
    m_swaggerUri = readOnlyField(QStringLiteral("swaggerUri"), m_result);
    m_primaryKey = readOnlyField(QStringLiteral("primaryKey"), m_result);
    m_secondaryKey = readOnlyField(QStringLiteral("secondaryKey"), m_result);
    m_primaryKey->setEchoMode(QLineEdit::Password);
    m_secondaryKey->setEchoMode(QLineEdit::Password);
    m_showKeys = new QToolButton(m_result);
    m_showKeys->setObjectName(QStringLiteral("showKeys"));
    m_showKeys->setText(tr("Show keys"));
    m_showKeys->setCheckable(true);
    m_showKeys->setToolTip(tr("Show or hide the keys (they are hidden by default)"));
    m_copyPrimary = new QToolButton(m_result);
    m_copyPrimary->setObjectName(QStringLiteral("copyPrimary"));
    m_copyPrimary->setText(tr("Copy"));
    m_copyPrimary->setToolTip(tr("Copy the primary key to the clipboard"));
    m_copySecondary = new QToolButton(m_result);
    m_copySecondary->setObjectName(QStringLiteral("copySecondary"));
    m_copySecondary->setText(tr("Copy"));
    m_copySecondary->setToolTip(tr("Copy the secondary key to the clipboard"));
    m_regeneratePrimary = new QPushButton(tr("Regenerate"), m_result);
    m_regeneratePrimary->setObjectName(QStringLiteral("regeneratePrimary"));
    m_regeneratePrimary->setToolTip(tr("Replace the primary key; callers using it get 401 until they switch"));
    m_regenerateSecondary = new QPushButton(tr("Regenerate"), m_result);
    m_regenerateSecondary->setObjectName(QStringLiteral("regenerateSecondary"));
    m_regenerateSecondary->setToolTip(tr("Replace the secondary key; callers using it get 401 until they switch"));
    m_delete = new QPushButton(tr("De&lete endpoint…"), m_result);
    m_delete->setObjectName(QStringLiteral("deleteEndpoint"));
    m_keyNote = new QLabel(m_result);
    m_keyNote->setObjectName(QStringLiteral("keyNote"));
    m_keyNote->setWordWrap(true);

    auto *result = new QFormLayout(m_result);
    result->addRow(tr("Scoring URI:"), m_scoringUri);
    result->addRow(tr("Swagger URI:"), m_swaggerUri);
    auto *primaryRow = new QHBoxLayout;
    primaryRow->addWidget(m_primaryKey, 1);
    primaryRow->addWidget(m_copyPrimary);
    primaryRow->addWidget(m_regeneratePrimary);
    result->addRow(tr("Primary key:"), primaryRow);
    auto *secondaryRow = new QHBoxLayout;
    secondaryRow->addWidget(m_secondaryKey, 1);
    secondaryRow->addWidget(m_copySecondary);
    secondaryRow->addWidget(m_regenerateSecondary);
    result->addRow(tr("Secondary key:"), secondaryRow);
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_showKeys);
    actions->addStretch(1);
    actions->addWidget(m_delete);
    result->addRow(actions);
    result->addRow(m_keyNote);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(settingsBox);
    layout->addWidget(m_result);
    layout->addStretch(1);

    connect(m_name, &QLineEdit::textChanged, this, &DeployPage::validateName);
    connect(m_model, &QComboBox::currentTextChanged, this, &DeployPage::refreshForm);
    connect(m_refreshModels, &QToolButton::clicked, this, [this] { m_controller->loadModels(); });
    connect(m_deploy, &QPushButton::clicked, this, &DeployPage::deploy);
    connect(m_cancel, &QPushButton::clicked, m_controller, &DeployController::cancel);
    connect(m_showKeys, &QToolButton::toggled, this, [this](bool shown) {
        const auto mode = shown ? QLineEdit::Normal : QLineEdit::Password;
        m_primaryKey->setEchoMode(mode);
        m_secondaryKey->setEchoMode(mode);
        m_showKeys->setText(shown ? tr("Hide keys") : tr("Show keys"));
    });
    connect(m_copyPrimary, &QToolButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_controller->keys().primaryKey); });
    connect(m_copySecondary, &QToolButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_controller->keys().secondaryKey); });
    connect(m_regeneratePrimary, &QPushButton::clicked, this, [this] { regenerateKey(true); });
    connect(m_regenerateSecondary, &QPushButton::clicked, this, [this] { regenerateKey(false); });
    connect(m_delete, &QPushButton::clicked, this, &DeployPage::deleteEndpoint);
}

void DeployPage::setConfirm(Confirm confirm)
{
    m_confirm = confirm ? std::move(confirm) : Confirm(&askWithMessageBox);
}

void DeployPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_modelsRequested && m_session.isConnected()) {
        m_modelsRequested = true;
        m_controller->loadModels();
    }
}

void DeployPage::onModels(const QStringList &ids)
{
    const QString current = m_model->currentText();
    m_model->clear();
    m_model->addItems(ids);
    // Keep what was typed or chosen; else the session's model, else the newest registered one.
    QString choice = current;
    if (choice.isEmpty())
        choice = m_session.modelId();
    if (choice.isEmpty() && !ids.isEmpty())
        choice = ids.back();
    m_model->setCurrentText(choice);
}

DeploySettings DeployPage::settings() const
{
    DeploySettings s;
    s.modelId = m_model->currentText().trimmed();
    s.endpointName = m_name->text().trimmed();
    s.authMode = m_authMode->currentData().toString();
    s.instanceType = m_instanceType->currentText().trimmed();
    s.instanceCount = m_instanceCount->value();
    s.appInsightsEnabled = m_appInsights->isChecked();
    return s;
}

QString DeployPage::formProblem() const
{
    if (!m_session.isConnected())
        return tr("Connect to a workspace first (the Workspace step).");
    const DeploySettings s = settings();
    if (s.modelId.isEmpty())
        return tr("Choose a model to deploy.");
    const QString name = endpointNameProblem(s.endpointName);
    if (!name.isEmpty())
        return name;
    if (s.instanceType.isEmpty())
        return tr("Choose an instance type.");
    return {};
}

void DeployPage::validateName()
{
    const QString text = m_name->text().trimmed();
    m_nameProblem->setText(text.isEmpty() ? QString() : endpointNameProblem(text));
    refreshForm();
}

void DeployPage::refreshForm()
{
    const bool deploying = m_controller->state() == DeployController::State::Deploying;
    const bool busy = m_controller->busy();
    const QString problem = formProblem();
    m_deploy->setEnabled(!busy && problem.isEmpty());
    m_deploy->setToolTip(problem.isEmpty() ? tr("Create the endpoint and its deployment") : problem);
    m_cancel->setEnabled(deploying);
    const bool hasDeployment = m_session.deployment().isValid();
    const bool keyAuth = hasDeployment && m_session.deployment().authMode == QLatin1String("key");
    m_regeneratePrimary->setEnabled(keyAuth && !busy);
    m_regenerateSecondary->setEnabled(keyAuth && !busy);
    m_copyPrimary->setEnabled(keyAuth && !m_controller->keys().primaryKey.isEmpty());
    m_copySecondary->setEnabled(keyAuth && !m_controller->keys().secondaryKey.isEmpty());
    m_showKeys->setEnabled(keyAuth);
    m_delete->setEnabled(hasDeployment && !busy);
}

void DeployPage::showDeployment()
{
    const DeploymentRef &deployment = m_session.deployment();
    m_result->setTitle(deployment.isValid() ? tr("Endpoint %1 (deployment %2)").arg(deployment.endpointName, deployment.deploymentName)
                                            : tr("Endpoint (none deployed yet)"));
    m_scoringUri->setText(deployment.scoringUri.toString());
    m_swaggerUri->setText(deployment.swaggerUri.toString());
    if (!deployment.isValid())
        m_keyNote->setText(tr("Deploy a model, or choose a deployment, to see its URIs and keys."));
    else if (deployment.authMode == QLatin1String("key") && azure::SecretStore::remembers())
        m_keyNote->setText(tr("The primary key is kept in the system keychain; the Swagger, Consume and Benchmark "
                              "steps use it."));
    else if (deployment.authMode == QLatin1String("key"))
        m_keyNote->setText(tr("The primary key is kept for this session only (no keychain); the Swagger, Consume and "
                              "Benchmark steps use it."));
    else
        m_keyNote->setText(tr("This endpoint takes Azure ML tokens, not keys."));
    if (deployment.isValid() && m_name->text().trimmed().isEmpty())
        m_name->setText(deployment.endpointName);
    refreshForm();
}

void DeployPage::showKeys()
{
    m_primaryKey->setText(m_controller->keys().primaryKey);
    m_secondaryKey->setText(m_controller->keys().secondaryKey);
    refreshForm();
}

void DeployPage::showError(const QString &what)
{
    const azure::AzureError &error = m_controller->lastError();
    m_error->setText(QStringLiteral("%1: %2").arg(what, error.toString()));
    m_status->clear();
    m_whenDone.clear();
    refreshForm();
}

void DeployPage::deploy()
{
    const QString problem = formProblem();
    if (!problem.isEmpty()) {
        m_error->setText(problem);
        return;
    }
    m_controller->deploy(settings());
}

void DeployPage::regenerateKey(bool primary)
{
    const DeploymentRef &deployment = m_session.deployment();
    if (!deployment.isValid())
        return;
    const QString which = primary ? tr("primary") : tr("secondary");
    if (!m_confirm(this, tr("Regenerate the %1 key?").arg(which),
                   tr("Callers using the current %1 key of %2 will get 401 until they use the new one.")
                       .arg(which, deployment.endpointName)))
        return;
    m_status->setText(tr("Regenerating the %1 key…").arg(which));
    m_error->clear();
    m_whenDone = primary ? tr("New primary key: the other steps use it.")
                         : tr("New secondary key.");
    m_controller->regenerateKey(primary);
}

void DeployPage::deleteEndpoint()
{
    const DeploymentRef &deployment = m_session.deployment();
    if (!deployment.isValid())
        return;
    if (!m_confirm(this, tr("Delete endpoint %1?").arg(deployment.endpointName),
                   tr("The endpoint %1 and its deployments are deleted; its scoring URI stops answering.")
                       .arg(deployment.endpointName)))
        return;
    m_status->setText(tr("Deleting endpoint %1…").arg(deployment.endpointName));
    m_error->clear();
    m_whenDone = tr("Endpoint %1 deleted.").arg(deployment.endpointName);
    m_controller->deleteEndpoint();
}

} // namespace cerulean::ui
