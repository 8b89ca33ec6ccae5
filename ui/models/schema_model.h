#pragma once

#include "ui/models/schema_swagger.h"

#include <QAbstractTableModel>

namespace cerulean::ui {

// The input schema of an endpoint, one row per column of a scoring request. The Swagger page
// shows it as a table; the Consume form and the Benchmark body are built from it.
class SchemaModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        NameColumn,
        TypeColumn,
        ValuesColumn, // enum values (the training categories)
        ExampleColumn,
        RequiredColumn,
        ColumnCount
    };

    explicit SchemaModel(QObject *parent = nullptr);

    void setDocument(const SwaggerDocument &document);
    const SwaggerDocument &document() const { return m_document; }
    const QList<InputField> &fields() const { return m_document.fields; }
    bool isEmpty() const { return m_document.fields.isEmpty(); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    SwaggerDocument m_document;
};

// The operations of an endpoint's swagger document (method, path, operation id, key).
class SchemaOperationsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        MethodColumn,
        PathColumn,
        OperationColumn,
        KeyColumn,
        DescriptionColumn,
        ColumnCount
    };

    explicit SchemaOperationsModel(const SchemaModel *schema, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const SchemaModel *m_schema;
};

// A value as the form and the tables show it ("92.893", "married", "" for missing).
QString displayValue(const QVariant &value);

} // namespace cerulean::ui
