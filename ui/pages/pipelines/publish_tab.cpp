#include "ui/pages/pipelines/publish_tab.h"

#include "core/azure/cloud.h"
#include "core/azure/pipeline_spec.h"
#include "ui/pages/pipelines/pipeline_selection.h"
#include "ui/pages/pipelines/pipeline_widgets.h"
#include "ui/session.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace cerulean::ui {

namespace {

constexpr int kCurlHeight = 110;

} // namespace

using namespace pipelines;

PublishTab::PublishTab(PipelineSelection &selection, QWidget *parent)
    : QWidget(parent)
    , m_selection(selection)
    , m_publishScope(this)
    , m_triggerScope(this)
{
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    auto *form = new QFormLayout;
    auto *publishRow = new QHBoxLayout;
    m_endpointName = lineEdit(QStringLiteral("endpointName"), {}, content, tr("pipeline endpoint name"));
    m_publish = button(QStringLiteral("publish"), tr("Publish selected pipeline"), content);
    m_publish->setEnabled(false);
    publishRow->addWidget(m_endpointName, 1);
    publishRow->addWidget(m_publish);
    form->addRow(tr("Endpoint"), publishRow);
    m_triggerUrlEdit = lineEdit(QStringLiteral("triggerUrl"), {}, content);
    m_triggerUrlEdit->setReadOnly(true);
    form->addRow(tr("Trigger URL"), m_triggerUrlEdit);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Call it from a shell: put an access token for the workspace in $TOKEN with"), content));
    m_tokenCommand = lineEdit(QStringLiteral("tokenCommand"), {}, content);
    m_tokenCommand->setReadOnly(true);
    // The local workspace's command needs its principal's secret in the keychain: put there
    // only when asked, so that opening the workspace never touches the keychain.
    m_shareSignIn = button(QStringLiteral("shareSignIn"), tr("Let the command line sign in"), content);
    m_shareSignIn->setToolTip(tr("Put this workspace's sign-in secret in the keychain, where the command reads it."));
    m_shareSignIn->hide();
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_tokenCommand, 1);
    tokenRow->addWidget(m_shareSignIn);
    layout->addLayout(tokenRow);
    layout->addWidget(new QLabel(tr("then run:"), content));
    m_curl = new QPlainTextEdit(content);
    m_curl->setObjectName(QStringLiteral("curl"));
    m_curl->setReadOnly(true);
    m_curl->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_curl->setMaximumHeight(kCurlHeight);
    layout->addWidget(m_curl);
    auto *triggerForm = new QFormLayout;
    m_triggerExperiment = lineEdit(QStringLiteral("triggerExperiment"), QStringLiteral("triggered"), content);
    m_triggerValues = lineEdit(QStringLiteral("triggerParameters"), {}, content, tr("name=value, … (defaults when empty)"));
    m_trigger = button(QStringLiteral("trigger"), tr("Trigger now"), content);
    m_trigger->setEnabled(false);
    triggerForm->addRow(tr("Experiment"), m_triggerExperiment);
    triggerForm->addRow(tr("Parameters"), m_triggerValues);
    auto *triggerRow = new QHBoxLayout;
    triggerRow->addStretch();
    triggerRow->addWidget(m_trigger);
    triggerForm->addRow(QString(), triggerRow);
    layout->addLayout(triggerForm);
    layout->addStretch();
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scrolling(content, this));

    connect(m_shareSignIn, &QPushButton::clicked, this, [this] {
        if (!m_commandLineSignIn)
            return;
        m_shareSignIn->setEnabled(false);
        m_commandLineSignIn(this, [this](azure::Result<azure::Empty> shared) {
            m_shareSignIn->setEnabled(true);
            if (shared)
                m_selection.showMessage(tr("The command line can sign in to this workspace: its secret is in the keychain."));
            else
                m_selection.showError(tr("Let the command line sign in"), shared.error());
        });
    });
    connect(m_publish, &QPushButton::clicked, this, &PublishTab::publish);
    connect(m_trigger, &QPushButton::clicked, this, &PublishTab::trigger);
    connect(&m_selection, &PipelineSelection::connectionChanged, this, &PublishTab::startOver);
    connect(&m_selection, &PipelineSelection::jobSelected, this, &PublishTab::jobSelected);
}

