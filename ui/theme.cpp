#include "ui/theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace cerulean::ui {

namespace {

QPalette darkPalette()
{
    const QColor window(0x2b, 0x2d, 0x31);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor disabledText(0x80, 0x80, 0x80);
    const QColor accent(0x2a, 0x9d, 0xf4);

    QPalette palette;
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, window);
    palette.setColor(QPalette::ToolTipBase, base);
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, disabledText);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, window);
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::BrightText, Qt::red);
    palette.setColor(QPalette::Link, accent);
    palette.setColor(QPalette::Highlight, accent);
    palette.setColor(QPalette::HighlightedText, Qt::black);
    palette.setColor(QPalette::Disabled, QPalette::Text, disabledText);
    palette.setColor(QPalette::Disabled, QPalette::ButtonText, disabledText);
    palette.setColor(QPalette::Disabled, QPalette::WindowText, disabledText);
    return palette;
}

double relativeLuminance(const QColor &color)
{
    const auto channel = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF());
}

} // namespace

double contrastRatio(const QColor &a, const QColor &b)
{
    const double la = relativeLuminance(a), lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor errorTextColor(const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Window).lightnessF() < 0.5;
    return dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb3, 0x26, 0x1e);
}

StatusTone statusTone(const QString &status)
{
    const QString s = status.section(QLatin1Char(' '), 0, 0); // "Completed (reused)" is Completed
    const auto is = [&s](std::initializer_list<const char *> names) {
        return std::any_of(names.begin(), names.end(), [&s](const char *name) { return s == QLatin1String(name); });
    };
    if (is({"Completed", "Succeeded", "Started", "enabled"}))
        return StatusTone::Done;
    if (is({"Failed", "NotResponding"}))
        return StatusTone::Failed;
    if (is({"Running", "Finalizing", "Starting", "Preparing", "Provisioning", "Queued", "NotStarted", "CancelRequested"}))
        return StatusTone::Active;
    return StatusTone::Inactive; // Canceled, Skipped, disabled, Paused, unknown
}

QColor statusTextColor(StatusTone tone, const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Base).lightnessF() < 0.5;
    switch (tone) {
    case StatusTone::Done:
        return dark ? QColor(0x7e, 0xd3, 0x96) : QColor(0x1b, 0x6e, 0x35);
    case StatusTone::Failed:
        return errorTextColor(palette);
    case StatusTone::Active:
        return dark ? QColor(0x8a, 0xb4, 0xf8) : QColor(0x1a, 0x56, 0xa8);
    case StatusTone::Inactive:
        break;
    }
    return dark ? QColor(0xa8, 0xa8, 0xa8) : QColor(0x5f, 0x5f, 0x5f);
}

QString errorTextStyleSheet()
{
    return QStringLiteral("color: %1;").arg(errorTextColor(QApplication::palette()).name());
}

void applyAppearance(QApplication &app, Appearance appearance)
{
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    switch (appearance) {
    case Appearance::Dark:
        app.setPalette(darkPalette());
        break;
    case Appearance::Light:
    case Appearance::System:
        app.setPalette(QApplication::style()->standardPalette());
        break;
    }
}

} // namespace cerulean::ui
