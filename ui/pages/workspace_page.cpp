#include "ui/pages/workspace_page.h"

#include "core/azure/client.h"
#include "core/azure/identity.h"
#include "core/azure/ml_client.h"
#include "core/azure/secret_store.h"
#include "core/azure/sign_in.h"
#include "ui/main_window.h"
#include "ui/models/workspace_models.h"
#include "ui/models/workspace_names.h"
#include "ui/session.h"
#include "ui/theme.h"

#include <QAbstractButton>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QCommandLinkButton>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QGridLayout>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QTableView>
#include <QThread>
#include <QUuid>
#include <QVBoxLayout>
#include <QWizard>
#include <QWizardPage>

#include <algorithm>
#include <functional>
#include <optional>

namespace cerulean::ui {

namespace {

QString t(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return WorkspacePage::tr(text, disambiguation, n);
}

// Azure CLI's public client: device code sign-in needs no app registration of one's own.
constexpr const char *kAzureCliClientId = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
constexpr int kCreateSteps = 4; // storage account, key vault, Application Insights, workspace

// The `az` command equivalent to a wizard page, read-only and copyable.
class AzCommandBox final : public QGroupBox
{
public:
    explicit AzCommandBox(QWidget *parent)
        : QGroupBox(t("Equivalent az command"), parent)
    {
        setObjectName(QStringLiteral("azCommand"));
        m_text = new QPlainTextEdit(this);
        m_text->setObjectName(QStringLiteral("azCommandText"));
        m_text->setReadOnly(true);
        m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        m_text->setMaximumHeight(m_text->fontMetrics().lineSpacing() * 4 + 12);
        m_text->setToolTip(t("The Azure CLI command that does what this page does, for scripts and CI."));
        m_text->setLineWrapMode(QPlainTextEdit::WidgetWidth);
        auto *copy = new QPushButton(t("Copy"), this);
        copy->setObjectName(QStringLiteral("azCopy"));
        copy->setToolTip(t("Copy the command to the clipboard."));
        connect(copy, &QPushButton::clicked, this, [this]() { QGuiApplication::clipboard()->setText(command()); });
        auto *row = new QHBoxLayout(this);
        row->addWidget(m_text, 1);
        row->addWidget(copy, 0, Qt::AlignTop);
    }

    void setCommand(const QString &command)
    {
        if (command != m_text->toPlainText())
            m_text->setPlainText(command);
    }
    QString command() const { return m_text->toPlainText(); }

private:
    QPlainTextEdit *m_text;
};

// What went wrong, as Azure said it: status, code, message, request id and what to do.
class ErrorPanel final : public QLabel
{
public:
    explicit ErrorPanel(QWidget *parent)
        : QLabel(parent)
    {
        setObjectName(QStringLiteral("error"));
        setWordWrap(true);
        setTextFormat(Qt::PlainText);
        setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        setToolTip(t("The error the service returned; select it to copy the request ID for a support case."));
        setStyleSheet(QStringLiteral("QLabel { color: palette(text); border: 1px solid #c4314b; border-radius: 4px; "
                                     "padding: 6px; background: rgba(196, 49, 75, 0.10); }"));
        hide();
    }

    void setError(const azure::AzureError &error)
    {
        QStringList lines;
        QString head = error.httpStatus > 0 ? t("Error: HTTP %1").arg(error.httpStatus) : t("Error");
        QString code = error.code;
        if (!error.aadstsCode.isEmpty())
            code += (code.isEmpty() ? QString() : QStringLiteral(" ")) + QStringLiteral("(%1)").arg(error.aadstsCode);
        if (!code.isEmpty())
            head += t(", code %1").arg(code);
        lines << head;
        if (!error.message.isEmpty())
            lines << t("Message: %1").arg(error.message.trimmed());
        for (const azure::ErrorDetail &detail : error.details)
            lines << QStringLiteral("  • %1: %2").arg(detail.code, detail.message);
        if (!error.requestId.isEmpty() || !error.clientRequestId.isEmpty())
            lines << t("Request ID: %1 (client request ID %2)")
                         .arg(error.requestId.isEmpty() ? QStringLiteral("-") : error.requestId,
                              error.clientRequestId.isEmpty() ? QStringLiteral("-") : error.clientRequestId);
        if (!error.action.isEmpty())
            lines << t("What to do: %1").arg(error.action);
        setText(lines.join(QLatin1Char('\n')));
        show();
    }

    void clearError()
    {
        clear();
        hide();
    }
};

QLabel *validationLabel(QWidget *parent, const QString &name)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("QLabel { %1 }").arg(errorTextStyleSheet()));
    label->hide();
    return label;
}

void showValidation(QLabel *label, const QString &message)
{
    label->setText(message);
    label->setVisible(!message.isEmpty());
}

QLabel *statusLabel(QWidget *parent, const QString &name)
{
    auto *label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

// A form label whose mnemonic focuses `buddy` (QFormLayout only does that for widget rows).
QLabel *buddyLabel(const QString &text, QWidget *buddy)
{
    auto *label = new QLabel(text, buddy->parentWidget());
    label->setBuddy(buddy);
    return label;
}

QLineEdit *readOnlyField(QWidget *parent, const QString &name, const QString &toolTip)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(name);
    edit->setReadOnly(true);
    edit->setToolTip(toolTip);
    return edit;
}

} // namespace

// The wizard and what its pages share: the connection being built.
class WorkspaceWizard final : public QWizard
{
    Q_OBJECT

public:
    enum class Mode
    {
        Local,
        Azure
    };

    WorkspaceWizard(Session &sessionRef, LocalWorkspace &localRef, const WorkspacePageOptions &optionsRef, QWidget *parent)
        : QWizard(parent)
        , session(sessionRef)
        , local(localRef)
        , options(optionsRef)
        , secrets(optionsRef.secretService)
    {
    }

    void done(int result) override
    {
        // Embedded in the window: finishing moves the workbench on instead of closing a dialog,
        // and Escape does nothing.
        if (result == QDialog::Accepted)
            Q_EMIT wizardFinished();
    }

    std::shared_ptr<azure::HttpTransport> transport() const
    {
        return options.transport ? options.transport : azure::AzureClient::networkTransport();
    }

    azure::MachineLearningClient ml() const
    {
        azure::OperationOptions operationOptions;
        operationOptions.defaultPollInterval = options.pollInterval;
        return azure::MachineLearningClient(client, azure::WorkspaceRef{subscriptionId, resourceGroup, workspaceName},
                                            operationOptions);
    }

    QString workspaceArmId() const
    {
        return azure::WorkspaceRef{subscriptionId, resourceGroup, workspaceName}.armId();
    }

    // The tenant that owns the subscription (service principals are made there).
    QString tenant() const { return subscriptionTenant.isEmpty() ? signInTenant : subscriptionTenant; }

    void setStatus(const QString &text)
    {
        status = text;
        Q_EMIT statusChanged(text);
    }

    Session &session;
    LocalWorkspace &local;
    const WorkspacePageOptions &options;
    azure::SecretStore secrets;
    Mode mode = Mode::Local;
    std::shared_ptr<azure::AzureClient> client;
    QString signInTenant;
    std::optional<azure::WorkspaceConfig> imported;
    QString subscriptionId, subscriptionTenant, resourceGroup, workspaceName, workspaceLocation;
    QString status;

Q_SIGNALS:
    void wizardFinished();
    void importedChanged();
    void statusChanged(const QString &text);
};

namespace {

// --- 1. Where the workspace lives ------------------------------------------------------
class IntroPage final : public QWizardPage
{
public:
    explicit IntroPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("introPage"));
        setTitle(t("Where your workspace lives"));
        setSubTitle(t("A workspace holds your data, jobs, models and endpoints. Start on this machine, or use Azure "
                      "Machine Learning when one machine is not enough."));
        m_localButton = new QCommandLinkButton(t("&Local workspace — one click"),
                                               t("Runs on this machine with no subscription: the same REST surface as Azure, "
                                                 "a real AutoML engine and real endpoints."),
                                               this);
        m_localButton->setObjectName(QStringLiteral("localButton"));
        m_localButton->setToolTip(t("Open the local workspace now (no sign-in needed)."));
        m_azureButton = new QCommandLinkButton(t("&Azure Machine Learning"),
                                               t("Sign in with a device code or a service principal, then pick or create the "
                                                 "resource group and workspace."),
                                               this);
        m_azureButton->setObjectName(QStringLiteral("azureButton"));
        m_azureButton->setToolTip(t("Sign in to Azure and choose a workspace in one of your subscriptions."));
        for (QCommandLinkButton *button : {m_localButton, m_azureButton}) {
            button->setCheckable(true);
            button->setAutoExclusive(true);
        }
        m_localButton->setChecked(true);
        connect(m_localButton, &QCommandLinkButton::clicked, this, [this]() { choose(WorkspaceWizard::Mode::Local); });
        connect(m_azureButton, &QCommandLinkButton::clicked, this, [this]() { choose(WorkspaceWizard::Mode::Azure); });
        m_imported = statusLabel(this, QStringLiteral("importedConfig"));
        m_imported->hide();
        m_az = new AzCommandBox(this);
        auto *layout = new QVBoxLayout(this);
        layout->addWidget(m_localButton);
        layout->addWidget(m_azureButton);
        layout->addWidget(m_imported);
        layout->addStretch(1);
        layout->addWidget(m_az);
        connect(&m_wizard, &WorkspaceWizard::importedChanged, this, [this]() { refresh(); });
        refresh();
    }

    int nextId() const override
    {
        return m_wizard.mode == WorkspaceWizard::Mode::Local ? WorkspacePage::LocalPageId : WorkspacePage::SignInPageId;
    }

    void refresh()
    {
        (m_wizard.mode == WorkspaceWizard::Mode::Local ? m_localButton : m_azureButton)->setChecked(true);
        m_az->setCommand(m_wizard.mode == WorkspaceWizard::Mode::Local ? az::localService(m_wizard.local.root())
                                                                       : az::loginDeviceCode(QStringLiteral("organizations")));
        if (m_wizard.imported) {
            m_imported->setText(t("config.json imported: subscription %1, resource group %2, workspace %3. Sign in to Azure "
                                  "to open it.")
                                    .arg(m_wizard.imported->subscriptionId, m_wizard.imported->resourceGroup,
                                         m_wizard.imported->workspaceName));
            m_imported->show();
        }
    }

