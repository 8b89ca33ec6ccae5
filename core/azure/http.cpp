#include "core/azure/http.h"

namespace cerulean::azure {

void HttpHeaders::set(const QByteArray &name, const QByteArray &value)
{
    remove(name);
    m_headers.append({name, value});
}

void HttpHeaders::add(const QByteArray &name, const QByteArray &value)
{
    m_headers.append({name, value});
}

void HttpHeaders::remove(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    m_headers.removeIf([&](const QPair<QByteArray, QByteArray> &header) { return header.first.toLower() == lower; });
}

QByteArray HttpHeaders::value(const QByteArray &name) const
{
    const QByteArray lower = name.toLower();
    for (const auto &header : m_headers) {
        if (header.first.toLower() == lower)
            return header.second;
    }
    return {};
}

bool HttpHeaders::contains(const QByteArray &name) const
{
    const QByteArray lower = name.toLower();
    for (const auto &header : m_headers) {
        if (header.first.toLower() == lower)
            return true;
    }
    return false;
}

} // namespace cerulean::azure
