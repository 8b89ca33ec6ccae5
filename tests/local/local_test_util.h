#pragma once

#include "core/local/service.h"

#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <map>
#include <memory>

namespace cerulean::local::test {

inline QString sharedDir()
{
    const QByteArray env = qgetenv("CERULEAN_SHARED_DIR");
    return env.isEmpty() ? QStringLiteral(CERULEAN_SOURCE_DIR "/../shared") : QString::fromLocal8Bit(env);
}

inline Json readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Json();
    const QByteArray data = f.readAll();
    return Json::parse(data.constData(), data.constData() + data.size(), nullptr, false);
}

inline Json mlExample(const QString &relative)
{
    return readJson(sharedDir() + QStringLiteral("/azure-contract/specification/machinelearningservices/resource-manager/"
                                                 "Microsoft.MachineLearningServices/stable/") +
                    relative);
}

// A service on a temporary root with a token, called as plain functions.
class ServiceFixture : public ::testing::Test
{
protected:
    void openService(bool workers)
    {
        ServiceOptions options;
        options.root = m_dir.path();
        options.startWorkers = workers;
        m_service = std::make_unique<LocalService>(options);
        QString error;
        ASSERT_TRUE(m_service->open(&error)) << error.toStdString();
        m_token = m_service->issueToken();
        m_tokens.clear();
        m_sub = QStringLiteral("/subscriptions/") + m_service->subscriptionId();
        m_rg = m_sub + QStringLiteral("/resourceGroups/rg1");
        m_ws = m_rg + QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces/ws1");
    }

    ApiResponse call(const QByteArray &method, const QString &path, const Json &body = Json(),
                     const QString &apiVersion = QStringLiteral("2025-12-01"))
    {
        QString target = path;
        if (!apiVersion.isEmpty())
            target += (path.contains(QLatin1Char('?')) ? QStringLiteral("&") : QStringLiteral("?")) +
                      QStringLiteral("api-version=") + apiVersion;
        return raw(method, target, body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump()));
    }

    ApiResponse raw(const QByteArray &method, const QString &target, const QByteArray &body,
                    HeaderList headers = {})
    {
        headers.append({"Authorization", "Bearer " + tokenFor(target).toLatin1()});
        return m_service->handle(makeRequest(method, target, body, headers));
    }

    // The child job that ran `step` of pipeline job `pipeline` (child jobs have names of their
    // own, as on Azure), or a name no job has.
    QString stepJob(const QString &pipeline, const QString &step)
    {
        for (const StoredResource &j :
             m_service->store().byKindAndState(QStringLiteral("microsoft.machinelearningservices/workspaces/jobs"), {})) {
            const Json props = j.doc["properties"].value("properties", Json::object());
            if (props.value("azureml.pipeline.parentJobName", std::string()) == pipeline.toStdString() &&
                props.value("azureml.pipeline.stepName", std::string()) == step.toStdString())
                return j.name;
        }
        return QStringLiteral("no-step-%1-of-%2").arg(step, pipeline);
    }

    // A token for the service behind `target`, as a client asks for one: ARM's (m_token) for ARM
    // and the workspace's data plane, the other services' for theirs.
    QString tokenFor(const QString &target)
    {
        QString audience = Audience::management();
        if (target.startsWith(QLatin1String("/graph/")))
            audience = Audience::graph();
        else if (target.startsWith(QLatin1String("/blob/")))
            audience = Audience::storage();
        else if (target.startsWith(QLatin1String("/appinsights/")))
            audience = Audience::appInsights();
        else if (target.startsWith(QLatin1String("/batch/")))
            audience = Audience::machineLearning();
        if (audience == Audience::management())
            return m_token;
        QString &token = m_tokens[audience];
        if (token.isEmpty())
            token = m_service->issueToken(audience);
        return token;
    }

    void createWorkspace()
    {
        ASSERT_EQ(call("PUT", m_rg, Json{{"location", "local"}}, QStringLiteral("2025-04-01")).status, 201);
        // As Azure: 202 without a body, the workspace readable at once.
        const auto r = call("PUT", m_ws, Json{{"location", "local"}, {"properties", {{"friendlyName", "WS"}}}});
        ASSERT_EQ(r.status, 202) << r.body.toStdString();
    }

    QTemporaryDir m_dir;
    std::unique_ptr<LocalService> m_service;
    QString m_token; // ARM's
    std::map<QString, QString> m_tokens; // by audience, for the other services
    QString m_sub, m_rg, m_ws;
};

} // namespace cerulean::local::test
