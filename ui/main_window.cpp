#include "ui/main_window.h"

#include "core/azure/secret_store.h"
#include "ui/about_dialog.h"
#include "ui/pages/pending_page.h"
#include "ui/settings_dialog.h"

#include <QAction>
#include <QApplication>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QSettings>
#include <QFrame>
#include <QHBoxLayout>
#include <QStackedWidget>
#include <QStatusBar>

// The icon is compiled into the static ui library, whose resource initializer the linker drops
// unless something calls it (Q_INIT_RESOURCE works only outside a namespace).
static void initUiResources()
{
    Q_INIT_RESOURCE(resources);
}

namespace cerulean::ui {

namespace {

constexpr int kNavigationWidth = 190;
// Fits a 1366×768 screen with room for the panel and window decorations.
constexpr QSize kDefaultSize{1280, 720};
constexpr int kStepRole = Qt::UserRole + 1;

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    initUiResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(QStringLiteral("Cerulean"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/cerulean.svg")));
    resize(kDefaultSize);

    m_navigation = new QListWidget(this);
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setFixedWidth(kNavigationWidth);
    m_navigation->setAccessibleName(tr("Steps"));
    m_pages = new QStackedWidget(this);
    m_pages->setObjectName(QStringLiteral("pages"));

    int number = 1;
    for (Step step : allSteps) {
        const StepInfo info = stepInfo(step);
        auto *item = new QListWidgetItem(QStringLiteral("%1  %2").arg(number++).arg(QString(info.title).replace(QStringLiteral("&&"), QStringLiteral("&"))),
                                         m_navigation);
        item->setData(kStepRole, int(step));
        auto *pending = new PendingPage(step, m_pages);
        m_pages->addWidget(pending);
        m_pageByStep[step] = pending;
        // Not reachable until a page fills it; the tooltip says what it will do.
        item->setFlags(item->flags() & ~(Qt::ItemIsEnabled | Qt::ItemIsSelectable));
        item->setToolTip(info.summary);
    }
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    m_navigation->setSpacing(3);
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->setAutoFillBackground(true);
    m_navigation->setBackgroundRole(QPalette::Base);
    auto *central = new QWidget(this);
    auto *row = new QHBoxLayout(central);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(0);
    row->addWidget(m_navigation);
    row->addWidget(m_pages, 1);
    setCentralWidget(central);

    m_connection = new QLabel(tr("Not connected"), this);
    m_connection->setObjectName(QStringLiteral("connectionStatus"));
    statusBar()->addPermanentWidget(m_connection);

    m_keychainNotice = new QLabel(this);
    m_keychainNotice->setObjectName(QStringLiteral("keychainNotice"));
    m_keychainNotice->hide();
    statusBar()->addWidget(m_keychainNotice, 1);
    // Every flow goes on without a keychain; the user learns once that secrets are not kept.
    const azure::KeychainStatus &keychain = azure::KeychainStatus::instance();
    connect(&keychain, &azure::KeychainStatus::becameUnavailable, this, &MainWindow::showKeychainNotice);
    if (!keychain.isAvailable())
        showKeychainNotice();

    buildMenus();
}

void MainWindow::showKeychainNotice()
{
    const azure::KeychainStatus &keychain = azure::KeychainStatus::instance();
    m_keychainNotice->setText(QStringLiteral("\u26A0 ") + tr("Secrets are kept for this session only: the keychain is not available. "
                                                             "To remember them, run GNOME Keyring or KWallet and unlock it."));
    m_keychainNotice->setToolTip(tr("Keys and client secrets stay in memory until Cerulean closes; none is written to a file. "
                                    "The keychain said: %1")
                                     .arg(keychain.reason()));
    m_keychainNotice->setAccessibleName(m_keychainNotice->text());
    m_keychainNotice->show();
}

QString MainWindow::keychainNotice() const
{
    return m_keychainNotice->isVisibleTo(this) ? m_keychainNotice->text() : QString();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *settings = file->addAction(tr("&Settings…"), this, &MainWindow::openSettings);
    settings->setShortcut(QKeySequence::Preferences);
    settings->setObjectName(QStringLiteral("actionSettings"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *go = menuBar()->addMenu(tr("&Go"));
    int number = 1;
    for (Step step : allSteps) {
        QAction *action = go->addAction(QString(stepInfo(step).title).replace(QStringLiteral("&&"), QStringLiteral("&")),
                                        this, [this, step] { showStep(step); });
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_0 + number++)));
        action->setEnabled(isReachable(step));
        m_stepActions[step] = action;
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Cerulean"), this, &MainWindow::openAbout);
    about->setObjectName(QStringLiteral("actionAbout"));
}

int MainWindow::indexOf(Step step) const
{
    for (int row = 0; row < m_navigation->count(); ++row) {
        if (m_navigation->item(row)->data(kStepRole).toInt() == int(step))
            return row;
    }
    return -1;
}

void MainWindow::setPage(Step step, QWidget *page)
{
    const int row = indexOf(step);
    QWidget *old = m_pageByStep[step];
    m_pages->insertWidget(row, page);
    m_pages->removeWidget(old);
    old->deleteLater();
    m_pageByStep[step] = page;
    QListWidgetItem *item = m_navigation->item(row);
    item->setFlags(item->flags() | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (QAction *action = m_stepActions[step])
        action->setEnabled(true);
    if (m_navigation->currentRow() < 0)
        m_navigation->setCurrentRow(row);
}

QWidget *MainWindow::page(Step step) const
{
    return m_pageByStep.at(step);
}

bool MainWindow::isReachable(Step step) const
{
    const int row = indexOf(step);
    return row >= 0 && (m_navigation->item(row)->flags() & Qt::ItemIsEnabled);
}

Step MainWindow::currentStep() const
{
    return allSteps.at(size_t(std::max(0, m_pages->currentIndex())));
}

void MainWindow::showStep(Step step)
{
    const int row = indexOf(step);
    if (isReachable(step))
        m_navigation->setCurrentRow(row);
    // The pending page is still shown, so the user reads what the step will do.
    m_pages->setCurrentIndex(row);
}

void MainWindow::setConnectionText(const QString &text)
{
    m_connection->setText(text);
}

QString MainWindow::connectionText() const
{
    return m_connection->text();
}

void MainWindow::openSettings()
{
    QSettings store;
    SettingsDialog dialog(AppSettings::load(store), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const AppSettings settings = dialog.settings();
    settings.save(store);
    Q_EMIT settingsChanged(settings);
}

void MainWindow::openAbout()
{
    AboutDialog dialog(this);
    dialog.exec();
}

} // namespace cerulean::ui