private:
    void choose(WorkspaceWizard::Mode mode)
    {
        m_wizard.mode = mode;
        refresh();
        m_wizard.next();
    }

    WorkspaceWizard &m_wizard;
    QCommandLinkButton *m_localButton;
    QCommandLinkButton *m_azureButton;
    QLabel *m_imported;
    AzCommandBox *m_az;
};

// --- 2. The local workspace ------------------------------------------------------------
class LocalPage final : public QWizardPage
{
public:
    explicit LocalPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("localPage"));
        setTitle(t("Local workspace"));
        setSubTitle(t("The local workspace service runs inside Cerulean and keeps its state in a folder on this machine."));
        m_status = statusLabel(this, QStringLiteral("localStatus"));
        m_progress = new QProgressBar(this);
        m_progress->setObjectName(QStringLiteral("localProgress"));
        m_progress->setRange(0, 0);
        m_progress->setToolTip(t("Starting the service, signing in with its built-in service principal, opening the workspace."));
        m_error = new ErrorPanel(this);
        m_retry = new QPushButton(t("&Retry"), this);
        m_retry->setObjectName(QStringLiteral("localRetry"));
        m_retry->setToolTip(t("Try to open the local workspace again."));
        m_retry->hide();
        connect(m_retry, &QPushButton::clicked, this, [this]() { m_wizard.local.open(); });
        m_az = new AzCommandBox(this);
        auto *layout = new QVBoxLayout(this);
        layout->addWidget(m_status);
        layout->addWidget(m_progress);
        layout->addWidget(m_error);
        layout->addWidget(m_retry, 0, Qt::AlignLeft);
        layout->addStretch(1);
        layout->addWidget(m_az);
        connect(&m_wizard.local, &LocalWorkspace::stateChanged, this, [this]() { refresh(); });
        refresh();
    }

    void initializePage() override
    {
        m_wizard.mode = WorkspaceWizard::Mode::Local;
        if (m_wizard.local.state() != LocalWorkspace::State::Connected)
            m_wizard.local.open();
        refresh();
    }

    bool isComplete() const override { return m_wizard.local.state() == LocalWorkspace::State::Connected; }
    int nextId() const override { return WorkspacePage::DonePageId; }

private:
    void refresh()
    {
        const LocalWorkspace &local = m_wizard.local;
        m_status->setText(local.statusText().isEmpty() ? t("The local workspace is not open yet.") : local.statusText());
        m_progress->setVisible(local.isBusy());
        if (local.state() == LocalWorkspace::State::Failed) {
            m_error->setError(local.error());
            m_status->setText(t("The local workspace did not open."));
        } else {
            m_error->clearError();
        }
        m_retry->setVisible(local.state() == LocalWorkspace::State::Failed || local.state() == LocalWorkspace::State::Closed);
        m_az->setCommand(az::localService(local.root()));
        Q_EMIT completeChanged();
    }

    WorkspaceWizard &m_wizard;
    QLabel *m_status;
    QProgressBar *m_progress;
    ErrorPanel *m_error;
    QPushButton *m_retry;
    AzCommandBox *m_az;
};

