#pragma once

#include "ui/models/pipeline_graph.h"

#include <QWidget>

namespace cerulean::ui {

class PipelineTableModel;

// The steps of a pipeline run as a graph: data inputs, steps and registered models, left to
// right along their bindings, each node tinted by its step's status from the steps model.
// Clicking a step node reports it.
class PipelineGraphView final : public QWidget
{
    Q_OBJECT

public:
    explicit PipelineGraphView(PipelineTableModel *steps, QWidget *parent = nullptr);

    void setJob(const QJsonObject &job);
    const PipelineGraph &graph() const { return m_graph; }
    // The status shown on a node ("" for inputs; a registered model has its producer's).
    QString statusOf(int node) const;
    QRect nodeRect(int node) const;
    QString selectedStep() const { return m_selected; }
    void setSelectedStep(const QString &step);
    QSize sizeHint() const override;
    // The whole graph: in its scroll area a narrow window scrolls to the nodes on the right
    // rather than cutting them off.
    QSize minimumSizeHint() const override { return sizeHint(); }

Q_SIGNALS:
    void stepClicked(const QString &step);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    PipelineTableModel *m_steps;
    PipelineGraph m_graph;
    QString m_selected;
};

} // namespace cerulean::ui
