#include "ui/models/schema_swagger.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace cerulean::ui {

namespace {

using Json = nlohmann::ordered_json; // keeps the columns in the document's order

QString text(const Json &value, const char *key)
{
    const auto it = value.find(key);
    if (it == value.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->get<std::string>());
}

// Follows "$ref": "#/definitions/X" or "#/components/schemas/X" (a few levels at most).
const Json *resolve(const Json &root, const Json *schema)
{
    for (int depth = 0; schema && depth < 8; ++depth) {
        if (!schema->is_object())
            return nullptr;
        const auto ref = schema->find("$ref");
        if (ref == schema->end())
            return schema;
        if (!ref->is_string())
            return nullptr;
        const std::string pointer = ref->get<std::string>();
        if (pointer.rfind("#/", 0) != 0)
            return nullptr;
        try {
            schema = &root.at(Json::json_pointer(pointer.substr(1)));
        } catch (const Json::exception &) {
            return nullptr;
        }
    }
    return schema;
}

const Json *member(const Json &root, const Json *schema, std::initializer_list<const char *> path)
{
    for (const char *key : path) {
        schema = resolve(root, schema);
        if (!schema || !schema->is_object())
            return nullptr;
        const auto it = schema->find(key);
        if (it == schema->end())
            return nullptr;
        schema = &*it;
    }
    return resolve(root, schema);
}

QVariant toVariant(const Json &value)
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

FieldType typeOf(const Json &property)
{
    const std::string type = property.value("type", std::string());
    if (type == "integer")
        return FieldType::Integer;
    if (type == "number")
        return FieldType::Number;
    if (type == "boolean")
        return FieldType::Boolean;
    return FieldType::String;
}

// The request body schema of POST /score: Swagger 2 body parameter or OpenAPI 3 requestBody.
const Json *scoreBodySchema(const Json &root)
{
    const Json *post = member(root, &root, {"paths", "/score", "post"});
    if (!post)
        return nullptr;
    if (const auto params = post->find("parameters"); params != post->end() && params->is_array()) {
        for (const Json &parameter : *params) {
            if (parameter.is_object() && parameter.value("in", std::string()) == "body" && parameter.contains("schema"))
                return resolve(root, &parameter.at("schema"));
        }
    }
    return member(root, post, {"requestBody", "content", "application/json", "schema"});
}

// A value from an example request: {"data":[row]} or {"Inputs":{"data":[row]}}.
const Json *exampleRow(const Json &example)
{
    const Json *rows = nullptr;
    if (example.contains("data"))
        rows = &example.at("data");
    else if (example.contains("Inputs") && example.at("Inputs").is_object() && example.at("Inputs").contains("data"))
        rows = &example.at("Inputs").at("data");
    if (!rows || !rows->is_array() || rows->empty() || !rows->front().is_object())
        return nullptr;
    return &rows->front();
}

} // namespace

QString fieldTypeName(FieldType type)
{
    switch (type) {
    case FieldType::Integer:
        return QStringLiteral("integer");
    case FieldType::Number:
        return QStringLiteral("number");
    case FieldType::String:
        return QStringLiteral("string");
    case FieldType::Boolean:
        return QStringLiteral("boolean");
    }
    return {};
}

bool parseSwagger(const QByteArray &json, SwaggerDocument &document, QString &error)
{
    document = {};
    Json root;
    try {
        root = Json::parse(json.constBegin(), json.constEnd());
    } catch (const Json::parse_error &e) {
        error = QStringLiteral("The swagger document is not JSON (byte %1): %2")
                    .arg(e.byte)
                    .arg(QString::fromUtf8(e.what()));
        return false;
    }
    if (!root.is_object()) {
        error = QStringLiteral("The swagger document is not a JSON object.");
        return false;
    }
    document.specVersion = text(root, "swagger");
    if (document.specVersion.isEmpty())
        document.specVersion = text(root, "openapi");
    if (document.specVersion.isEmpty()) {
        error = QStringLiteral("The document has neither a \"swagger\" nor an \"openapi\" version field.");
        return false;
    }
    if (const auto info = root.find("info"); info != root.end() && info->is_object()) {
        document.title = text(*info, "title");
        document.version = text(*info, "version");
    }

    const auto paths = root.find("paths");
    if (paths == root.end() || !paths->is_object()) {
        error = QStringLiteral("The document has no \"paths\".");
        return false;
    }
    static const char *const methods[] = {"get", "post", "put", "patch", "delete", "options", "head"};
    for (const auto &[path, item] : paths->items()) {
        if (!item.is_object())
            continue;
        for (const char *method : methods) {
            const auto op = item.find(method);
            if (op == item.end() || !op->is_object())
                continue;
            SwaggerOperation operation;
            operation.method = QString::fromLatin1(method).toUpper();
            operation.path = QString::fromStdString(path);
            operation.operationId = text(*op, "operationId");
            operation.description = text(*op, "description");
            if (operation.description.isEmpty())
                operation.description = text(*op, "summary");
            const auto security = op->find("security");
            operation.needsKey = security != op->end() && security->is_array() && !security->empty();
            document.operations << operation;
        }
    }

    const Json *body = scoreBodySchema(root);
    if (!body) {
        error = QStringLiteral("The document has no request body schema for POST /score.");
        return false;
    }
    const Json *rowSchema = member(root, body, {"properties", "data", "items"});
    if (!rowSchema) {
        rowSchema = member(root, body, {"properties", "Inputs", "properties", "data", "items"});
        if (rowSchema) {
            document.shape = RequestShape::Inputs;
            document.acceptsMethod = member(root, body, {"properties", "GlobalParameters", "properties", "method"}) != nullptr;
        }
    }
    if (!rowSchema || !rowSchema->contains("properties") || !rowSchema->at("properties").is_object()) {
        error = QStringLiteral("The /score request schema has no \"data\" array of objects with \"properties\".");
        return false;
    }

    // Examples: the body schema's example request (Azure puts it there), the parameter's,
    // or one per property.
    const Json *example = nullptr;
    if (const auto it = body->find("example"); it != body->end() && it->is_object())
        example = exampleRow(*it);

    std::vector<std::string> required;
    if (const auto it = rowSchema->find("required"); it != rowSchema->end() && it->is_array()) {
        for (const Json &name : *it) {
            if (name.is_string())
                required.push_back(name.get<std::string>());
        }
    }

    for (const auto &[name, declared] : rowSchema->at("properties").items()) {
        const Json *property = resolve(root, &declared);
        if (!property)
            continue;
        InputField field;
        field.name = QString::fromStdString(name);
        field.type = typeOf(*property);
        field.format = text(*property, "format");
        if (const auto values = property->find("enum"); values != property->end() && values->is_array()) {
            for (const Json &value : *values) {
                const QVariant v = toVariant(value);
                if (v.isValid())
                    field.enumValues << v.toString();
            }
        }
        if (example && example->contains(name))
            field.example = toVariant(example->at(name));
        else if (property->contains("example"))
            field.example = toVariant(property->at("example"));
        field.required = std::find(required.begin(), required.end(), name) != required.end();
        document.fields << field;
    }
    if (document.fields.isEmpty()) {
        error = QStringLiteral("The /score request schema lists no input columns.");
        return false;
    }
    return true;
}

} // namespace cerulean::ui