// --- 3. Sign in to Azure ---------------------------------------------------------------
class SignInPage final : public QWizardPage
{
public:
    explicit SignInPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("signInPage"));
        setTitle(t("Sign in to Azure"));
        setSubTitle(t("With a device code (you approve on any device with a browser) or with a service principal's "
                      "secret, which goes to the system keychain."));
        m_deviceCode = new QRadioButton(t("&Device code (interactive)"), this);
        m_deviceCode->setObjectName(QStringLiteral("deviceCodeRadio"));
        m_deviceCode->setToolTip(t("Get a code here, enter it at the sign-in page in a browser, approve; no secret is handled."));
        m_servicePrincipal = new QRadioButton(t("Service &principal (client secret)"), this);
        m_servicePrincipal->setObjectName(QStringLiteral("servicePrincipalRadio"));
        m_servicePrincipal->setToolTip(t("An application's client ID and secret, as CI uses; the secret is kept in the keychain."));
        m_deviceCode->setChecked(true);

        m_tenant = new QLineEdit(QStringLiteral("organizations"), this);
        m_tenant->setObjectName(QStringLiteral("tenantEdit"));
        m_tenant->setToolTip(t("Directory (tenant) ID or domain; 'organizations' lets a work account choose its own."));
        m_clientId = new QLineEdit(QString::fromLatin1(kAzureCliClientId), this);
        m_clientId->setObjectName(QStringLiteral("clientIdEdit"));
        m_clientId->setToolTip(t("Application (client) ID. For a device code, Azure CLI's public client works for everyone."));
        m_secret = new QLineEdit(this);
        m_secret->setObjectName(QStringLiteral("secretEdit"));
        m_secret->setEchoMode(QLineEdit::Password);
        m_secret->setToolTip(t("The client secret's value (not its ID). It is checked, then kept in the keychain only."));
        m_authority = new QLineEdit(this);
        m_authority->setObjectName(QStringLiteral("authorityEdit"));
        m_authority->setPlaceholderText(QStringLiteral("https://login.microsoftonline.com"));
        m_authority->setToolTip(t("Leave empty for Azure. A sovereign cloud's authority host, or the loopback URL of "
                                  "'cerulean-cli local-service' to use a local workspace service as if it were Azure."));
        m_tenantError = validationLabel(this, QStringLiteral("tenantError"));
        m_clientIdError = validationLabel(this, QStringLiteral("clientIdError"));
        m_secretError = validationLabel(this, QStringLiteral("secretError"));
        m_authorityError = validationLabel(this, QStringLiteral("authorityError"));

        m_signIn = new QPushButton(t("&Sign in"), this);
        m_signIn->setObjectName(QStringLiteral("signInButton"));
        m_signIn->setToolTip(t("Check the credential by getting a token for Azure Resource Manager."));
        m_cancel = new QPushButton(t("Cancel sign-in"), this);
        m_cancel->setObjectName(QStringLiteral("cancelSignInButton"));
        m_cancel->setToolTip(t("Stop waiting for the device code to be approved."));
        m_cancel->setEnabled(false);

        m_codeBox = new QGroupBox(t("Your code"), this);
        m_codeBox->setObjectName(QStringLiteral("deviceCodeBox"));
        m_code = readOnlyField(m_codeBox, QStringLiteral("deviceCodeEdit"), t("Enter this code at the sign-in page."));
        QFont codeFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        codeFont.setPointSizeF(codeFont.pointSizeF() * 1.4);
        m_code->setFont(codeFont);
        auto *copyCode = new QPushButton(t("&Copy code"), m_codeBox);
        copyCode->setObjectName(QStringLiteral("copyCodeButton"));
        copyCode->setToolTip(t("Copy the code to the clipboard."));
        connect(copyCode, &QPushButton::clicked, this, [this]() { QGuiApplication::clipboard()->setText(m_code->text()); });
        m_link = new QLabel(m_codeBox);
        m_link->setObjectName(QStringLiteral("deviceCodeLink"));
        m_link->setToolTip(t("Open the sign-in page in your browser."));
        m_link->setTextInteractionFlags(Qt::TextBrowserInteraction);
        m_link->setOpenExternalLinks(false);
        connect(m_link, &QLabel::linkActivated, this, [](const QString &link) { QDesktopServices::openUrl(QUrl(link)); });
        auto *openBrowser = new QPushButton(t("&Open browser"), m_codeBox);
        openBrowser->setObjectName(QStringLiteral("openBrowserButton"));
        openBrowser->setToolTip(t("Open the sign-in page in your browser."));
        connect(openBrowser, &QPushButton::clicked, this, [this]() { QDesktopServices::openUrl(m_verificationUri); });
        m_message = statusLabel(m_codeBox, QStringLiteral("deviceCodeMessage"));
        auto *codeLayout = new QGridLayout(m_codeBox);
        codeLayout->addWidget(m_code, 0, 0);
        codeLayout->addWidget(copyCode, 0, 1);
        codeLayout->addWidget(m_link, 1, 0);
        codeLayout->addWidget(openBrowser, 1, 1);
        codeLayout->addWidget(m_message, 2, 0, 1, 2);
        m_codeBox->hide();

        m_status = statusLabel(this, QStringLiteral("signInStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);

        auto *method = new QHBoxLayout;
        method->addWidget(m_deviceCode);
        method->addWidget(m_servicePrincipal);
        method->addStretch(1);
        auto *form = new QFormLayout;
        form->addRow(t("&Tenant:"), m_tenant);
        form->addRow(QString(), m_tenantError);
        form->addRow(t("&Client ID:"), m_clientId);
        form->addRow(QString(), m_clientIdError);
        m_secretLabel = new QLabel(t("Client s&ecret:"), this);
        m_secretLabel->setBuddy(m_secret);
        form->addRow(m_secretLabel, m_secret);
        form->addRow(QString(), m_secretError);
        form->addRow(t("A&uthority:"), m_authority);
        form->addRow(QString(), m_authorityError);
        auto *buttons = new QHBoxLayout;
        buttons->addWidget(m_signIn);
        buttons->addWidget(m_cancel);
        buttons->addStretch(1);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(method);
        layout->addLayout(form);
        layout->addLayout(buttons);
        layout->addWidget(m_codeBox);
        layout->addWidget(m_status);
        layout->addWidget(m_error);
        layout->addStretch(1);
        layout->addWidget(m_az);

        for (QLineEdit *edit : {m_tenant, m_clientId, m_secret, m_authority})
            connect(edit, &QLineEdit::textChanged, this, [this]() { validate(); });
        connect(m_deviceCode, &QRadioButton::toggled, this, [this](bool deviceCode) {
            // Each method has its usual client: Azure CLI's public one, or the user's application.
            if (deviceCode && m_clientId->text().isEmpty())
                m_clientId->setText(QString::fromLatin1(kAzureCliClientId));
            else if (!deviceCode && m_clientId->text() == QLatin1String(kAzureCliClientId))
                m_clientId->clear();
            validate();
        });
        connect(m_signIn, &QPushButton::clicked, this, [this]() { signIn(); });
        connect(m_cancel, &QPushButton::clicked, this, [this]() { cancel(); });
        connect(m_tenant, &QLineEdit::returnPressed, m_signIn, &QPushButton::click);
        connect(m_secret, &QLineEdit::returnPressed, m_signIn, &QPushButton::click);

        if (m_wizard.options.rememberSignIn) {
            QSettings settings;
            const azure::SignInProfile profile = azure::loadSignInProfile(settings);
            if (profile.isValid()) {
                m_servicePrincipal->setChecked(true);
                m_tenant->setText(profile.tenantId);
                m_clientId->setText(profile.clientId);
                m_authority->setText(profile.authority.toString());
            }
        }
        validate();
    }

    void initializePage() override { m_wizard.mode = WorkspaceWizard::Mode::Azure; }
    bool isComplete() const override { return m_wizard.client != nullptr && !m_busy; }
    int nextId() const override { return WorkspacePage::GroupPageId; }

private:
    bool servicePrincipal() const { return m_servicePrincipal->isChecked(); }

    QString authorityError() const
    {
        const QString text = m_authority->text().trimmed();
        if (text.isEmpty())
            return {};
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
            return t("The authority is an absolute URL, such as https://login.microsoftonline.com.");
        if (url.scheme() == QLatin1String("http") && azure::cloudForAuthority(url).kind != azure::Cloud::Kind::Local)
            return t("Only a loopback authority (the local workspace service) may use http.");
        return {};
    }

    bool validate()
    {
        const QString tenant = tenantError(m_tenant->text().trimmed());
        const QString client = clientIdError(m_clientId->text().trimmed());
        const QString secret = servicePrincipal() && m_secret->text().isEmpty() ? t("Enter the client secret.") : QString();
        const QString authority = authorityError();
        showValidation(m_tenantError, tenant);
        showValidation(m_clientIdError, client);
        showValidation(m_secretError, m_secret->isModified() || !m_secret->text().isEmpty() ? secret : QString());
        showValidation(m_authorityError, authority);
        m_secretLabel->setVisible(servicePrincipal());
        m_secret->setVisible(servicePrincipal());
        const bool valid = tenant.isEmpty() && client.isEmpty() && secret.isEmpty() && authority.isEmpty();
        m_signIn->setEnabled(valid && !m_busy);
        m_az->setCommand(servicePrincipal() ? az::loginServicePrincipal(m_tenant->text(), m_clientId->text())
                                            : az::loginDeviceCode(m_tenant->text()));
        return valid;
    }

    azure::Cloud cloud() const
    {
        const QString text = m_authority->text().trimmed();
        return text.isEmpty() ? azure::Cloud::azure() : azure::cloudForAuthority(QUrl(text, QUrl::StrictMode));
    }

    void setBusy(bool busy)
    {
        m_busy = busy;
        m_cancel->setEnabled(busy);
        validate();
        Q_EMIT completeChanged();
    }

    void signIn()
    {
        if (!validate() || m_busy)
            return;
        ++m_generation;
        m_wizard.client.reset();
        m_error->clearError();
        m_codeBox->hide();
        const azure::Cloud target = cloud();
        const QString tenant = m_tenant->text().trimmed();
        const QString clientId = m_clientId->text().trimmed();
        auto tokens = azure::AzureClient::tokenPipeline(m_wizard.transport());
        std::shared_ptr<azure::TokenCredential> credential;
        if (servicePrincipal()) {
            credential = std::make_shared<azure::ClientSecretCredential>(target, tenant, clientId, m_secret->text(), tokens);
            m_status->setText(t("Checking the service principal with %1…").arg(target.tokenUrl(tenant).host()));
        } else {
            QPointer<SignInPage> self(this);
            auto deviceCode = std::make_shared<azure::DeviceCodeCredential>(
                target, tenant, clientId, tokens, [self](const azure::DeviceCodeInfo &info) {
                    if (self)
                        self->showCode(info);
                });
            m_deviceCredential = deviceCode;
            credential = deviceCode;
            m_status->setText(t("Asking for a device code…"));
        }
        setBusy(true);
        const int generation = m_generation;
        credential->getToken({{azure::Cloud::armScope()}, {}, false}, this,
                             [this, generation, credential, target, tenant, clientId](azure::Result<azure::AccessToken> token) {
                                 if (generation != m_generation)
                                     return;
                                 if (!token) {
                                     finishSignIn(token.error());
                                     return;
                                 }
                                 if (servicePrincipal())
                                     keepSecret(generation, credential, target, tenant, clientId);
                                 else
                                     signedIn(credential, target, tenant, clientId, {});
                             });
    }

    void keepSecret(int generation, const std::shared_ptr<azure::TokenCredential> &credential, const azure::Cloud &target,
                    const QString &tenant, const QString &clientId)
    {
        const QString key = azure::SecretStore::servicePrincipalKey(tenant, clientId);
        m_wizard.secrets.write(key, m_secret->text(), this,
                               [this, generation, credential, target, tenant, clientId](azure::Result<azure::Empty> stored) {
                                   if (generation != m_generation)
                                       return;
                                   // The credential works either way; without a keychain the secret is kept in
                                   // memory and the window says once that it will not be remembered.
                                   signedIn(credential, target, tenant, clientId,
                                            stored && azure::SecretStore::remembers()
                                                ? t("The secret is in the keychain.")
                                                : t("The secret is kept for this session only (no keychain); you will be "
                                                    "asked for it again next time."));
                               });
    }

    void signedIn(const std::shared_ptr<azure::TokenCredential> &credential, const azure::Cloud &target, const QString &tenant,
                  const QString &clientId, const QString &note)
    {
        m_wizard.client = std::make_shared<azure::AzureClient>(target, credential, m_wizard.transport());
        m_wizard.signInTenant = tenant;
        m_secret->clear(); // the widget keeps no copy once it is in the keychain
        if (servicePrincipal() && m_wizard.options.rememberSignIn) {
            QSettings settings;
            azure::SignInProfile profile;
            profile.tenantId = tenant;
            profile.clientId = clientId;
            profile.authority = m_authority->text().trimmed().isEmpty() ? QUrl() : QUrl(m_authority->text().trimmed());
            azure::saveSignInProfile(settings, profile);
        }
        m_codeBox->hide();
        m_status->setText(t("Signed in to %1 as %2 in tenant %3. %4").arg(target.displayName(), clientId, tenant, note).trimmed());
        m_wizard.setStatus(m_status->text());
        setBusy(false);
    }

    void finishSignIn(const azure::AzureError &error)
    {
        m_codeBox->hide();
        m_status->setText(error.kind == azure::ErrorKind::Canceled ? t("Sign-in canceled.") : t("Sign-in failed."));
        if (error.kind != azure::ErrorKind::Canceled)
            m_error->setError(error);
        setBusy(false);
    }

    void showCode(const azure::DeviceCodeInfo &info)
    {
        m_verificationUri = info.verificationUri;
        m_link->setText(QStringLiteral("<a href=\"%1\">%1</a>").arg(info.verificationUri.toString().toHtmlEscaped()));
        m_code->setText(info.userCode);
        m_message->setText(info.message);
        m_codeBox->show();
        m_status->setText(t("Waiting for you to approve the sign-in (the code expires in %1 minutes)…")
                              .arg(std::max<qint64>(1, info.expiresIn.count() / 60)));
    }

    void cancel()
    {
        if (auto credential = m_deviceCredential.lock())
            credential->cancel();
        if (servicePrincipal()) {
            ++m_generation;
            finishSignIn(azure::AzureError::canceled());
        }
    }

    WorkspaceWizard &m_wizard;
    QRadioButton *m_deviceCode;
    QRadioButton *m_servicePrincipal;
    QLineEdit *m_tenant;
    QLineEdit *m_clientId;
    QLabel *m_secretLabel;
    QLineEdit *m_secret;
    QLineEdit *m_authority;
    QLabel *m_tenantError;
    QLabel *m_clientIdError;
    QLabel *m_secretError;
    QLabel *m_authorityError;
    QPushButton *m_signIn;
    QPushButton *m_cancel;
    QGroupBox *m_codeBox;
    QLineEdit *m_code;
    QLabel *m_link;
    QLabel *m_message;
    QUrl m_verificationUri;
    QLabel *m_status;
    ErrorPanel *m_error;
    AzCommandBox *m_az;
    std::weak_ptr<azure::DeviceCodeCredential> m_deviceCredential;
    bool m_busy = false;
    int m_generation = 0;
};

