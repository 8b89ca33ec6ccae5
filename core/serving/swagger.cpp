#include "core/serving/swagger.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace cerulean::serving {

namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson cellJson(const Cell &cell)
{
    if (const auto *number = std::get_if<double>(&cell))
        return std::isfinite(*number) ? OrderedJson(*number) : OrderedJson(nullptr);
    if (const auto *text = std::get_if<std::string>(&cell))
        return *text;
    return nullptr;
}

OrderedJson columnSchema(const InputColumn &column)
{
    OrderedJson j;
    if (column.kind == InputKind::Numeric) {
        j["type"] = "number";
        j["format"] = "double";
    } else {
        j["type"] = "string";
        if (column.kind == InputKind::Categorical && !column.categories.empty())
            j["enum"] = column.categories;
    }
    return j;
}

OrderedJson exampleRow(const ScoringSchema &schema)
{
    OrderedJson row = OrderedJson::object();
    for (std::size_t c = 0; c < schema.columns.size(); ++c) {
        const InputColumn &column = schema.columns[c];
        OrderedJson value = c < schema.exampleRow.size() ? cellJson(schema.exampleRow[c]) : OrderedJson(nullptr);
        if (value.is_null()) // an example must score: fill a missing cell with a typical value
            value = column.kind == InputKind::Numeric ? OrderedJson(0.0)
                    : !column.categories.empty()      ? OrderedJson(column.categories.front())
                                                      : OrderedJson("example_value");
        row[column.name] = std::move(value);
    }
    return row;
}

OrderedJson rowSchema(const ScoringSchema &schema)
{
    OrderedJson required = OrderedJson::array();
    OrderedJson properties = OrderedJson::object();
    for (const InputColumn &column : schema.columns) {
        required.push_back(column.name);
        properties[column.name] = columnSchema(column);
    }
    return OrderedJson{{"type", "object"}, {"required", required}, {"properties", properties}};
}

