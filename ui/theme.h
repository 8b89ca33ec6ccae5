#pragma once

#include "ui/app_settings.h"

class QApplication;

namespace cerulean::ui {

// Applies the Fusion style with a light, dark or the platform's palette.
void applyAppearance(QApplication &app, Appearance appearance);

} // namespace cerulean::ui