// A picker of existing ARM resources with a "create new" alternative: shared by the
// resource group and workspace pages.
struct NewResourceFields
{
    QCheckBox *create = nullptr;
    QLineEdit *name = nullptr;
    QLineEdit *location = nullptr;
    QLabel *nameError = nullptr;
    QLabel *locationError = nullptr;
    QPushButton *button = nullptr;
};

// --- 4. Subscription and resource group ------------------------------------------------
class GroupPage final : public QWizardPage
{
public:
    explicit GroupPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("groupPage"));
        setTitle(t("Subscription and resource group"));
        setSubTitle(t("The subscription pays for the workspace; the resource group holds it with its storage account, key "
                      "vault and Application Insights."));
        m_subscriptions = new ArmChoiceModel(this);
        m_subscriptions->setObjectName(QStringLiteral("subscriptionModel"));
        m_groups = new ArmChoiceModel(this);
        m_groups->setObjectName(QStringLiteral("resourceGroupModel"));
        m_subscription = new QComboBox(this);
        m_subscription->setObjectName(QStringLiteral("subscriptionCombo"));
        m_subscription->setModel(m_subscriptions);
        m_subscription->setToolTip(t("The subscriptions your identity can see."));
        m_group = new QComboBox(this);
        m_group->setObjectName(QStringLiteral("resourceGroupCombo"));
        m_group->setModel(m_groups);
        m_group->setToolTip(t("An existing resource group of the subscription."));
        auto *refresh = new QPushButton(t("&Refresh"), this);
        refresh->setObjectName(QStringLiteral("refreshSubscriptionsButton"));
        refresh->setToolTip(t("List the subscriptions and resource groups again."));
        m_new.create = new QCheckBox(t("Create a &new resource group"), this);
        m_new.create->setObjectName(QStringLiteral("newGroupCheck"));
        m_new.create->setToolTip(t("Make a resource group for the workspace instead of using an existing one."));
        m_new.name = new QLineEdit(this);
        m_new.name->setObjectName(QStringLiteral("newGroupName"));
        m_new.name->setToolTip(t("Up to 90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'."));
        m_new.location = new QLineEdit(m_wizard.options.defaultLocation, this);
        m_new.location->setObjectName(QStringLiteral("newGroupLocation"));
        m_new.location->setToolTip(t("The Azure region, e.g. westeurope or eastus (the local workspace uses 'local')."));
        m_new.nameError = validationLabel(this, QStringLiteral("groupNameError"));
        m_new.locationError = validationLabel(this, QStringLiteral("groupLocationError"));
        m_new.button = new QPushButton(t("Create resource &group"), this);
        m_new.button->setObjectName(QStringLiteral("createGroupButton"));
        m_new.button->setToolTip(t("Create the resource group now."));
        m_status = statusLabel(this, QStringLiteral("groupStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);

        auto *form = new QFormLayout;
        auto *subscriptionRow = new QHBoxLayout;
        subscriptionRow->addWidget(m_subscription, 1);
        subscriptionRow->addWidget(refresh);
        form->addRow(buddyLabel(t("&Subscription:"), m_subscription), subscriptionRow);
        form->addRow(t("Resource &group:"), m_group);
        form->addRow(QString(), m_new.create);
        form->addRow(t("&Name:"), m_new.name);
        form->addRow(QString(), m_new.nameError);
        form->addRow(t("&Location:"), m_new.location);
        form->addRow(QString(), m_new.locationError);
        form->addRow(QString(), m_new.button);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(form);
        layout->addWidget(m_status);
        layout->addWidget(m_error);
        layout->addStretch(1);
        layout->addWidget(m_az);

        connect(refresh, &QPushButton::clicked, this, [this]() { loadSubscriptions(); });
        connect(m_subscription, &QComboBox::currentIndexChanged, this, [this]() { subscriptionChosen(); });
        connect(m_group, &QComboBox::currentIndexChanged, this, [this]() { update(); });
        connect(m_new.create, &QCheckBox::toggled, this, [this]() { update(); });
        connect(m_new.name, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.location, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.button, &QPushButton::clicked, this, [this]() { createGroup(); });
        connect(&m_wizard, &WorkspaceWizard::importedChanged, this, [this]() { preselect(); });
        update();
    }

    void initializePage() override { loadSubscriptions(); }

    bool isComplete() const override
    {
        return !m_busy && !m_wizard.subscriptionId.isEmpty() && !m_new.create->isChecked() && m_group->currentIndex() >= 0;
    }

    bool validatePage() override
    {
        const ArmChoice *group = m_groups->choice(m_group->currentIndex());
        if (!group)
            return false;
        m_wizard.resourceGroup = group->key;
        m_wizard.workspaceLocation = group->location;
        return true;
    }

    int nextId() const override { return WorkspacePage::WorkspacePickPageId; }

private:
    void setBusy(bool busy)
    {
        m_busy = busy;
        update();
    }

    void update()
    {
        const bool creating = m_new.create->isChecked();
        const QString nameError = creating ? resourceGroupNameError(m_new.name->text()) : QString();
        const QString locError = creating ? locationError(m_new.location->text().trimmed()) : QString();
        showValidation(m_new.nameError, m_new.name->text().isEmpty() ? QString() : nameError);
        showValidation(m_new.locationError, locError);
        for (QWidget *w : {static_cast<QWidget *>(m_new.name), static_cast<QWidget *>(m_new.location),
                           static_cast<QWidget *>(m_new.button)})
            w->setEnabled(creating && !m_busy);
        m_new.button->setEnabled(creating && !m_busy && nameError.isEmpty() && locError.isEmpty() && !m_wizard.subscriptionId.isEmpty());
        m_group->setEnabled(!creating && !m_busy);
        const ArmChoice *group = m_groups->choice(m_group->currentIndex());
        QString command = az::setSubscription(m_wizard.subscriptionId);
        if (creating)
            command += QLatin1Char('\n') + az::createResourceGroup(m_new.name->text(), m_new.location->text());
        else if (group)
            command += QStringLiteral("\naz group show --name %1").arg(group->key);
        m_az->setCommand(command);
        Q_EMIT completeChanged();
    }

    void loadSubscriptions()
    {
        if (!m_wizard.client)
            return;
        m_error->clearError();
        m_status->setText(t("Listing subscriptions…"));
        const int generation = m_subscriptions->beginLoad();
        m_wizard.ml().listSubscriptions(this, [this, generation](azure::Result<QList<azure::Subscription>> list) {
            if (!list) {
                m_subscriptions->endLoadWithError(generation);
                m_status->setText(t("Could not list the subscriptions."));
                m_error->setError(list.error());
                return;
            }
            if (!m_subscriptions->setChoices(generation, ArmChoiceModel::fromSubscriptions(list.value())))
                return;
            m_status->setText(list->isEmpty() ? t("This identity sees no subscription: ask for a role on one.")
                                              : t("%n subscription(s).", nullptr, int(list->size())));
            preselect();
        });
    }

    void preselect()
    {
        int row = m_wizard.imported ? m_subscriptions->rowOfKey(m_wizard.imported->subscriptionId) : -1;
        if (row < 0)
            row = m_subscriptions->rowOfKey(m_wizard.subscriptionId);
        if (row < 0 && m_subscriptions->rowCount() > 0)
            row = 0;
        if (row != m_subscription->currentIndex())
            m_subscription->setCurrentIndex(row);
        else
            subscriptionChosen();
    }

    void subscriptionChosen()
    {
        const ArmChoice *subscription = m_subscriptions->choice(m_subscription->currentIndex());
        m_wizard.subscriptionId = subscription ? subscription->key : QString();
        m_wizard.subscriptionTenant = subscription ? subscription->tenantId : QString();
        loadGroups(QString());
    }

    void loadGroups(const QString &select)
    {
        const int generation = m_groups->beginLoad();
        update();
        if (m_wizard.subscriptionId.isEmpty())
            return;
        m_wizard.resourceGroup.clear();
        m_wizard.ml().listResourceGroups(this, [this, generation, select](azure::Result<QList<azure::ResourceGroup>> list) {
            if (!list) {
                m_groups->endLoadWithError(generation);
                m_error->setError(list.error());
                update();
                return;
            }
            if (!m_groups->setChoices(generation, ArmChoiceModel::fromResourceGroups(list.value())))
                return;
            QString wanted = select;
            if (wanted.isEmpty() && m_wizard.imported &&
                m_wizard.imported->subscriptionId.compare(m_wizard.subscriptionId, Qt::CaseInsensitive) == 0)
                wanted = m_wizard.imported->resourceGroup;
            const int row = m_groups->rowOfKey(wanted);
            m_group->setCurrentIndex(row >= 0 ? row : (m_groups->rowCount() > 0 ? 0 : -1));
            if (m_groups->rowCount() == 0)
                m_new.create->setChecked(true);
            update();
        });
    }

    void createGroup()
    {
        const QString name = m_new.name->text();
        const QString location = m_new.location->text().trimmed();
        if (!resourceGroupNameError(name).isEmpty() || !locationError(location).isEmpty())
            return;
        m_error->clearError();
        m_status->setText(t("Creating the resource group %1 in %2…").arg(name, location));
        setBusy(true);
        auto *operation = m_wizard.ml().createResourceGroup(name, location, this);
        connect(operation, &azure::OperationBase::finished, this, [this, operation, name]() {
            operation->deleteLater();
            setBusy(false);
            if (operation->state() != azure::OperationState::Succeeded || !operation->value()) {
                m_status->setText(t("The resource group was not created."));
                m_error->setError(operation->error());
                return;
            }
            const azure::ResourceGroup &group = *operation->value();
            m_status->setText(t("Created the resource group %1.").arg(group.name));
            const int row = m_groups->upsert(ArmChoiceModel::fromResourceGroups({group}).constFirst());
            m_new.create->setChecked(false);
            m_group->setCurrentIndex(row);
            update();
        });
        operation->start();
    }

    WorkspaceWizard &m_wizard;
    ArmChoiceModel *m_subscriptions;
    ArmChoiceModel *m_groups;
    QComboBox *m_subscription;
    QComboBox *m_group;
    NewResourceFields m_new;
    QLabel *m_status;
    ErrorPanel *m_error;
    AzCommandBox *m_az;
    bool m_busy = false;
};