// Definitions shared by both documents; `ref` is the prefix of a reference.
OrderedJson definitions(const ScoringSchema &schema, const std::string &ref)
{
    OrderedJson defs;
    OrderedJson input;
    input["type"] = "object";
    input["required"] = OrderedJson::array({"Inputs"});
    input["properties"]["Inputs"] = {{"type", "object"},
                                     {"required", OrderedJson::array({"data"})},
                                     {"properties", {{"data", {{"type", "array"}, {"items", {{"$ref", ref + "InputRow"}}}}}}}};
    OrderedJson method = {{"type", "string"}, {"enum", OrderedJson::array({"predict"})}};
    if (!schema.classLabels.empty())
        method["enum"].push_back("predict_proba");
    input["properties"]["GlobalParameters"] = {{"type", "object"}, {"properties", {{"method", method}}}};
    input["example"] = {{"Inputs", {{"data", OrderedJson::array({exampleRow(schema)})}}},
                        {"GlobalParameters", {{"method", "predict"}}}};
    defs["ServiceInput"] = std::move(input);
    defs["InputRow"] = rowSchema(schema);

    OrderedJson output;
    output["type"] = "object";
    output["required"] = OrderedJson::array({"Results"});
    OrderedJson item;
    if (schema.classLabels.empty()) {
        item = {{"type", "number"}, {"format", "double"}};
    } else {
        // predict: a class label; predict_proba: an object of class label -> probability.
        item = {{"type", "string"}, {"enum", schema.classLabels}};
    }
    output["properties"]["Results"] = {{"type", "array"}, {"items", item}};
    output["example"] = {{"Results", OrderedJson::array({schema.classLabels.empty() ? OrderedJson(0.0) : OrderedJson(schema.classLabels.front())})}};
    defs["ServiceOutput"] = std::move(output);

    OrderedJson probabilities = {{"type", "object"}, {"description", "predict_proba: each class label's probability"}};
    for (const std::string &label : schema.classLabels)
        probabilities["properties"][label] = {{"type", "number"}, {"format", "double"}};
    defs["ClassProbabilities"] = std::move(probabilities);

    defs["ErrorResponse"] = {
        {"type", "object"},
        {"properties",
         {{"error",
           {{"type", "object"},
            {"properties", {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}};
    return defs;
}

OrderedJson errorResponse(const std::string &ref, bool v3)
{
    OrderedJson r = {{"description", "The service failed to execute due to an error."}};
    if (v3)
        r["content"]["application/json"]["schema"] = {{"$ref", ref + "ErrorResponse"}};
    else
        r["schema"] = {{"$ref", ref + "ErrorResponse"}};
    return r;
}

} // namespace

std::string swagger2(const ScoringSchema &schema, const SwaggerInfo &info)
{
    const std::string ref = "#/definitions/";
    OrderedJson doc;
    doc["swagger"] = "2.0";
    doc["info"] = {{"title", info.title},
                   {"description", "API specification for the scoring endpoint " + info.title},
                   {"version", info.version}};
    if (!info.host.empty())
        doc["host"] = info.host;
    doc["schemes"] = OrderedJson::array({"http"});
    doc["consumes"] = OrderedJson::array({"application/json"});
    doc["produces"] = OrderedJson::array({"application/json"});
    doc["securityDefinitions"]["Bearer"] = {{"type", "apiKey"},
                                            {"name", "Authorization"},
                                            {"in", "header"},
                                            {"description", "For example: Bearer abc123"}};
    OrderedJson &paths = doc["paths"];
    paths["/"]["get"] = {
        {"operationId", "ServiceHealthCheck"},
        {"description", "Simple health check endpoint to ensure the service is up at any given point."},
        {"responses",
         {{"200",
           {{"description", "If service is up and running, this response will be returned with the content 'Healthy'"},
            {"schema", {{"type", "string"}}},
            {"examples", {{"application/json", "Healthy"}}}}},
          {"default", errorResponse(ref, false)}}}};
    paths["/score"]["post"] = {
        {"operationId", "RunMLService"},
        {"description", "Run web service's model and get the prediction output"},
        {"security", OrderedJson::array({{{"Bearer", OrderedJson::array()}}})},
        {"parameters",
         OrderedJson::array({{{"name", "serviceInputPayload"},
                       {"in", "body"},
                       {"description", "The input payload for executing the real-time machine learning service."},
                       {"schema", {{"$ref", ref + "ServiceInput"}}}}})},
        {"responses",
         {{"200",
           {{"description", "The service processed the input correctly and provided a result prediction, if applicable."},
            {"schema", {{"$ref", ref + "ServiceOutput"}}}}},
          {"default", errorResponse(ref, false)}}}};
    paths["/swagger.json"]["get"] = {
        {"operationId", "GetSwaggerSpec"},
        {"description", "Get the Swagger specification."},
        {"parameters",
         OrderedJson::array({{{"name", "version"}, {"in", "query"}, {"required", false}, {"type", "integer"}, {"enum", {2, 3}}}})},
        {"responses",
         {{"200", {{"description", "The Swagger specification."}, {"schema", {{"type", "string"}}}}},
          {"default", errorResponse(ref, false)}}}};
    doc["definitions"] = definitions(schema, ref);
    return doc.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string openApi3(const ScoringSchema &schema, const SwaggerInfo &info)
{
    const std::string ref = "#/components/schemas/";
    OrderedJson doc;
    doc["openapi"] = "3.0.1";
    doc["info"] = {{"title", info.title},
                   {"description", "API specification for the scoring endpoint " + info.title},
                   {"version", info.version}};
    if (!info.host.empty())
        doc["servers"] = OrderedJson::array({{{"url", "http://" + info.host}}});
    OrderedJson &paths = doc["paths"];
    paths["/"]["get"] = {
        {"operationId", "ServiceHealthCheck"},
        {"description", "Simple health check endpoint to ensure the service is up at any given point."},
        {"responses",
         {{"200",
           {{"description", "If service is up and running, this response will be returned with the content 'Healthy'"},
            {"content", {{"text/plain", {{"schema", {{"type", "string"}}}, {"example", "Healthy"}}}}}}},
          {"default", errorResponse(ref, true)}}}};
    paths["/score"]["post"] = {
        {"operationId", "RunMLService"},
        {"description", "Run web service's model and get the prediction output"},
        {"security", OrderedJson::array({{{"Bearer", OrderedJson::array()}}})},
        {"requestBody",
         {{"description", "The input payload for executing the real-time machine learning service."},
          {"content", {{"application/json", {{"schema", {{"$ref", ref + "ServiceInput"}}}}}}}}},
        {"responses",
         {{"200",
           {{"description", "The service processed the input correctly and provided a result prediction, if applicable."},
            {"content", {{"application/json", {{"schema", {{"$ref", ref + "ServiceOutput"}}}}}}}}},
          {"default", errorResponse(ref, true)}}}};
    paths["/swagger.json"]["get"] = {
        {"operationId", "GetSwaggerSpec"},
        {"description", "Get the Swagger specification."},
        {"parameters",
         OrderedJson::array({{{"name", "version"},
                       {"in", "query"},
                       {"required", false},
                       {"schema", {{"type", "integer"}, {"enum", {2, 3}}}}}})},
        {"responses",
         {{"200",
           {{"description", "The Swagger specification."},
            {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}},
          {"default", errorResponse(ref, true)}}}};
    doc["components"]["schemas"] = definitions(schema, ref);
    doc["components"]["securitySchemes"]["Bearer"] = {{"type", "http"}, {"scheme", "bearer"}};
    return doc.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

} // namespace cerulean::serving
