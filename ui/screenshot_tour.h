#pragma once

#include <QString>
#include <QStringList>

class QWidget;

namespace cerulean::ui {

class MainWindow;

// Walks every page of the window and writes one PNG per page (and the Settings and About
// dialogs) into a folder, for the README and for looking at the GUI without a display.
class ScreenshotTour final
{
public:
    explicit ScreenshotTour(MainWindow &window);

    // Returns the files written; on failure, an empty list and errorString() says why.
    QStringList run(const QString &directory);
    QString errorString() const { return m_error; }
    // After run(): the first stage of the flow that did not complete ("the deployment", …),
    // empty when every page was shot in the state the flow leaves it in.
    QString incompleteStage() const { return m_incomplete; }

private:
    bool save(QWidget &widget, const QString &path);

    MainWindow &m_window;
    QString m_error;
    QString m_incomplete;
};

} // namespace cerulean::ui