// --- 5. Workspace ----------------------------------------------------------------------
class WorkspacePickPage final : public QWizardPage
{
public:
    explicit WorkspacePickPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("workspacePage"));
        setTitle(t("Workspace"));
        setSubTitle(t("Pick a workspace of the resource group, or create one with its storage account, key vault and "
                      "Application Insights."));
        m_workspaces = new ArmChoiceModel(this);
        m_workspaces->setObjectName(QStringLiteral("workspaceModel"));
        m_workspace = new QComboBox(this);
        m_workspace->setObjectName(QStringLiteral("workspaceCombo"));
        m_workspace->setModel(m_workspaces);
        m_workspace->setToolTip(t("The Azure Machine Learning workspaces of the resource group."));
        auto *refresh = new QPushButton(t("&Refresh"), this);
        refresh->setObjectName(QStringLiteral("refreshWorkspacesButton"));
        refresh->setToolTip(t("List the workspaces again."));
        m_new.create = new QCheckBox(t("Create a &new workspace"), this);
        m_new.create->setObjectName(QStringLiteral("newWorkspaceCheck"));
        m_new.create->setToolTip(t("Make a workspace (and the resources it needs) in this resource group."));
        m_new.name = new QLineEdit(this);
        m_new.name->setObjectName(QStringLiteral("newWorkspaceName"));
        m_new.name->setToolTip(t("3 to 33 characters: letters, digits, '-' and '_', starting with a letter or digit."));
        m_new.location = new QLineEdit(this);
        m_new.location->setObjectName(QStringLiteral("newWorkspaceLocation"));
        m_new.location->setToolTip(t("The Azure region of the workspace; by default the resource group's."));
        m_new.nameError = validationLabel(this, QStringLiteral("workspaceNameError"));
        m_new.locationError = validationLabel(this, QStringLiteral("workspaceLocationError"));
        m_new.button = new QPushButton(t("Create &workspace"), this);
        m_new.button->setObjectName(QStringLiteral("createWorkspaceButton"));
        m_new.button->setToolTip(t("Create the storage account, key vault, Application Insights and the workspace."));
        m_progress = new QProgressBar(this);
        m_progress->setObjectName(QStringLiteral("createProgress"));
        m_progress->setRange(0, kCreateSteps);
        m_progress->setToolTip(t("The resources made so far, out of four."));
        m_progress->hide();
        m_cancel = new QPushButton(t("Cancel creation"), this);
        m_cancel->setObjectName(QStringLiteral("cancelCreateButton"));
        m_cancel->setToolTip(t("Stop waiting; what Azure already made stays (delete the resource group to remove it)."));
        m_cancel->hide();
        m_status = statusLabel(this, QStringLiteral("workspaceStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);

        auto *form = new QFormLayout;
        auto *pick = new QHBoxLayout;
        pick->addWidget(m_workspace, 1);
        pick->addWidget(refresh);
        form->addRow(buddyLabel(t("&Workspace:"), m_workspace), pick);
        form->addRow(QString(), m_new.create);
        form->addRow(t("&Name:"), m_new.name);
        form->addRow(QString(), m_new.nameError);
        form->addRow(t("&Location:"), m_new.location);
        form->addRow(QString(), m_new.locationError);
        auto *createRow = new QHBoxLayout;
        createRow->addWidget(m_new.button);
        createRow->addWidget(m_progress, 1);
        createRow->addWidget(m_cancel);
        form->addRow(QString(), createRow);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(form);
        layout->addWidget(m_status);
        layout->addWidget(m_error);
        layout->addStretch(1);
        layout->addWidget(m_az);

        connect(refresh, &QPushButton::clicked, this, [this]() { load(QString()); });
        connect(m_workspace, &QComboBox::currentIndexChanged, this, [this]() { update(); });
        connect(m_new.create, &QCheckBox::toggled, this, [this]() { update(); });
        connect(m_new.name, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.location, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_new.button, &QPushButton::clicked, this, [this]() { create(); });
        connect(m_cancel, &QPushButton::clicked, this, [this]() { cancel(); });
    }

    void initializePage() override
    {
        m_new.location->setText(m_wizard.workspaceLocation.isEmpty() ? m_wizard.options.defaultLocation
                                                                     : m_wizard.workspaceLocation);
        load(QString());
    }

    bool isComplete() const override
    {
        const ArmChoice *ws = m_workspaces->choice(m_workspace->currentIndex());
        return !m_busy && !m_new.create->isChecked() && ws &&
               (ws->state.isEmpty() || ws->state.compare(QLatin1String("Succeeded"), Qt::CaseInsensitive) == 0);
    }

    bool validatePage() override
    {
        const ArmChoice *ws = m_workspaces->choice(m_workspace->currentIndex());
        if (!ws)
            return false;
        m_wizard.workspaceName = ws->key;
        m_wizard.workspaceLocation = ws->location;
        WorkspaceRef ref{m_wizard.subscriptionId, m_wizard.resourceGroup, m_wizard.workspaceName, m_wizard.workspaceLocation};
        const azure::Cloud &cloud = m_wizard.client->cloud();
        // A loopback service is the local workspace, whichever way the user reached it.
        m_wizard.session.connectTo(cloud.isLocal() ? Session::Connection::Local : Session::Connection::Azure,
                                   std::make_shared<const azure::Cloud>(cloud), m_wizard.client->arm(), ref);
        m_wizard.setStatus(t("Connected: %1").arg(m_wizard.session.displayName()));
        return true;
    }

    int nextId() const override { return WorkspacePage::ServicePrincipalPageId; }

private:
    void setBusy(bool busy)
    {
        m_busy = busy;
        m_progress->setVisible(busy);
        m_cancel->setVisible(busy);
        update();
    }

    void update()
    {
        const bool creating = m_new.create->isChecked();
        const QString nameError = creating ? workspaceNameError(m_new.name->text()) : QString();
        const QString locError = creating ? locationError(m_new.location->text().trimmed()) : QString();
        showValidation(m_new.nameError, m_new.name->text().isEmpty() ? QString() : nameError);
        showValidation(m_new.locationError, locError);
        m_new.name->setEnabled(creating && !m_busy);
        m_new.location->setEnabled(creating && !m_busy);
        m_new.button->setEnabled(creating && !m_busy && nameError.isEmpty() && locError.isEmpty());
        m_workspace->setEnabled(!creating && !m_busy);
        const ArmChoice *ws = m_workspaces->choice(m_workspace->currentIndex());
        if (creating)
            m_az->setCommand(az::createWorkspace(m_wizard.subscriptionId, m_wizard.resourceGroup, m_new.name->text(),
                                                 m_new.location->text().trimmed()));
        else
            m_az->setCommand(QStringLiteral("az ml workspace show --subscription %1 --resource-group %2 --name %3")
                                 .arg(m_wizard.subscriptionId, m_wizard.resourceGroup, ws ? ws->key : QStringLiteral("<workspace>")));
        Q_EMIT completeChanged();
    }

    void load(const QString &select)
    {
        m_error->clearError();
        const int generation = m_workspaces->beginLoad();
        update();
        m_status->setText(t("Listing the workspaces of %1…").arg(m_wizard.resourceGroup));
        m_wizard.ml().listWorkspaces(m_wizard.resourceGroup, this,
                                     [this, generation, select](azure::Result<QList<azure::Workspace>> list) {
                                         if (!list) {
                                             m_workspaces->endLoadWithError(generation);
                                             m_status->setText(t("Could not list the workspaces."));
                                             m_error->setError(list.error());
                                             update();
                                             return;
                                         }
                                         if (!m_workspaces->setChoices(generation, ArmChoiceModel::fromWorkspaces(list.value())))
                                             return;
                                         QString wanted = select;
                                         if (wanted.isEmpty() && m_wizard.imported &&
                                             m_wizard.imported->resourceGroup.compare(m_wizard.resourceGroup, Qt::CaseInsensitive) == 0)
                                             wanted = m_wizard.imported->workspaceName;
                                         const int row = m_workspaces->rowOfKey(wanted);
                                         m_workspace->setCurrentIndex(row >= 0 ? row : (m_workspaces->rowCount() > 0 ? 0 : -1));
                                         m_new.create->setChecked(m_workspaces->rowCount() == 0);
                                         m_status->setText(t("%n workspace(s) in %1.", nullptr, int(list->size())).arg(m_wizard.resourceGroup));
                                         update();
                                     });
    }

    // The resources ARM needs before the workspace itself, one long-running operation each.
    void create()
    {
        const QString name = m_new.name->text();
        const QString location = m_new.location->text().trimmed();
        if (!workspaceNameError(name).isEmpty() || !locationError(location).isEmpty())
            return;
        m_error->clearError();
        ++m_generation;
        const DependentNames names =
            dependentNamesFor(name, QUuid::createUuid().toString(QUuid::Id128).left(6));
        const QString groupId = QStringLiteral("/subscriptions/%1/resourceGroups/%2").arg(m_wizard.subscriptionId, m_wizard.resourceGroup);
        auto spec = std::make_shared<azure::WorkspaceSpec>();
        spec->name = name;
        spec->location = location;
        spec->friendlyName = name;
        spec->storageAccount = groupId + QStringLiteral("/providers/Microsoft.Storage/storageAccounts/") + names.storageAccount;
        spec->keyVault = groupId + QStringLiteral("/providers/Microsoft.KeyVault/vaults/") + names.keyVault;
        spec->applicationInsights = groupId + QStringLiteral("/providers/Microsoft.Insights/components/") + names.applicationInsights;
        const azure::MachineLearningClient ml = m_wizard.ml();
        const QString tenant = m_wizard.tenant();
        m_steps = {
            {t("the storage account %1").arg(names.storageAccount),
             [ml, names, location](QObject *parent) { return ml.createStorageAccount(names.storageAccount, location, parent); }},
            {t("the key vault %1").arg(names.keyVault),
             [ml, names, location, tenant](QObject *parent) { return ml.createKeyVault(names.keyVault, location, tenant, parent); }},
            {t("Application Insights %1").arg(names.applicationInsights),
             [ml, names, location](QObject *parent) {
                 return ml.createApplicationInsights(names.applicationInsights, location, parent);
             }},
            {t("the workspace %1").arg(name),
             [ml, spec](QObject *parent) -> azure::OperationBase * { return ml.createWorkspace(*spec, parent); }},
        };
        m_progress->setValue(0);
        setBusy(true);
        runStep(0, m_generation);
    }

    void runStep(int index, int generation)
    {
        if (generation != m_generation)
            return;
        if (index >= int(m_steps.size())) {
            finishCreate();
            return;
        }
        const auto &[what, start] = m_steps.at(index);
        m_status->setText(t("Creating %1 (%2 of %3)…").arg(what).arg(index + 1).arg(m_steps.size()));
        azure::OperationBase *operation = start(this);
        m_current = operation;
        connect(operation, &azure::OperationBase::stateChanged, this,
                [this, what](azure::OperationState, const QString &status) {
                    if (!status.isEmpty())
                        m_status->setText(t("Creating %1: %2…").arg(what, status));
                });
        connect(operation, &azure::OperationBase::finished, this, [this, operation, index, generation]() {
            operation->deleteLater();
            if (generation != m_generation)
                return;
            if (operation->state() == azure::OperationState::Canceled) {
                m_status->setText(t("Canceled. What was made so far stays in the resource group."));
                setBusy(false);
                return;
            }
            if (operation->state() != azure::OperationState::Succeeded) {
                m_status->setText(t("Creating %1 failed.").arg(m_steps.at(index).first));
                m_error->setError(operation->error());
                setBusy(false);
                return;
            }
            m_progress->setValue(index + 1);
            runStep(index + 1, generation);
        });
        operation->start();
    }

    void finishCreate()
    {
        const QString name = m_new.name->text();
        m_status->setText(t("Created the workspace %1.").arg(name));
        m_new.create->setChecked(false);
        setBusy(false);
        load(name);
    }

    void cancel()
    {
        if (m_current)
            m_current->cancel();
    }

    WorkspaceWizard &m_wizard;
    ArmChoiceModel *m_workspaces;
    QComboBox *m_workspace;
    NewResourceFields m_new;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QLabel *m_status;
    ErrorPanel *m_error;
    AzCommandBox *m_az;
    std::vector<std::pair<QString, std::function<azure::OperationBase *(QObject *)>>> m_steps;
    QPointer<azure::OperationBase> m_current;
    bool m_busy = false;
    int m_generation = 0;
};

