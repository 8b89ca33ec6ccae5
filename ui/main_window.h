#pragma once

#include "ui/app_settings.h"
#include "ui/step.h"

#include <QMainWindow>

#include <map>

class QAction;
class QLabel;
class QListWidget;
class QStackedWidget;

namespace cerulean::ui {

// The workbench window: a navigation list of the flow's steps beside the page stack, a
// status bar saying what Cerulean is connected to (and, once, that secrets are not
// remembered when the keychain is not available), and the Settings and About dialogs.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

    // Puts a page in place of a step's pending page and makes the step reachable.
    void setPage(Step step, QWidget *page);
    QWidget *page(Step step) const;
    bool isReachable(Step step) const;

    Step currentStep() const;
    void showStep(Step step);

    // "Local workspace", "Azure: subscription / group / workspace" or "Not connected".
    void setConnectionText(const QString &text);
    QString connectionText() const;
    // The status bar's note that secrets are kept for this session only ("" while the
    // keychain works).
    QString keychainNotice() const;

    void openSettings();
    void openAbout();

Q_SIGNALS:
    void settingsChanged(const cerulean::ui::AppSettings &settings);

private:
    void buildMenus();
    void showKeychainNotice();
    int indexOf(Step step) const;

    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLabel *m_connection = nullptr;
    QLabel *m_keychainNotice = nullptr;
    std::map<Step, QWidget *> m_pageByStep;
    std::map<Step, QAction *> m_stepActions;
};

} // namespace cerulean::ui
