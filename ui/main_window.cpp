#include "ui/main_window.h"

namespace cerulean::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("Cerulean"));
}

} // namespace cerulean::ui
