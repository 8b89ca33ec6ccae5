#include "ui/models/reply_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace cerulean::ui {

namespace {

using Json = nlohmann::ordered_json;

QString scalarText(const Json &value)
{
    if (value.is_string())
        return QString::fromStdString(value.get<std::string>());
    if (value.is_number_integer())
        return QString::number(value.get<long long>());
    if (value.is_number())
        return QString::number(value.get<double>(), 'g', 10);
    if (value.is_boolean())
        return value.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    return QString::fromStdString(value.dump());
}

// The label of the most probable class.
QString argmaxLabel(const QList<double> &probabilities, const QStringList &labels)
{
    if (probabilities.isEmpty())
        return {};
    const auto best = std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin();
    return best < labels.size() ? labels.at(best) : QString::number(best);
}

} // namespace

bool parseScoringReply(const QByteArray &body, const QStringList &classLabels, ScoringResult &result, QString &error)
{
    result = {};
    result.classLabels = classLabels;
    Json root;
    try {
        root = Json::parse(body.constBegin(), body.constEnd());
        // Old scoring scripts return json.dumps(...) of the reply: JSON text inside a string.
        if (root.is_string())
            root = Json::parse(root.get<std::string>());
    } catch (const Json::parse_error &e) {
        error = QStringLiteral("The reply is not JSON (byte %1): %2").arg(e.byte).arg(QString::fromUtf8(e.what()));
        return false;
    }
    const Json *items = nullptr;
    if (root.is_array()) {
        items = &root;
    } else if (root.is_object()) {
        for (const char *key : {"result", "Results", "results", "predictions"}) {
            if (root.contains(key)) {
                items = &root.at(key);
                break;
            }
        }
        if (items && items->is_object() && items->contains("data")) // {"Results":{"data":[…]}}
            items = &items->at("data");
    }
    if (!items || !items->is_array()) {
        error = QStringLiteral("The reply has no \"result\" or \"Results\" array.");
        return false;
    }

    for (std::size_t i = 0; i < items->size(); ++i) {
        const Json &item = items->at(i);
        ScoredRow row;
        if (item.is_array()) {
            for (const Json &p : item) {
                if (!p.is_number()) {
                    error = QStringLiteral("Result %1 mixes probabilities with %2.").arg(i + 1).arg(QString::fromStdString(p.dump()));
                    return false;
                }
                row.probabilities << p.get<double>();
            }
            if (result.classLabels.size() < row.probabilities.size()) {
                for (qsizetype c = result.classLabels.size(); c < row.probabilities.size(); ++c)
                    result.classLabels << QStringLiteral("class %1").arg(c);
            }
            row.label = argmaxLabel(row.probabilities, result.classLabels);
        } else if (item.is_object()) {
            // {"label": …, "probabilities": {…}} or {class: probability, …}
            const Json *probabilities = item.contains("probabilities") ? &item.at("probabilities") : &item;
            if (!probabilities->is_object()) {
                error = QStringLiteral("Result %1 has probabilities that are not a class: value object.").arg(i + 1);
                return false;
            }
            QList<double> byClass(result.classLabels.size(), 0.0);
            for (const auto &[name, p] : probabilities->items()) {
                if (!p.is_number())
                    continue;
                const QString label = QString::fromStdString(name);
                qsizetype column = result.classLabels.indexOf(label);
                if (column < 0) {
                    result.classLabels << label;
                    byClass << 0.0;
                    column = result.classLabels.size() - 1;
                }
                byClass[column] = p.get<double>();
            }
            row.probabilities = byClass;
            row.label = item.contains("label") ? scalarText(item.at("label")) : argmaxLabel(row.probabilities, result.classLabels);
        } else {
            row.label = scalarText(item);
        }
        result.rows << row;
    }
    // Rows read before a later object introduced a class get a zero for it.
    for (ScoredRow &row : result.rows) {
        if (!row.probabilities.isEmpty())
            row.probabilities.resize(result.classLabels.size(), 0.0);
    }
    return true;
}

ReplyModel::ReplyModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ReplyModel::setResult(const ScoringResult &result)
{
    beginResetModel();
    m_result = result;
    endResetModel();
}

void ReplyModel::clear()
{
    setResult({});
}

int ReplyModel::classCount() const
{
    const bool anyProbabilities = std::any_of(m_result.rows.begin(), m_result.rows.end(),
                                              [](const ScoredRow &row) { return !row.probabilities.isEmpty(); });
    return anyProbabilities ? int(m_result.classLabels.size()) : 0;
}

int ReplyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_result.rows.size());
}

int ReplyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FirstClassColumn + classCount();
}

QVariant ReplyModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ScoredRow &row = m_result.rows.at(index.row());
    if (index.column() == RowColumn)
        return role == Qt::DisplayRole ? QVariant(index.row() + 1) : QVariant();
    if (index.column() == LabelColumn)
        return role == Qt::DisplayRole ? QVariant(row.label) : QVariant();
    const int c = index.column() - FirstClassColumn;
    if (c >= row.probabilities.size())
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return QString::number(row.probabilities.at(c), 'f', 4);
    case Qt::EditRole:
        return row.probabilities.at(c);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
        break;
    default:
        break;
    }
    return {};
}

QVariant ReplyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == RowColumn)
        return tr("Row");
    if (section == LabelColumn)
        return tr("Label");
    const int c = section - FirstClassColumn;
    return c < m_result.classLabels.size() ? tr("P(%1)").arg(m_result.classLabels.at(c)) : QVariant();
}

} // namespace cerulean::ui
