#include "ui/models/schema_input_model.h"

#include "ui/theme.h"

#include <QBrush>
#include <QGuiApplication>
#include <QPalette>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cerulean::ui {

namespace {

using Json = nlohmann::ordered_json;

Json toJson(const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return nullptr;
    switch (value.typeId()) {
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::LongLong:
    case QMetaType::Int:
        return value.toLongLong();
    case QMetaType::Double: {
        // A value read from a CSV or computed in training often sits one unit in the last place
        // away from what a person wrote (92.89299999999999 for 92.893): fifteen significant
        // digits are all a double holds exactly, so the body carries what the form shows.
        const double rounded = QString::number(value.toDouble(), 'g', std::numeric_limits<double>::digits10).toDouble();
        return rounded;
    }
    default:
        return value.toString().toStdString();
    }
}

QVariant fromJson(const Json &value)
{
    if (value.is_boolean())
        return value.get<bool>();
    if (value.is_number_integer())
        return QVariant::fromValue(value.get<qlonglong>());
    if (value.is_number())
        return value.get<double>();
    if (value.is_string())
        return QString::fromStdString(value.get<std::string>());
    return {};
}

} // namespace

bool isUnknownCategory(const InputField &field, const QVariant &value)
{
    if (field.enumValues.isEmpty() || !value.isValid() || value.isNull())
        return false;
    return !field.enumValues.contains(displayValue(value));
}

bool coerceToField(const InputField &field, const QVariant &value, QVariant &out, QString &error)
{
    out = {};
    if (!value.isValid() || value.isNull())
        return true;
    const bool isText = value.typeId() == QMetaType::QString;
    const QString text = isText ? value.toString().trimmed() : QString();
    if (isText && text.isEmpty())
        return true; // an empty cell is a missing value, which the model handles as training did
    switch (field.type) {
    case FieldType::Integer: {
        bool ok = false;
        qlonglong number = 0;
        if (isText) {
            number = text.toLongLong(&ok);
        } else if (value.typeId() == QMetaType::Double) {
            const double d = value.toDouble();
            ok = std::isfinite(d) && d == std::trunc(d) && std::abs(d) < 9.0e15;
            number = qlonglong(d);
        } else if (value.typeId() != QMetaType::Bool) {
            number = value.toLongLong(&ok);
        }
        if (!ok) {
            error = QStringLiteral("%1: \"%2\" is not a whole number.").arg(field.name, displayValue(value));
            return false;
        }
        out = QVariant::fromValue(number);
        return true;
    }
    case FieldType::Number: {
        bool ok = false;
        const double number = isText ? text.toDouble(&ok) : (value.typeId() == QMetaType::Bool ? 0.0 : value.toDouble(&ok));
        if (!ok || !std::isfinite(number)) {
            error = QStringLiteral("%1: \"%2\" is not a number.").arg(field.name, displayValue(value));
            return false;
        }
        out = number;
        return true;
    }
    case FieldType::Boolean: {
        if (value.typeId() == QMetaType::Bool) {
            out = value;
            return true;
        }
        const QString lower = text.toLower();
        if (lower == QLatin1String("true") || lower == QLatin1String("false")) {
            out = lower == QLatin1String("true");
            return true;
        }
        error = QStringLiteral("%1: \"%2\" is not true or false.").arg(field.name, displayValue(value));
        return false;
    }
    case FieldType::String:
        out = isText ? text : displayValue(value);
        return true;
    }
    return true;
}

ScoringInputModel::ScoringInputModel(const SchemaModel *schema, QObject *parent)
    : QAbstractTableModel(parent)
    , m_schema(schema)
{
    connect(schema, &QAbstractItemModel::modelReset, this, &ScoringInputModel::resetToExample);
    resetToExample();
}

QList<QVariant> ScoringInputModel::exampleRow() const
{
    QList<QVariant> row;
    for (const InputField &field : m_schema->fields()) {
        QVariant typed;
        QString ignored;
        coerceToField(field, field.example, typed, ignored);
        row << typed;
    }
    return row;
}

void ScoringInputModel::resetToExample()
{
    beginResetModel();
    m_rows.clear();
    if (!m_schema->isEmpty())
        m_rows << exampleRow();
    endResetModel();
    Q_EMIT bodyChanged();
}

