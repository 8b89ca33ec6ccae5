#pragma once

// What the Swagger and Consume pages need from an endpoint's swagger.json: its operations and
// the input schema of /score (each column's type, enum values and example), read from
// Swagger 2.0 (Azure AutoML deployments) or OpenAPI 3 (`?version=3`).

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace cerulean::ui {

enum class FieldType
{
    Integer,
    Number,
    String,
    Boolean,
};

// "integer", "number", "string", "boolean".
QString fieldTypeName(FieldType type);

// One column of a scoring request.
struct InputField
{
    QString name;
    FieldType type = FieldType::String;
    QString format;         // "int64", "double", … as the document says
    QStringList enumValues; // the training categories, when the document lists them
    QVariant example;       // from the document's example request; invalid when it has none
    bool required = false;
};

// One operation of the document ("POST /score").
struct SwaggerOperation
{
    QString method; // upper case
    QString path;
    QString operationId;
    QString description;
    bool needsKey = false; // the operation lists a security requirement
};

// How /score wants its rows: {"data":[…]} or {"Inputs":{"data":[…]},"GlobalParameters":{…}}.
enum class RequestShape
{
    Data,
    Inputs,
};

struct SwaggerDocument
{
    QString title;
    QString version;     // info.version
    QString specVersion; // "2.0" or "3.0.x"
    QList<SwaggerOperation> operations;
    QList<InputField> fields;
    RequestShape shape = RequestShape::Data;
    bool acceptsMethod = false; // GlobalParameters.method (predict / predict_proba) is accepted
};

// Parses a swagger document. On failure returns false and sets `error` to a sentence naming
// what is missing ("/score has no request body schema", "not JSON at offset 12: …").
bool parseSwagger(const QByteArray &json, SwaggerDocument &document, QString &error);

} // namespace cerulean::ui