void PublishTab::setCommandLineSignIn(CommandLineSignIn share)
{
    m_commandLineSignIn = std::move(share);
    showShareSignIn();
}

void PublishTab::showShareSignIn()
{
    m_shareSignIn->setVisible(m_commandLineSignIn && m_selection.session().connection() == Session::Connection::Local);
}

void PublishTab::startOver()
{
    showShareSignIn();
    m_publishScope.end();
    m_triggerScope.end();
    m_triggerUrl.clear();
    m_triggerUrlEdit->clear();
    m_curl->clear();
    m_tokenCommand->clear();
    m_trigger->setEnabled(false);
    jobSelected(m_selection.job());
}

void PublishTab::jobSelected(const QString &job)
{
    m_publish->setEnabled(!job.isEmpty());
    // A name of the user's own stays; the suggestion follows the selection.
    if (!m_endpointName->isModified())
        m_endpointName->setText(job.isEmpty() ? QString() : job + QStringLiteral("-endpoint"));
}

void PublishTab::publish()
{
    const auto ops = m_selection.operationsOrSay();
    const QString job = m_selection.job();
    if (!ops || job.isEmpty())
        return;
    const QString endpoint = m_endpointName->text().trimmed();
    if (endpoint.isEmpty()) {
        m_selection.showInputError(azure::AzureError::invalidInput(tr("Endpoint: a name is required.")));
        return;
    }
    m_publish->setEnabled(false);
    ops->publish({endpoint, job, tr("Published from the Pipelines step")}, m_publishScope.begin(),
                 [this, endpoint](azure::Result<azure::PipelineEndpoint> published) {
                     m_publish->setEnabled(!m_selection.job().isEmpty());
                     if (!published) {
                         m_selection.showError(tr("Could not publish %1").arg(endpoint), published.error());
                         return;
                     }
                     m_triggerUrl = published->url;
                     QStringList defaults;
                     for (auto it = published->parameters.begin(); it != published->parameters.end(); ++it)
                         defaults << it.key() + QLatin1Char('=') + it.value();
                     const auto parameters = azure::parameterAssignments(defaults);
                     m_triggerValues->setText(parameters ? azure::parameterAssignmentsText(parameters.value()) : QString());
                     showTrigger(m_triggerExperiment->text().trimmed(), parameters ? parameters.value() : QJsonObject());
                     m_selection.showMessage(tr("Published %1 (version %2).").arg(endpoint).arg(published->version));
                 });
}

void PublishTab::trigger()
{
    const auto ops = m_selection.operationsOrSay();
    if (!ops || m_triggerUrl.isEmpty())
        return;
    const auto assignments = azure::parameterAssignments(m_triggerValues->text());
    if (!assignments) {
        m_selection.showInputError(assignments.error());
        return;
    }
    const QString experiment = m_triggerExperiment->text().trimmed();
    if (experiment.isEmpty()) {
        m_selection.showInputError(azure::AzureError::invalidInput(tr("Experiment: a name is required to trigger a run.")));
        return;
    }
    showTrigger(experiment, assignments.value());
    m_trigger->setEnabled(false);
    // The published URL, called the way any REST client calls it.
    ops->trigger(m_triggerUrl, azure::submissionOf(experiment, assignments.value()), m_triggerScope.begin(),
                 [this](azure::Result<azure::PipelineRunStarted> run) {
                     m_trigger->setEnabled(true);
                     if (!run) {
                         m_selection.showError(tr("Could not trigger the pipeline"), run.error());
                         return;
                     }
                     m_selection.started(run->runId, tr("Triggered"));
                 });
}

// The trigger URL, the token command and the curl call for an experiment and its values.
void PublishTab::showTrigger(const QString &experiment, const QJsonObject &parameters)
{
    const Session &session = m_selection.session();
    setFieldText(m_triggerUrlEdit, m_triggerUrl.toString());
    setFieldText(m_tokenCommand, session.cloud() ? azure::tokenCommand(*session.cloud(), session.localRoot()) : QString());
    m_curl->setPlainText(azure::triggerCurlCommand(m_triggerUrl, azure::submissionOf(experiment, parameters)));
    m_trigger->setEnabled(!m_triggerUrl.isEmpty());
}

} // namespace cerulean::ui
