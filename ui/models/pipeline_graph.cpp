#include "ui/models/pipeline_graph.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace cerulean::ui {

namespace {

QString key(const char *text) { return QString::fromLatin1(text); }

// Every string anywhere inside a step (its inputs, command, training_data, outputs).
void strings(const QJsonValue &value, QStringList &out)
{
    if (value.isString()) {
        out << value.toString();
    } else if (value.isObject()) {
        const QJsonObject o = value.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            strings(it.value(), out);
    } else if (value.isArray()) {
        for (const QJsonValue v : value.toArray())
            strings(v, out);
    }
}

} // namespace

int PipelineGraph::find(Kind kind, const QString &name) const
{
    for (int i = 0; i < nodes.size(); ++i)
        if (nodes[i].kind == kind && nodes[i].name == name)
            return i;
    return -1;
}

PipelineGraph pipelineGraph(const QJsonObject &job)
{
    static const QRegularExpression parentInput(QStringLiteral("\\$\\{\\{\\s*parent\\.inputs\\.([A-Za-z0-9_]+)\\s*\\}\\}"));
    static const QRegularExpression parentJob(QStringLiteral("\\$\\{\\{\\s*parent\\.jobs\\.([A-Za-z0-9_]+)\\.outputs"));
    static const QRegularExpression parentOutput(QStringLiteral("\\$\\{\\{\\s*parent\\.outputs\\.([A-Za-z0-9_]+)\\s*\\}\\}"));
    PipelineGraph g;
    const QJsonObject p = job.value(key("properties")).toObject();
    const QJsonObject inputs = p.value(key("inputs")).toObject();
    const QJsonObject steps = p.value(key("jobs")).toObject();
    const QJsonObject outputs = p.value(key("outputs")).toObject();

    // Data inputs (literals are parameters, shown with the run, not as nodes).
    for (auto it = inputs.begin(); it != inputs.end(); ++it) {
        const QString type = it.value().toObject().value(key("jobInputType")).toString();
        if (type != QLatin1String("literal"))
            g.nodes.append({PipelineGraph::Kind::Input, it.key(), type, 0, 0});
    }
    for (auto it = steps.begin(); it != steps.end(); ++it)
        g.nodes.append({PipelineGraph::Kind::Step, it.key(), it.value().toObject().value(key("type")).toString(), 0, 0});
    for (auto it = outputs.begin(); it != outputs.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        if (it.key() == QLatin1String("default") || !o.contains(key("assetName")))
            continue;
        QString detail = QStringLiteral("model ") + o.value(key("assetName")).toString();
        if (o.contains(key("assetVersion")))
            detail += QLatin1Char(':') + o.value(key("assetVersion")).toString();
        g.nodes.append({PipelineGraph::Kind::Register, it.key(), detail, 0, 0});
    }

    QSet<QPair<int, int>> seen;
    const auto edge = [&](int from, int to) {
        if (from >= 0 && to >= 0 && from != to && !seen.contains({from, to})) {
            seen.insert({from, to});
            g.edges.append({from, to});
        }
    };
    for (auto it = steps.begin(); it != steps.end(); ++it) {
        const int step = g.find(PipelineGraph::Kind::Step, it.key());
        QStringList texts;
        strings(it.value(), texts);
        for (const QString &text : texts) {
            for (auto m = parentInput.globalMatch(text); m.hasNext();)
                edge(g.find(PipelineGraph::Kind::Input, m.next().captured(1)), step);
            for (auto m = parentJob.globalMatch(text); m.hasNext();)
                edge(g.find(PipelineGraph::Kind::Step, m.next().captured(1)), step);
            for (auto m = parentOutput.globalMatch(text); m.hasNext();)
                edge(step, g.find(PipelineGraph::Kind::Register, m.next().captured(1)));
        }
    }

    // Columns: the longest path from a source (a cycle, which a valid pipeline never has,
    // stops growing after as many rounds as there are nodes).
    for (int round = 0; round < g.nodes.size(); ++round) {
        bool changed = false;
        for (const auto &[from, to] : g.edges)
            if (g.nodes[to].layer < g.nodes[from].layer + 1) {
                g.nodes[to].layer = g.nodes[from].layer + 1;
                changed = true;
            }
        if (!changed)
            break;
    }
    QList<int> rows;
    for (PipelineGraph::Node &n : g.nodes) {
        while (rows.size() <= n.layer)
            rows.append(0);
        n.row = rows[n.layer]++;
        g.layers = std::max(g.layers, n.layer + 1);
    }
    return g;
}

} // namespace cerulean::ui
