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

// How a job, step or schedule status reads: done, failed, active (running, queued), or
// inactive (canceled, skipped, disabled, unknown).
enum class StatusTone
{
    Done,
    Failed,
    Active,
    Inactive,
};
// The tone of an Azure ML status ("Completed", "Failed", "Running", "Completed (reused)" …)
// or a schedule's "enabled"/"disabled".
StatusTone statusTone(const QString &status);
// The tone's text colour for the palette: dark on a light base, light on a dark one, each
// with contrast >= 4.5 against the palette's Base and Window (WCAG AA).
QColor statusTextColor(StatusTone tone, const QPalette &palette);

// WCAG 2 contrast ratio of two colours (1 to 21).
double contrastRatio(const QColor &a, const QColor &b);

} // namespace cerulean::ui
