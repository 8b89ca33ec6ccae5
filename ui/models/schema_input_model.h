#pragma once

#include "ui/models/schema_model.h"

#include <QAbstractTableModel>
#include <QByteArray>

namespace cerulean::ui {

// predict: the label of each row; predict_proba: the probability of each class.
enum class ScoringMethod
{
    Predict,
    PredictProba,
};

// The rows of a scoring request, edited in the Consume form: one table row per input column
// of the schema (name, type, then one column per request row), so that twenty columns read
// as a form rather than a wide grid. Values are typed (integer, number, text, boolean; empty
// means missing) and checked on entry. The same model gives the request body for the raw
// JSON tab, the Send button and the benchmark.
class ScoringInputModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        FieldColumn,
        TypeColumn,
        FirstRowColumn, // request row 1; request row k is column FirstRowColumn + k - 1
    };
    enum Role
    {
        FieldTypeRole = Qt::UserRole + 1, // int(FieldType)
        EnumValuesRole,                   // QStringList: the categories, for a drop-down
    };

    explicit ScoringInputModel(const SchemaModel *schema, QObject *parent = nullptr);

    int inputRowCount() const { return int(m_rows.size()); }
    // A new request row, a copy of the last one (or of the example when there is none).
    void addInputRow();
    bool removeInputRow(int inputRow);
    // One request row holding the schema's example.
    void resetToExample();

    QVariant value(int inputRow, int field) const;
    // Converts `value` to the field's type; on failure returns false and says why.
    bool setValue(int inputRow, int field, const QVariant &value, QString *error = nullptr);

    // {"data":[…]} for predict with a Data-shaped schema, else
    // {"Inputs":{"data":[…]},"GlobalParameters":{"method":…}}. indent < 0: compact.
    QByteArray requestBody(ScoringMethod method, int indent = -1) const;
    // Replaces the rows with those of a request body (either shape). On error the rows stay as
    // they were and `error` names the row and column. `method` receives GlobalParameters.method.
    bool setRequestBody(const QByteArray &json, QString &error, ScoringMethod *method = nullptr);

    // The category cells holding a value the schema does not list ("row 2, job \"astronaut\""):
    // Azure accepts them, but the model never saw them in training.
    QStringList unknownCategories() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    // Any change of the rows (edit, add, remove, reset, new body).
    void bodyChanged();
    // A value the user typed was refused (not a number where one is required, …).
    void valueRejected(const QString &message);

private:
    QList<QVariant> exampleRow() const;

    const SchemaModel *m_schema;
    QList<QList<QVariant>> m_rows; // [request row][field]
};

// `value` converted to the field's type (invalid QVariant: missing); false with a message
// naming the column when it cannot be.
bool coerceToField(const InputField &field, const QVariant &value, QVariant &out, QString &error);
// True when `field` lists its categories and `value` (set) is not one of them.
bool isUnknownCategory(const InputField &field, const QVariant &value);

} // namespace cerulean::ui
