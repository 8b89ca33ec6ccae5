#pragma once

#include "ui/step.h"

#include <QWidget>

namespace cerulean::ui {

// Stands in for a step this build does not have yet: says what the step will do and
// shows no data.
class PendingPage final : public QWidget
{
    Q_OBJECT

public:
    explicit PendingPage(Step step, QWidget *parent = nullptr);
};

} // namespace cerulean::ui
