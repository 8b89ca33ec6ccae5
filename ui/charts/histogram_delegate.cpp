#include "ui/charts/histogram_delegate.h"

#include <QApplication>
#include <QPainter>

#include <algorithm>

namespace cerulean::ui {

namespace {

constexpr int kMargin = 3;
constexpr QSize kPreferredSize{120, 26};

} // namespace

HistogramDelegate::HistogramDelegate(int role, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_role(role)
{
}

void HistogramDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyledItemDelegate::paint(painter, option, index);
    const QVariantList bars = index.data(m_role).toList();
    if (bars.isEmpty())
        return;
    qulonglong highest = 0;
    for (const QVariant &bar : bars)
        highest = std::max(highest, bar.toULongLong());
    if (highest == 0)
        return;
    const QRectF area = QRectF(option.rect).adjusted(kMargin, kMargin, -kMargin, -kMargin);
    const double width = area.width() / double(bars.size());
    const QColor color = (option.state & QStyle::State_Selected) ? option.palette.highlightedText().color()
                                                                 : option.palette.highlight().color();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    for (int i = 0; i < bars.size(); ++i) {
        const double height = area.height() * double(bars.at(i).toULongLong()) / double(highest);
        // Leave a hairline between bars so neighbouring bins stay distinguishable.
        painter->drawRect(QRectF(area.left() + i * width, area.bottom() - height, std::max(1.0, width - 1.0), height));
    }
    painter->restore();
}

QSize HistogramDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    return QStyledItemDelegate::sizeHint(option, index).expandedTo(kPreferredSize);
}

} // namespace cerulean::ui
