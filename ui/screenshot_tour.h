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

private:
    bool save(QWidget &widget, const QString &path);

    MainWindow &m_window;
    QString m_error;
};

} // namespace cerulean::ui
