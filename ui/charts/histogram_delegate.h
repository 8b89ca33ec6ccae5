#pragma once

#include <QStyledItemDelegate>

namespace cerulean::ui {

// Draws a cell's bars (a QVariantList of counts under `role`) as a small histogram; the
// data stays in the model.
class HistogramDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit HistogramDelegate(int role, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_role;
};

} // namespace cerulean::ui
