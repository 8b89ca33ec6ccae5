#include "ui/pages/workspace/workspace_wizard.h"

#include "core/azure/naming.h"
#include "core/azure/sign_in_workflow.h"
#include "ui/models/workspace_names.h"
#include "ui/pages/workspace/wizard_widgets.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QVBoxLayout>
#include <QWizardPage>

#include <algorithm>

namespace cerulean::ui {

namespace {

using namespace wizard;

// --- 3. Sign in to Azure ---------------------------------------------------------------
// The form and the device code; the sign-in itself is core's SignInWorkflow.
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
        azure::SignInOptions options;
        options.transport = m_wizard.transport();
        options.secretService = m_wizard.options.secretService;
        options.rememberProfile = m_wizard.options.rememberSignIn;
        m_flow = new azure::SignInWorkflow(options, this);
        connect(m_flow, &azure::SignInWorkflow::deviceCodeReady, this, [this](const azure::DeviceCodeInfo &info) { showCode(info); });
        connect(m_flow, &azure::SignInWorkflow::stageChanged, this, [this]() { showStage(); });
        connect(m_flow, &azure::SignInWorkflow::finished, this, [this]() { finished(); });

        buildForm();
        buildCodeBox();
        m_status = statusLabel(this, QStringLiteral("signInStatus"));
        m_error = new ErrorPanel(this);
        m_az = new AzCommandBox(this);
        layOut();
        connectForm();
        prefill();
        validate();
    }

    void initializePage() override { m_wizard.mode = WorkspaceWizard::Mode::Azure; }
    bool isComplete() const override { return m_wizard.client != nullptr && !m_flow->isBusy(); }
    int nextId() const override { return WorkspacePage::GroupPageId; }

private:
    void buildForm()
    {
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
        m_clientId = new QLineEdit(QString::fromLatin1(azure::kAzureCliClientId), this);
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
    }

    void buildCodeBox()
    {
        constexpr double kCodeFontScale = 1.4;
        m_codeBox = new QGroupBox(t("Your code"), this);
        m_codeBox->setObjectName(QStringLiteral("deviceCodeBox"));
        m_code = readOnlyField(m_codeBox, QStringLiteral("deviceCodeEdit"), t("Enter this code at the sign-in page."));
        QFont codeFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
        codeFont.setPointSizeF(codeFont.pointSizeF() * kCodeFontScale);
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
    }

    void layOut()
    {
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
    }

    void connectForm()
    {
        for (QLineEdit *edit : {m_tenant, m_clientId, m_secret, m_authority})
            connect(edit, &QLineEdit::textChanged, this, [this]() { validate(); });
        connect(m_deviceCode, &QRadioButton::toggled, this, [this](bool deviceCode) {
            // Each method has its usual client: Azure CLI's public one, or the user's application.
            if (deviceCode && m_clientId->text().isEmpty())
                m_clientId->setText(QString::fromLatin1(azure::kAzureCliClientId));
            else if (!deviceCode && m_clientId->text() == QLatin1String(azure::kAzureCliClientId))
                m_clientId->clear();
            validate();
        });
        connect(m_signIn, &QPushButton::clicked, this, [this]() { signIn(); });
        connect(m_cancel, &QPushButton::clicked, m_flow, &azure::SignInWorkflow::cancel);
        connect(m_tenant, &QLineEdit::returnPressed, m_signIn, &QPushButton::click);
        connect(m_secret, &QLineEdit::returnPressed, m_signIn, &QPushButton::click);
    }

    // Who signed in last time with a secret (never the secret).
    void prefill()
    {
        if (!m_wizard.options.rememberSignIn)
            return;
        QSettings settings;
        const azure::SignInProfile profile = azure::loadSignInProfile(settings);
        if (!profile.isValid())
            return;
        m_servicePrincipal->setChecked(true);
        m_tenant->setText(profile.tenantId);
        m_clientId->setText(profile.clientId);
        m_authority->setText(profile.authority.toString());
    }

    bool servicePrincipal() const { return m_servicePrincipal->isChecked(); }