void ScoringInputModel::addInputRow()
{
    if (m_schema->isEmpty())
        return;
    const int column = FirstRowColumn + inputRowCount();
    beginInsertColumns({}, column, column);
    m_rows << (m_rows.isEmpty() ? exampleRow() : m_rows.constLast());
    endInsertColumns();
    Q_EMIT bodyChanged();
}

bool ScoringInputModel::removeInputRow(int inputRow)
{
    if (inputRow < 0 || inputRow >= inputRowCount())
        return false;
    beginRemoveColumns({}, FirstRowColumn + inputRow, FirstRowColumn + inputRow);
    m_rows.removeAt(inputRow);
    endRemoveColumns();
    Q_EMIT bodyChanged();
    return true;
}

QVariant ScoringInputModel::value(int inputRow, int field) const
{
    if (inputRow < 0 || inputRow >= inputRowCount() || field < 0 || field >= m_rows.at(inputRow).size())
        return {};
    return m_rows.at(inputRow).at(field);
}

bool ScoringInputModel::setValue(int inputRow, int field, const QVariant &value, QString *error)
{
    if (inputRow < 0 || inputRow >= inputRowCount() || field < 0 || field >= m_schema->fields().size())
        return false;
    QVariant typed;
    QString message;
    if (!coerceToField(m_schema->fields().at(field), value, typed, message)) {
        if (error)
            *error = message;
        Q_EMIT valueRejected(message);
        return false;
    }
    QVariant &cell = m_rows[inputRow][field];
    if (cell == typed && cell.typeId() == typed.typeId())
        return true;
    cell = typed;
    const QModelIndex changed = index(field, FirstRowColumn + inputRow);
    Q_EMIT dataChanged(changed, changed, {Qt::DisplayRole, Qt::EditRole});
    Q_EMIT bodyChanged();
    return true;
}

QByteArray ScoringInputModel::requestBody(ScoringMethod method, int indent) const
{
    Json rows = Json::array();
    const QList<InputField> &fields = m_schema->fields();
    for (const QList<QVariant> &row : m_rows) {
        Json object = Json::object();
        for (int f = 0; f < fields.size(); ++f)
            object[fields.at(f).name.toStdString()] = toJson(row.value(f));
        rows.push_back(std::move(object));
    }
    Json body;
    if (method == ScoringMethod::Predict && m_schema->document().shape == RequestShape::Data) {
        body["data"] = std::move(rows);
    } else {
        body["Inputs"]["data"] = std::move(rows);
        body["GlobalParameters"]["method"] = method == ScoringMethod::PredictProba ? "predict_proba" : "predict";
    }
    return QByteArray::fromStdString(body.dump(indent));
}

bool ScoringInputModel::setRequestBody(const QByteArray &json, QString &error, ScoringMethod *method)
{
    Json body;
    try {
        body = Json::parse(json.constBegin(), json.constEnd());
    } catch (const Json::parse_error &e) {
        error = tr("Not JSON (byte %1): %2").arg(e.byte).arg(QString::fromUtf8(e.what()));
        return false;
    }
    const Json *rows = nullptr;
    if (body.is_object() && body.contains("data"))
        rows = &body.at("data");
    else if (body.is_object() && body.contains("Inputs") && body.at("Inputs").is_object()
             && body.at("Inputs").contains("data"))
        rows = &body.at("Inputs").at("data");
    if (!rows || !rows->is_array()) {
        error = tr("The body needs a \"data\" array (or \"Inputs\": {\"data\": […]}).");
        return false;
    }
    if (rows->empty()) {
        error = tr("\"data\" is empty: send at least one row.");
        return false;
    }
    const QList<InputField> &fields = m_schema->fields();
    QList<QList<QVariant>> parsed;
    for (std::size_t r = 0; r < rows->size(); ++r) {
        const Json &row = rows->at(r);
        if (!row.is_object()) {
            error = tr("Row %1 is not an object of column: value pairs.").arg(r + 1);
            return false;
        }
        QStringList unknown;
        for (const auto &[name, cell] : row.items()) {
            const QString qname = QString::fromStdString(name);
            const bool known = std::any_of(fields.begin(), fields.end(),
                                           [&qname](const InputField &f) { return f.name == qname; });
            if (!known)
                unknown << qname;
        }
        if (!unknown.isEmpty()) {
            error = tr("Row %1: unknown column(s) %2.").arg(r + 1).arg(unknown.join(QStringLiteral(", ")));
            return false;
        }
        QList<QVariant> values;
        for (const InputField &field : fields) {
            const auto it = row.find(field.name.toStdString());
            if (it == row.end() || it->is_null()) {
                values << QVariant();
                continue;
            }
            const bool numeric = field.type == FieldType::Integer || field.type == FieldType::Number;
            if ((numeric && !it->is_number()) || (field.type == FieldType::Boolean && !it->is_boolean())
                || (field.type == FieldType::String && !it->is_string() && !it->is_number())) {
                error = tr("Row %1, column %2: expected %3, got %4.")
                            .arg(r + 1)
                            .arg(field.name, fieldTypeName(field.type), QString::fromStdString(it->dump()));
                return false;
            }
            QVariant typed;
            QString message;
            if (!coerceToField(field, fromJson(*it), typed, message)) {
                error = tr("Row %1, %2").arg(r + 1).arg(message);
                return false;
            }
            values << typed;
        }
        parsed << values;
    }
    if (method) {
        const Json *global = body.contains("GlobalParameters") ? &body.at("GlobalParameters") : nullptr;
        const bool proba = global && global->is_object() && global->value("method", std::string()) == "predict_proba";
        *method = proba ? ScoringMethod::PredictProba : ScoringMethod::Predict;
    }
    beginResetModel();
    m_rows = parsed;
    endResetModel();
    Q_EMIT bodyChanged();
    return true;
}