// --- 6. Service principal --------------------------------------------------------------
class ServicePrincipalPage final : public QWizardPage
{
public:
    explicit ServicePrincipalPage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("servicePrincipalPage"));
        setTitle(t("Service principal (optional)"));
        setSubTitle(t("An application identity for scripts and CI: its secret is shown once and kept in the keychain, and "
                      "it gets a role on this workspace only."));
        m_name = new QLineEdit(this);
        m_name->setObjectName(QStringLiteral("applicationNameEdit"));
        m_name->setToolTip(t("The application's display name in Microsoft Entra ID; a second run with the same name reuses it."));
        m_nameError = validationLabel(this, QStringLiteral("applicationNameError"));
        m_create = new QPushButton(t("Create application, service principal and &secret"), this);
        m_create->setObjectName(QStringLiteral("createServicePrincipalButton"));
        m_create->setToolTip(t("Create (or find) the application and its service principal, and add a new client secret."));
        m_appId = readOnlyField(this, QStringLiteral("appIdEdit"), t("The application (client) ID: what scripts sign in with."));
        m_principalId = readOnlyField(this, QStringLiteral("principalIdEdit"), t("The service principal's object ID: what roles are assigned to."));
        m_secret = readOnlyField(this, QStringLiteral("newSecretEdit"),
                                 t("The new client secret. Shown only now; it is kept in the keychain."));
        m_secret->setEchoMode(QLineEdit::Password);
        m_showSecret = new QCheckBox(t("S&how"), this);
        m_showSecret->setObjectName(QStringLiteral("showSecretCheck"));
        m_showSecret->setToolTip(t("Show the secret in clear text."));
        connect(m_showSecret, &QCheckBox::toggled, this,
                [this](bool show) { m_secret->setEchoMode(show ? QLineEdit::Normal : QLineEdit::Password); });
        m_copySecret = new QPushButton(t("Cop&y secret"), this);
        m_copySecret->setObjectName(QStringLiteral("copySecretButton"));
        m_copySecret->setToolTip(t("Copy the secret to the clipboard, e.g. into your CI's secret store."));
        connect(m_copySecret, &QPushButton::clicked, this, [this]() { QGuiApplication::clipboard()->setText(m_secret->text()); });
        m_role = new QComboBox(this);
        m_role->setObjectName(QStringLiteral("roleCombo"));
        m_role->setToolTip(t("The role the service principal gets on this workspace."));
        for (const RoleChoice &role : workspaceRoles()) {
            m_role->addItem(role.name, role.guid);
            m_role->setItemData(m_role->count() - 1, role.description, Qt::ToolTipRole);
        }
        m_assign = new QPushButton(t("&Assign role"), this);
        m_assign->setObjectName(QStringLiteral("assignRoleButton"));
        m_assign->setToolTip(t("Assign the role on the workspace's scope."));
        m_assignments = new RoleAssignmentModel(this);
        m_assignments->setObjectName(QStringLiteral("roleAssignmentModel"));
        auto *view = new QTableView(this);
        view->setObjectName(QStringLiteral("roleAssignmentView"));
        view->setModel(m_assignments);
        view->setToolTip(t("The service principal's role assignments on this workspace."));
        view->horizontalHeader()->setStretchLastSection(true);
        view->verticalHeader()->hide();
        view->setSelectionBehavior(QAbstractItemView::SelectRows);
        view->setMaximumHeight(110);
        m_test = new QPushButton(t("&Test sign-in"), this);
        m_test->setObjectName(QStringLiteral("testSignInButton"));
        m_test->setToolTip(t("Sign in as the service principal with the secret from the keychain."));
        m_status = statusLabel(this, QStringLiteral("servicePrincipalStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);

        auto *form = new QFormLayout;
        form->addRow(t("&Display name:"), m_name);
        form->addRow(QString(), m_nameError);
        form->addRow(QString(), m_create);
        form->addRow(t("Application ID:"), m_appId);
        form->addRow(t("Principal ID:"), m_principalId);
        auto *secretRow = new QHBoxLayout;
        secretRow->addWidget(m_secret, 1);
        secretRow->addWidget(m_showSecret);
        secretRow->addWidget(m_copySecret);
        form->addRow(t("Secret:"), secretRow);
        auto *roleRow = new QHBoxLayout;
        roleRow->addWidget(m_role, 1);
        roleRow->addWidget(m_assign);
        form->addRow(buddyLabel(t("&Role:"), m_role), roleRow);
        form->addRow(t("Assignments:"), view);
        form->addRow(QString(), m_test);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(form);
        layout->addWidget(m_status);
        layout->addWidget(m_error);
        layout->addStretch(1);
        layout->addWidget(m_az);

        connect(m_name, &QLineEdit::textChanged, this, [this]() { update(); });
        connect(m_role, &QComboBox::currentIndexChanged, this, [this]() { update(); });
        connect(m_create, &QPushButton::clicked, this, [this]() { create(); });
        connect(m_assign, &QPushButton::clicked, this, [this]() { assign(); });
        connect(m_test, &QPushButton::clicked, this, [this]() { testSignIn(); });
        update();
    }

    void initializePage() override
    {
        if (m_name->text().isEmpty())
            m_name->setText(QStringLiteral("cerulean-%1").arg(m_wizard.workspaceName));
        update();
    }

    bool isComplete() const override { return !m_busy; } // optional: Next skips it
    bool validatePage() override
    {
        // Shown once: leaving the page forgets it (the keychain keeps it).
        m_secret->clear();
        return true;
    }
    int nextId() const override { return WorkspacePage::DonePageId; }

private:
    void setBusy(bool busy)
    {
        m_busy = busy;
        update();
    }

    void update()
    {
        const QString error = applicationNameError(m_name->text());
        showValidation(m_nameError, error);
        const bool haveClient = m_wizard.client != nullptr;
        m_create->setEnabled(haveClient && !m_busy && error.isEmpty());
        m_assign->setEnabled(haveClient && !m_busy && !m_result.servicePrincipal.id.isEmpty());
        m_test->setEnabled(haveClient && !m_busy && !m_result.secretKey.isEmpty());
        m_copySecret->setEnabled(!m_secret->text().isEmpty());
        m_showSecret->setEnabled(!m_secret->text().isEmpty());
        const QString scope = m_wizard.workspaceArmId();
        if (m_result.servicePrincipal.id.isEmpty())
            m_az->setCommand(az::createServicePrincipal(m_name->text(), m_role->currentText(), scope));
        else
            m_az->setCommand(az::assignRole(m_result.servicePrincipal.id, m_role->currentText(), scope));
        Q_EMIT completeChanged();
    }

    void create()
    {
        m_error->clearError();
        m_status->setText(t("Creating the application %1, its service principal and a secret…").arg(m_name->text()));
        setBusy(true);
        azure::setUpServicePrincipal(
            m_wizard.client, m_name->text(), m_wizard.tenant(), m_wizard.secrets, this,
            [this](azure::Result<azure::ServicePrincipalResult> result) {
                if (!result) {
                    setBusy(false);
                    m_status->setText(t("The service principal was not set up."));
                    m_error->setError(result.error());
                    return;
                }
                m_result = result.value();
                m_appId->setText(m_result.application.appId);
                m_principalId->setText(m_result.servicePrincipal.id);
                // Graph shows a secret once; read it back from the keychain to show it this once.
                m_wizard.secrets.read(m_result.secretKey, this, [this](azure::Result<QString> secret) {
                    if (secret)
                        m_secret->setText(secret.value());
                    m_status->setText(
                        (m_result.reusedApplication ? t("Found the application %1 and added a new secret. ")
                                                    : t("Created the application %1 with a service principal and a secret. "))
                            .arg(m_result.application.displayName) +
                        (azure::SecretStore::remembers() ? t("The secret is shown only now and is kept in the keychain (expires %1).")
                                                         : t("The secret is shown only now and is kept for this session only, "
                                                             "with no keychain (expires %1): copy it if you need it later."))
                            .arg(QLocale().toString(m_result.password.endDateTime.date(), QLocale::ShortFormat)));
                    setBusy(false);
                    listAssignments();
                });
            });
    }

    void listAssignments()
    {
        m_wizard.ml().listRoleAssignments(m_wizard.workspaceArmId(), m_result.servicePrincipal.id, this,
                                          [this](azure::Result<QList<azure::RoleAssignment>> list) {
                                              if (list)
                                                  m_assignments->setAssignments(list.value());
                                              else
                                                  m_error->setError(list.error());
                                          });
    }

    void assign()
    {
        m_error->clearError();
        const QString role = m_role->currentText();
        m_status->setText(t("Assigning %1 on the workspace…").arg(role));
        setBusy(true);
        m_wizard.ml().assignRole(m_wizard.workspaceArmId(), m_role->currentData().toString(), m_result.servicePrincipal.id, this,
                                 [this, role](azure::Result<azure::RoleAssignment> assignment) {
                                     setBusy(false);
                                     if (assignment) {
                                         m_assignments->upsert(assignment.value());
                                         m_status->setText(t("The service principal is %1 on the workspace.").arg(role));
                                     } else if (assignment.error().code == QLatin1String("RoleAssignmentExists")) {
                                         m_status->setText(t("The service principal already has %1 on the workspace.").arg(role));
                                         listAssignments();
                                     } else {
                                         m_status->setText(t("The role was not assigned."));
                                         m_error->setError(assignment.error());
                                     }
                                 });
    }

    void testSignIn()
    {
        m_error->clearError();
        m_status->setText(t("Signing in as %1…").arg(m_result.application.appId));
        setBusy(true);
        m_wizard.secrets.read(m_result.secretKey, this, [this](azure::Result<QString> secret) {
            if (!secret) {
                setBusy(false);
                m_error->setError(secret.error());
                return;
            }
            const azure::Cloud cloud = m_wizard.client->cloud();
            auto credential = std::make_shared<azure::ClientSecretCredential>(
                cloud, m_wizard.tenant(), m_result.application.appId, secret.value(),
                azure::AzureClient::tokenPipeline(m_wizard.transport()));
            credential->getToken({{azure::Cloud::armScope()}, {}, false}, this,
                                 [this, credential](azure::Result<azure::AccessToken> token) {
                                     setBusy(false);
                                     if (token) {
                                         m_status->setText((azure::SecretStore::remembers()
                                                                ? t("The service principal %1 signs in with its secret from the keychain.")
                                                                : t("The service principal %1 signs in with its secret (kept for this "
                                                                    "session only)."))
                                                               .arg(m_result.application.appId));
                                     } else {
                                         m_status->setText(t("The service principal could not sign in (a new secret can take a "
                                                             "minute to reach every Entra ID server)."));
                                         m_error->setError(token.error());
                                     }
                                 });
        });
    }

    WorkspaceWizard &m_wizard;
    QLineEdit *m_name;
    QLabel *m_nameError;
    QPushButton *m_create;
    QLineEdit *m_appId;
    QLineEdit *m_principalId;
    QLineEdit *m_secret;
    QCheckBox *m_showSecret;
    QPushButton *m_copySecret;
    QComboBox *m_role;
    QPushButton *m_assign;
    RoleAssignmentModel *m_assignments;
    QPushButton *m_test;
    QLabel *m_status;
    ErrorPanel *m_error;
    AzCommandBox *m_az;
    azure::ServicePrincipalResult m_result;
    bool m_busy = false;
};