    azure::SignInRequest request() const
    {
        azure::SignInRequest request;
        request.method = servicePrincipal() ? azure::SignInRequest::Method::ClientSecret : azure::SignInRequest::Method::DeviceCode;
        request.tenantId = m_tenant->text().trimmed();
        request.clientId = m_clientId->text().trimmed();
        request.secret = servicePrincipal() ? m_secret->text() : QString();
        request.authority = m_authority->text().trimmed();
        return request;
    }

    bool validate()
    {
        const QString tenant = azure::tenantError(m_tenant->text().trimmed());
        const QString client = azure::clientIdError(m_clientId->text().trimmed());
        const QString secret = servicePrincipal() && m_secret->text().isEmpty() ? t("Enter the client secret.") : QString();
        const QString authority = azure::authorityError(m_authority->text());
        showValidation(m_tenantError, tenant);
        showValidation(m_clientIdError, client);
        showValidation(m_secretError, m_secret->isModified() || !m_secret->text().isEmpty() ? secret : QString());
        showValidation(m_authorityError, authority);
        m_secretLabel->setVisible(servicePrincipal());
        m_secret->setVisible(servicePrincipal());
        const bool valid = tenant.isEmpty() && client.isEmpty() && secret.isEmpty() && authority.isEmpty();
        const bool busy = m_flow->isBusy();
        m_signIn->setEnabled(valid && !busy);
        m_cancel->setEnabled(busy);
        m_az->setCommand(servicePrincipal() ? az::loginServicePrincipal(m_tenant->text(), m_clientId->text())
                                            : az::loginDeviceCode(m_tenant->text()));
        return valid;
    }

    void signIn()
    {
        if (!validate() || m_flow->isBusy())
            return;
        m_wizard.client.reset();
        m_error->clearError();
        m_codeBox->hide();
        m_flow->start(request());
    }

    void showStage()
    {
        const azure::SignInRequest current = request();
        switch (m_flow->stage()) {
        case azure::SignInWorkflow::Stage::Token:
            m_status->setText(servicePrincipal() ? t("Checking the service principal with %1…")
                                                       .arg(azure::SignInWorkflow::cloudFor(current).tokenUrl(current.tenantId).host())
                                                 : t("Asking for a device code…"));
            break;
        case azure::SignInWorkflow::Stage::Keychain:
            m_status->setText(t("Keeping the secret in the keychain…"));
            break;
        default:
            break;
        }
        validate();
        Q_EMIT completeChanged();
    }

    void finished()
    {
        m_codeBox->hide();
        if (const auto &done = m_flow->signedIn()) {
            m_wizard.client = done->client;
            m_wizard.signInTenant = done->profile.tenantId;
            QString note;
            if (servicePrincipal())
                // The credential works either way; without a keychain the secret is kept in
                // memory and the window says once that it will not be remembered.
                note = done->keychainError ? t("The secret is kept for this session only (no keychain); you will be asked "
                                               "for it again next time.")
                                           : t("The secret is in the keychain.");
            m_secret->clear(); // the widget keeps no copy once it is in the keychain
            m_secret->setModified(false); // nothing for the user to fix: no "enter the secret" under it
            m_status->setText(t("Signed in to %1 as %2 in tenant %3. %4")
                                  .arg(done->client->cloud().displayName(), done->profile.clientId, done->profile.tenantId, note)
                                  .trimmed());
            m_wizard.setStatus(m_status->text());
        } else if (m_flow->stage() == azure::SignInWorkflow::Stage::Canceled) {
            m_status->setText(t("Sign-in canceled."));
        } else {
            m_status->setText(t("Sign-in failed."));
            m_error->setError(m_flow->error());
        }
        validate();
        Q_EMIT completeChanged();
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

    WorkspaceWizard &m_wizard;
    azure::SignInWorkflow *m_flow;
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
};

} // namespace

QWizardPage *newSignInPage(WorkspaceWizard &wizard)
{
    return new SignInPage(wizard);
}

} // namespace cerulean::ui