QStringList ScoringInputModel::unknownCategories() const
{
    QStringList found;
    const QList<InputField> &fields = m_schema->fields();
    for (int r = 0; r < inputRowCount(); ++r) {
        for (int f = 0; f < fields.size(); ++f) {
            const QVariant cell = value(r, f);
            if (isUnknownCategory(fields.at(f), cell))
                found << tr("row %1, %2 \"%3\"").arg(r + 1).arg(fields.at(f).name, displayValue(cell));
        }
    }
    return found;
}

int ScoringInputModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_schema->fields().size());
}

int ScoringInputModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || m_schema->isEmpty() ? 0 : FirstRowColumn + inputRowCount();
}

QVariant ScoringInputModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const InputField &field = m_schema->fields().at(index.row());
    if (role == FieldTypeRole)
        return int(field.type);
    if (role == EnumValuesRole)
        return field.enumValues;
    if (index.column() == FieldColumn) {
        if (role == Qt::DisplayRole)
            return field.name;
        if (role == Qt::ToolTipRole)
            return field.enumValues.isEmpty()
                       ? tr("%1: %2").arg(field.name, fieldTypeName(field.type))
                       : tr("%1: one of %2").arg(field.name, field.enumValues.join(QStringLiteral(", ")));
        return {};
    }
    if (index.column() == TypeColumn) {
        if (role == Qt::DisplayRole)
            return field.enumValues.isEmpty() ? fieldTypeName(field.type) : tr("category (%1)").arg(field.enumValues.size());
        return {};
    }
    const QVariant &cell = m_rows.at(index.column() - FirstRowColumn).value(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(cell);
    case Qt::EditRole:
        return cell;
    case Qt::TextAlignmentRole:
        if (field.type == FieldType::Integer || field.type == FieldType::Number)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (isUnknownCategory(field, cell))
            return tr("\"%1\" is not among the values seen in training (%2): the endpoint accepts it, the model may "
                      "not handle it as you expect.")
                .arg(cell.toString(), field.enumValues.join(QStringLiteral(", ")));
        return cell.isValid() ? QVariant() : QVariant(tr("Missing: the model treats it as training treated missing values."));
    case Qt::ForegroundRole:
        if (isUnknownCategory(field, cell))
            return QBrush(errorTextColor(QGuiApplication::palette()));
        return {};
    default:
        return {};
    }
}

bool ScoringInputModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || index.column() < FirstRowColumn)
        return false;
    return setValue(index.column() - FirstRowColumn, index.row(), value);
}

Qt::ItemFlags ScoringInputModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags base = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() >= FirstRowColumn)
        base |= Qt::ItemIsEditable;
    return base;
}

QVariant ScoringInputModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == FieldColumn)
        return tr("Column");
    if (section == TypeColumn)
        return tr("Type");
    return tr("Row %1").arg(section - FirstRowColumn + 1);
}

} // namespace cerulean::ui
