#include "ui/pages/pipelines/pipeline_graph_view.h"

#include "ui/models/pipeline_table_model.h"
#include "ui/theme.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

namespace cerulean::ui {

namespace {

// Graph geometry (pixels): node size and the gaps between columns and rows.
constexpr int kNodeWidth = 180;
constexpr int kNodeHeight = 46;
constexpr int kColumnGap = 60;
constexpr int kRowGap = 18;
constexpr int kMargin = 12;

} // namespace

PipelineGraphView::PipelineGraphView(PipelineTableModel *steps, QWidget *parent)
    : QWidget(parent)
    , m_steps(steps)
{
    setObjectName(QStringLiteral("graphView"));
    // The statuses come from the steps model; the view keeps no copy of them.
    connect(m_steps, &QAbstractItemModel::modelReset, this, qOverload<>(&QWidget::update));
    connect(m_steps, &QAbstractItemModel::dataChanged, this, qOverload<>(&QWidget::update));
}

void PipelineGraphView::setJob(const QJsonObject &job)
{
    m_graph = pipelineGraph(job);
    updateGeometry();
    update();
}

void PipelineGraphView::setSelectedStep(const QString &step)
{
    m_selected = step;
    update();
}

QString PipelineGraphView::statusOf(int node) const
{
    if (node < 0 || node >= m_graph.nodes.size())
        return {};
    const PipelineGraph::Node &n = m_graph.nodes[node];
    if (n.kind == PipelineGraph::Kind::Step) {
        const int row = m_steps->find(n.name);
        return row < 0 ? QString() : m_steps->cell(row, 2);
    }
    if (n.kind == PipelineGraph::Kind::Register)
        for (const auto &[from, to] : m_graph.edges)
            if (to == node)
                return statusOf(from);
    return {};
}

QRect PipelineGraphView::nodeRect(int node) const
{
    const PipelineGraph::Node &n = m_graph.nodes[node];
    return QRect(kMargin + n.layer * (kNodeWidth + kColumnGap), kMargin + n.row * (kNodeHeight + kRowGap), kNodeWidth, kNodeHeight);
}

QSize PipelineGraphView::sizeHint() const
{
    int rows = 1;
    for (const PipelineGraph::Node &n : m_graph.nodes)
        rows = std::max(rows, n.row + 1);
    return QSize(2 * kMargin + std::max(1, m_graph.layers) * (kNodeWidth + kColumnGap) - kColumnGap,
                 2 * kMargin + rows * (kNodeHeight + kRowGap) - kRowGap);
}

void PipelineGraphView::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    if (m_graph.nodes.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("Select a pipeline job to see its steps."));
        return;
    }
    painter.setPen(QPen(palette().color(QPalette::Mid), 1.5));
    for (const auto &[from, to] : m_graph.edges) {
        const QRect a = nodeRect(from);
        const QRect b = nodeRect(to);
        const QPointF start(a.right(), a.center().y());
        const QPointF end(b.left(), b.center().y());
        QPainterPath path(start);
        const qreal bend = (end.x() - start.x()) / 2;
        path.cubicTo(start + QPointF(bend, 0), end - QPointF(bend, 0), end);
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        painter.setBrush(palette().color(QPalette::Mid));
        painter.drawPolygon(QPolygonF({end, end + QPointF(-7, -4), end + QPointF(-7, 4)}));
    }
    for (int i = 0; i < m_graph.nodes.size(); ++i) {
        const PipelineGraph::Node &n = m_graph.nodes[i];
        const QRect r = nodeRect(i);
        const QString status = statusOf(i);
        // The colours the tables use for the same statuses, chosen for the palette.
        const QColor colour = statusTextColor(n.kind == PipelineGraph::Kind::Input ? StatusTone::Inactive : statusTone(status),
                                              palette());
        QColor fill = colour;
        fill.setAlpha(40); // a tint over the base colour keeps the text readable
        painter.setBrush(fill);
        const bool selected = n.kind == PipelineGraph::Kind::Step && n.name == m_selected;
        painter.setPen(QPen(colour, selected ? 3.0 : 1.5));
        const qreal radius = n.kind == PipelineGraph::Kind::Step ? 6 : 16;
        painter.drawRoundedRect(r, radius, radius);
        painter.fillRect(QRect(r.left() + 1, r.top() + 4, 5, r.height() - 8), colour);
        painter.setPen(palette().color(QPalette::Text));
        QFont bold = font();
        bold.setBold(true);
        painter.setFont(bold);
        const QRect text = r.adjusted(10, 3, -4, -3);
        painter.drawText(text, Qt::AlignLeft | Qt::AlignTop, painter.fontMetrics().elidedText(n.name, Qt::ElideRight, text.width()));
        painter.setFont(font());
        const QString second = n.kind == PipelineGraph::Kind::Input ? tr("input · %1").arg(n.detail)
                               : status.isEmpty()                   ? n.detail
                                                                    : QStringLiteral("%1 · %2").arg(n.detail, status);
        painter.drawText(text, Qt::AlignLeft | Qt::AlignBottom, painter.fontMetrics().elidedText(second, Qt::ElideRight, text.width()));
    }
}

void PipelineGraphView::mousePressEvent(QMouseEvent *event)
{
    for (int i = 0; i < m_graph.nodes.size(); ++i)
        if (m_graph.nodes[i].kind == PipelineGraph::Kind::Step && nodeRect(i).contains(event->position().toPoint())) {
            setSelectedStep(m_graph.nodes[i].name);
            Q_EMIT stepClicked(m_graph.nodes[i].name);
            return;
        }
    QWidget::mousePressEvent(event);
}

} // namespace cerulean::ui
