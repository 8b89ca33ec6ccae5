#pragma once

#include "ui/app_settings.h"

#include <QColor>
#include <QString>

class QApplication;
class QPalette;

namespace cerulean::ui {

// Applies the Fusion style with a light, dark or the platform's palette.
void applyAppearance(QApplication &app, Appearance appearance);

// The red of error and validation text, dark on a light window and light on a dark one, so
// that it reads (WCAG AA, contrast >= 4.5) on either.
QColor errorTextColor(const QPalette &palette);
// "color: #rrggbb;" with errorTextColor of the application's palette, for a label's style sheet.
QString errorTextStyleSheet();

// WCAG 2 contrast ratio of two colours (1 to 21).
double contrastRatio(const QColor &a, const QColor &b);

} // namespace cerulean::ui
