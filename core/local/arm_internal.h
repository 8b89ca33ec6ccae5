#pragma once

// Internal to core/local: typed readers of request bodies that turn a wrong shape into a
// 400 naming the field. Failure is thrown only inside LocalService::handle, which turns it
// into an ARM error body; it never leaves the module.

#include "core/azure/naming.h"
#include "core/local/api.h"

#include <optional>

namespace cerulean::local::arm {

struct Failure
{
    int status = 400;
    QString code;
    QString message;
};

QString jsonStr(const Json &obj, const char *key, const QString &path, const QString &fallback = QString());
std::optional<qint64> jsonInt(const Json &obj, const char *key, const QString &path);
std::optional<bool> jsonBool(const Json &obj, const char *key, const QString &path);
Json jsonObj(const Json &obj, const char *key, const QString &path);
Failure notFound(const QString &what, const QString &name);

inline std::string s(const QString &q) { return q.toStdString(); }
inline QString q(const Json &j, const char *key, const QString &fallback = QString())
{
    return j.is_object() && j.contains(key) && j[key].is_string() ? QString::fromStdString(j[key].get<std::string>())
                                                                   : fallback;
}

} // namespace cerulean::local::arm
