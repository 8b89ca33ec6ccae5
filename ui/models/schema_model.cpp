#include "ui/models/schema_model.h"

namespace cerulean::ui {

QString displayValue(const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return {};
    if (value.typeId() == QMetaType::Double)
        return QString::number(value.toDouble(), 'g', 15);
    if (value.typeId() == QMetaType::Bool)
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return value.toString();
}

SchemaModel::SchemaModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void SchemaModel::setDocument(const SwaggerDocument &document)
{
    beginResetModel();
    m_document = document;
    endResetModel();
}

int SchemaModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_document.fields.size());
}

int SchemaModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SchemaModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const InputField &field = m_document.fields.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return field.name;
        case TypeColumn:
            return field.format.isEmpty() ? fieldTypeName(field.type)
                                          : QStringLiteral("%1 (%2)").arg(fieldTypeName(field.type), field.format);
        case ValuesColumn:
            return field.enumValues.join(QStringLiteral(", "));
        case ExampleColumn:
            return displayValue(field.example);
        case RequiredColumn:
            return field.required ? tr("yes") : tr("no");
        }
    } else if (role == Qt::ToolTipRole && index.column() == ValuesColumn && !field.enumValues.isEmpty()) {
        return tr("%n value(s) seen in training: %1", nullptr, int(field.enumValues.size()))
            .arg(field.enumValues.join(QStringLiteral(", ")));
    } else if (role == Qt::TextAlignmentRole && index.column() == ExampleColumn
               && (field.type == FieldType::Integer || field.type == FieldType::Number)) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant SchemaModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case TypeColumn:
        return tr("Type");
    case ValuesColumn:
        return tr("Enum values");
    case ExampleColumn:
        return tr("Example");
    case RequiredColumn:
        return tr("Required");
    }
    return {};
}

SchemaOperationsModel::SchemaOperationsModel(const SchemaModel *schema, QObject *parent)
    : QAbstractTableModel(parent)
    , m_schema(schema)
{
    connect(schema, &QAbstractItemModel::modelAboutToBeReset, this, &SchemaOperationsModel::beginResetModel);
    connect(schema, &QAbstractItemModel::modelReset, this, &SchemaOperationsModel::endResetModel);
}

int SchemaOperationsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_schema->document().operations.size());
}

int SchemaOperationsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SchemaOperationsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SwaggerOperation &operation = m_schema->document().operations.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case MethodColumn:
            return operation.method;
        case PathColumn:
            return operation.path;
        case OperationColumn:
            return operation.operationId;
        case KeyColumn:
            return operation.needsKey ? tr("Bearer key") : tr("none");
        case DescriptionColumn:
            return operation.description;
        }
    } else if (role == Qt::ToolTipRole && index.column() == DescriptionColumn) {
        return operation.description;
    }
    return {};
}

QVariant SchemaOperationsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case MethodColumn:
        return tr("Method");
    case PathColumn:
        return tr("Path");
    case OperationColumn:
        return tr("Operation");
    case KeyColumn:
        return tr("Auth");
    case DescriptionColumn:
        return tr("Description");
    }
    return {};
}

} // namespace cerulean::ui
