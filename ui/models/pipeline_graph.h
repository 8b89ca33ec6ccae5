#pragma once

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

namespace cerulean::ui {

// The shape of a pipeline job as a graph: its data inputs, its steps, and the models it
// registers, with an edge wherever one feeds the next (a step's "${{parent.inputs.X}}" or
// "${{parent.jobs.S.outputs…}}" binding, a step output bound to a registered model output).
struct PipelineGraph
{
    enum class Kind { Input, Step, Register };
    struct Node
    {
        Kind kind = Kind::Step;
        QString name;   // input, step or output name
        QString detail; // "uri_file", "automl", "model bank:3"
        int layer = 0;  // column, from the inputs on the left
        int row = 0;    // position within its column
    };
    QList<Node> nodes;
    QList<QPair<int, int>> edges; // from node index -> to node index
    int layers = 0;

    int find(Kind kind, const QString &name) const;
};

PipelineGraph pipelineGraph(const QJsonObject &job);

} // namespace cerulean::ui
