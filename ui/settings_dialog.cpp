#include "ui/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace cerulean::ui {

SettingsDialog::SettingsDialog(const AppSettings &settings, QWidget *parent)
    : QDialog(parent)
    , m_initial(settings)
{
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));

    m_appearance = new QComboBox(this);
    m_appearance->addItem(tr("Follow the system"), int(Appearance::System));
    m_appearance->addItem(tr("Light"), int(Appearance::Light));
    m_appearance->addItem(tr("Dark"), int(Appearance::Dark));
    m_appearance->setCurrentIndex(m_appearance->findData(int(settings.appearance)));

    m_localRoot = new QLineEdit(settings.localWorkspaceRoot, this);
    m_localRoot->setPlaceholderText(AppSettings::defaultLocalWorkspaceRoot());
    m_localRoot->setToolTip(tr("Where the local workspace keeps its database, data, models and logs. "
                               "Leave empty for the default."));
    auto *browse = new QPushButton(tr("&Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &SettingsDialog::chooseLocalRoot);
    auto *rootRow = new QHBoxLayout;
    rootRow->addWidget(m_localRoot, 1);
    rootRow->addWidget(browse);

    m_openLocal = new QCheckBox(tr("Open the local workspace when Cerulean starts"), this);
    m_openLocal->setChecked(settings.openLocalAtStartup);

    m_exitCriterion = new QSpinBox(this);
    m_exitCriterion->setRange(1, 24 * 60);
    m_exitCriterion->setSuffix(tr(" min"));
    m_exitCriterion->setValue(int(settings.defaultExitCriterion.count()));
    m_exitCriterion->setToolTip(tr("The training time an AutoML job starts with (its exit criterion)."));

    m_maxConcurrent = new QSpinBox(this);
    m_maxConcurrent->setRange(1, 64);
    m_maxConcurrent->setValue(settings.defaultMaxConcurrentTrials);
    m_maxConcurrent->setToolTip(tr("How many trials an AutoML job runs at the same time by default."));

    m_requestTimeout = new QSpinBox(this);
    m_requestTimeout->setRange(5, 600);
    m_requestTimeout->setSuffix(tr(" s"));
    m_requestTimeout->setValue(int(settings.requestTimeout.count()));
    m_requestTimeout->setToolTip(tr("How long one try of a request to Azure may take before it is retried."));

    auto *form = new QFormLayout;
    form->addRow(tr("&Appearance:"), m_appearance);
    form->addRow(tr("Local workspace &folder:"), rootRow);
    form->addRow(QString(), m_openLocal);
    form->addRow(tr("Default &exit criterion:"), m_exitCriterion);
    form->addRow(tr("Default &concurrent trials:"), m_maxConcurrent);
    form->addRow(tr("Request &timeout:"), m_requestTimeout);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel
                                             | QDialogButtonBox::RestoreDefaults,
                                         this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this, [this] {
        const AppSettings defaults;
        m_appearance->setCurrentIndex(m_appearance->findData(int(defaults.appearance)));
        m_localRoot->clear();
        m_openLocal->setChecked(defaults.openLocalAtStartup);
        m_exitCriterion->setValue(int(defaults.defaultExitCriterion.count()));
        m_maxConcurrent->setValue(defaults.defaultMaxConcurrentTrials);
        m_requestTimeout->setValue(int(defaults.requestTimeout.count()));
    });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings result = m_initial;
    result.appearance = static_cast<Appearance>(m_appearance->currentData().toInt());
    result.localWorkspaceRoot = m_localRoot->text().trimmed();
    result.openLocalAtStartup = m_openLocal->isChecked();
    result.defaultExitCriterion = std::chrono::minutes(m_exitCriterion->value());
    result.defaultMaxConcurrentTrials = m_maxConcurrent->value();
    result.requestTimeout = std::chrono::seconds(m_requestTimeout->value());
    return result;
}

void SettingsDialog::chooseLocalRoot()
{
    const QString start = m_localRoot->text().isEmpty() ? AppSettings::defaultLocalWorkspaceRoot() : m_localRoot->text();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Local workspace folder"), start);
    if (!folder.isEmpty())
        m_localRoot->setText(folder);
}

} // namespace cerulean::ui