// --- 7. Done ---------------------------------------------------------------------------
class DonePage final : public QWizardPage
{
public:
    explicit DonePage(WorkspaceWizard &wizard)
        : m_wizard(wizard)
    {
        setObjectName(QStringLiteral("donePage"));
        setTitle(t("Connected"));
        setSubTitle(t("Every step of the workbench now works in this workspace. Export config.json to use it from the Azure "
                      "ML SDK, the CLI or a notebook."));
        setFinalPage(true);
        m_summary = statusLabel(this, QStringLiteral("doneSummary"));
        m_export = new QPushButton(t("&Export config.json…"), this);
        m_export->setObjectName(QStringLiteral("exportConfigButton"));
        m_export->setToolTip(t("Write config.json (subscription, resource group, workspace; never a secret)."));
        m_status = statusLabel(this, QStringLiteral("doneStatus"));
        m_az = new AzCommandBox(this);
        auto *layout = new QVBoxLayout(this);
        layout->addWidget(m_summary);
        layout->addWidget(m_export, 0, Qt::AlignLeft);
        layout->addWidget(m_status);
        layout->addStretch(1);
        layout->addWidget(m_az);
        connect(m_export, &QPushButton::clicked, this, [this]() { m_wizard.button(QWizard::CustomButton2)->click(); });
        connect(&m_wizard, &WorkspaceWizard::statusChanged, m_status, &QLabel::setText);
        connect(&m_wizard.session, &Session::connectionChanged, this, [this]() { refresh(); });
    }

