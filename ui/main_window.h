#pragma once

#include <QMainWindow>

namespace cerulean::ui {

// The workbench window: a navigation list of the flow's steps beside the page stack.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
};

} // namespace cerulean::ui
