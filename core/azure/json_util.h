#pragma once

// Private to core/azure's serializers: small, null-safe readers over nlohmann::json that
// never throw (a missing or mistyped field reads as empty; callers decide what is required).

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>

namespace cerulean::azure::detail {

using nlohmann::json;

inline const json *member(const json &object, const char *key)
{
    if (!object.is_object())
        return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// Follows a path of keys: at(doc, {"properties", "scoringUri"}).
inline const json *at(const json &object, std::initializer_list<const char *> path)
{
    const json *node = &object;
    for (const char *key : path) {
        node = member(*node, key);
        if (!node)
            return nullptr;
    }
    return node;
}

inline QString asString(const json *value)
{
    if (!value)
        return {};
    if (const auto *text = value->get_ptr<const json::string_t *>())
        return QString::fromStdString(*text);
    return {};
}

inline QString str(const json &object, const char *key) { return asString(member(object, key)); }
inline QString str(const json &object, std::initializer_list<const char *> path) { return asString(at(object, path)); }

inline std::optional<long long> asInt(const json *value)
{
    if (!value)
        return std::nullopt;
    if (const auto *i = value->get_ptr<const json::number_integer_t *>())
        return *i;
    if (const auto *u = value->get_ptr<const json::number_unsigned_t *>())
        return static_cast<long long>(*u);
    if (const auto *f = value->get_ptr<const json::number_float_t *>())
        return static_cast<long long>(*f);
    return std::nullopt;
}

inline std::optional<double> asDouble(const json *value)
{
    if (!value)
        return std::nullopt;
    if (const auto *f = value->get_ptr<const json::number_float_t *>())
        return *f;
    if (auto i = asInt(value))
        return static_cast<double>(*i);
    return std::nullopt;
}

inline std::optional<bool> asBool(const json *value)
{
    if (!value)
        return std::nullopt;
    if (const auto *b = value->get_ptr<const json::boolean_t *>())
        return *b;
    return std::nullopt;
}

inline QStringList asStringList(const json *value)
{
    QStringList list;
    if (value && value->is_array()) {
        for (const json &item : *value)
            list << asString(&item);
    }
    return list;
}

inline json parseJson(const QByteArray &body)
{
    return json::parse(body.constBegin(), body.constEnd(), nullptr, false);
}

inline std::string s(const QString &text) { return text.toStdString(); }

inline QByteArray dump(const json &doc) { return QByteArray::fromStdString(doc.dump()); }

} // namespace cerulean::azure::detail