    void initializePage() override { refresh(); }
    bool isComplete() const override { return m_wizard.session.isConnected(); }

private:
    void refresh()
    {
        const Session &session = m_wizard.session;
        const WorkspaceRef &ws = session.workspace();
        if (!session.isConnected()) {
            m_summary->setText(t("Not connected."));
        } else {
            const QString where = session.cloud() ? session.cloud()->resourceManager.toString() : QString();
            m_summary->setText(t("%1\n\nSubscription: %2\nResource group: %3\nWorkspace: %4\nLocation: %5\nEndpoint: %6")
                                   .arg(session.displayName(), ws.subscriptionId, ws.resourceGroup, ws.workspaceName,
                                        ws.location, where));
        }
        m_export->setEnabled(session.isConnected());
        m_az->setCommand(az::writeConfig(ws.subscriptionId, ws.resourceGroup, ws.workspaceName));
        Q_EMIT completeChanged();
    }

    WorkspaceWizard &m_wizard;
    QLabel *m_summary;
    QPushButton *m_export;
    QLabel *m_status;
    AzCommandBox *m_az;
};

} // namespace

// --- the page --------------------------------------------------------------------------
WorkspacePage::WorkspacePage(Session &session, WorkspacePageOptions options, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_options(std::move(options))
    , m_local(new LocalWorkspace(session,
                                 [this] {
                                     LocalWorkspaceOptions local = m_options.local;
                                     local.secretService = m_options.secretService;
                                     return local;
                                 }(),
                                 this))
    , m_wizard(new WorkspaceWizard(session, *m_local, m_options, this))
{
    setObjectName(QStringLiteral("workspacePage"));
    m_wizard->setObjectName(QStringLiteral("workspaceWizard"));
    m_wizard->setWindowFlags(Qt::Widget); // a page of the window, not a dialog
    m_wizard->setWizardStyle(QWizard::ModernStyle);
    m_wizard->setOptions(QWizard::NoBackButtonOnStartPage | QWizard::NoCancelButton | QWizard::HaveCustomButton1 |
                         QWizard::HaveCustomButton2);
    m_wizard->setButtonText(QWizard::CustomButton1, tr("&Import config.json…"));
    m_wizard->setButtonText(QWizard::CustomButton2, tr("E&xport config.json…"));
    m_wizard->button(QWizard::CustomButton1)->setToolTip(tr("Read a workspace's config.json (Azure ML SDK format) and open it after signing in."));
    m_wizard->button(QWizard::CustomButton2)->setToolTip(tr("Write the connected workspace's config.json (no secret is written)."));
    m_wizard->button(QWizard::BackButton)->setToolTip(tr("Go back one page."));
    m_wizard->button(QWizard::NextButton)->setToolTip(tr("Go on to the next page."));
    m_wizard->button(QWizard::FinishButton)->setToolTip(tr("Done: go on to Data & AutoML."));
    m_wizard->setPage(IntroPageId, new IntroPage(*m_wizard));
    m_wizard->setPage(LocalPageId, new LocalPage(*m_wizard));
    m_wizard->setPage(SignInPageId, new SignInPage(*m_wizard));
    m_wizard->setPage(GroupPageId, new GroupPage(*m_wizard));
    m_wizard->setPage(WorkspacePickPageId, new WorkspacePickPage(*m_wizard));
    m_wizard->setPage(ServicePrincipalPageId, new ServicePrincipalPage(*m_wizard));
    m_wizard->setPage(DonePageId, new DonePage(*m_wizard));
    m_wizard->setStartId(IntroPageId);

    auto updateExport = [this]() { m_wizard->button(QWizard::CustomButton2)->setEnabled(m_session.isConnected()); };
    updateExport();
    connect(&m_session, &Session::connectionChanged, this, updateExport);
    connect(m_wizard, &QWizard::customButtonClicked, this, [this](int which) {
        if (which == QWizard::CustomButton1) {
            const QString path = QFileDialog::getOpenFileName(this, tr("Import config.json"), QString(),
                                                              tr("Workspace configuration (config.json *.json)"));
            if (!path.isEmpty())
                importConfig(path);
        } else if (which == QWizard::CustomButton2) {
            const QString path = QFileDialog::getSaveFileName(this, tr("Export config.json"), QStringLiteral("config.json"),
                                                              tr("Workspace configuration (config.json *.json)"));
            if (!path.isEmpty())
                exportConfig(path);
        }
    });
    connect(m_wizard, &WorkspaceWizard::wizardFinished, this, &WorkspacePage::finished);
    // The one-click path ends on the summary as soon as the workspace is open.
    connect(m_local, &LocalWorkspace::opened, this, [this]() {
        if (m_wizard->currentId() == LocalPageId)
            m_wizard->next();
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_wizard);
}

WorkspacePage::~WorkspacePage() = default;

QWizard *WorkspacePage::wizard() const
{
    return m_wizard;
}

void WorkspacePage::setLocalRoot(const QString &root)
{
    m_local->setRoot(root);
}

void WorkspacePage::openLocalWorkspace()
{
    m_wizard->mode = WorkspaceWizard::Mode::Local;
    if (m_wizard->currentId() != IntroPageId)
        m_wizard->restart();
    if (auto *intro = m_wizard->page(IntroPageId)->findChild<QCommandLinkButton *>(QStringLiteral("localButton")))
        intro->click(); // goes on to the local page, which opens the workspace
}

std::shared_ptr<azure::AzureClient> WorkspacePage::azureClient() const
{
    return m_wizard->client;
}

azure::Result<azure::WorkspaceConfig> WorkspacePage::importConfig(const QString &path)
{
    auto config = azure::readWorkspaceConfig(path);
    if (!config) {
        m_wizard->setStatus(tr("Could not import %1: %2").arg(QDir::toNativeSeparators(path), config.error().toString()));
        return config;
    }
    m_wizard->imported = config.value();
    m_wizard->mode = WorkspaceWizard::Mode::Azure;
    m_wizard->setStatus(tr("Imported %1: subscription %2, resource group %3, workspace %4.")
                            .arg(QDir::toNativeSeparators(path), config->subscriptionId, config->resourceGroup,
                                 config->workspaceName));
    Q_EMIT m_wizard->importedChanged();
    return config;
}

azure::Result<azure::Empty> WorkspacePage::exportConfig(const QString &path) const
{
    if (!m_session.isConnected()) {
        azure::AzureError error = azure::AzureError::invalidInput(tr("No workspace is connected yet."));
        error.action = tr("Open the local workspace or choose an Azure workspace first.");
        m_wizard->setStatus(error.toString());
        return error;
    }
    const WorkspaceRef &ws = m_session.workspace();
    auto written = azure::writeWorkspaceConfig(path, {ws.subscriptionId, ws.resourceGroup, ws.workspaceName});
    m_wizard->setStatus(written ? tr("Wrote %1.").arg(QDir::toNativeSeparators(path))
                                : tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), written.error().toString()));
    return written;
}

QString WorkspacePage::statusText() const
{
    return m_wizard->status;
}

bool prepareWorkspacePageForTour(MainWindow &window, const QString &workDirectory)
{
    auto *page = qobject_cast<WorkspacePage *>(window.page(Step::Workspace));
    if (!page)
        return false;
    page->setLocalRoot(QDir(workDirectory).filePath(QStringLiteral("local-workspace")));
    page->openLocalWorkspace();
    constexpr std::chrono::seconds kTimeout{60};
    QDeadlineTimer deadline(kTimeout);
    while (!deadline.hasExpired() && page->localWorkspace()->state() != LocalWorkspace::State::Connected &&
           page->localWorkspace()->state() != LocalWorkspace::State::Failed) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    QCoreApplication::processEvents();
    return page->localWorkspace()->state() == LocalWorkspace::State::Connected &&
           page->wizard()->currentId() == WorkspacePage::DonePageId;
}

} // namespace cerulean::ui

#include "workspace_page.moc"
