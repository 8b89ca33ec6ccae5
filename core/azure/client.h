#pragma once

#include "core/azure/cloud.h"
#include "core/azure/credential.h"
#include "core/azure/pipeline.h"

#include <memory>

namespace cerulean::azure {

// The pipelines one signed-in identity uses, all on one transport (one
// QNetworkAccessManager): ARM (also the ML workspace, MLflow and published pipelines), Graph,
// Storage, App Insights, the ML inference audience (batch endpoint invocation, AADToken
// endpoints), and an unauthenticated one (token endpoint, scoring with keys or endpoint tokens).
class AzureClient final
{
public:
    // transport: null for the process-wide network transport. base: retry, timeouts, clock,
    // scheduler and jitter shared by every pipeline (its credential/scopes are ignored).
    AzureClient(Cloud cloud, std::shared_ptr<TokenCredential> credential,
                std::shared_ptr<HttpTransport> transport = nullptr, PipelineOptions base = {});

    const Cloud &cloud() const { return m_cloud; }
    const std::shared_ptr<TokenCredential> &credential() const { return m_credential; }
    const std::shared_ptr<HttpTransport> &transport() const { return m_transport; }

    const std::shared_ptr<HttpPipeline> &arm() const { return m_arm; }
    const std::shared_ptr<HttpPipeline> &graph() const { return m_graph; }
    const std::shared_ptr<HttpPipeline> &storage() const { return m_storage; }
    const std::shared_ptr<HttpPipeline> &appInsights() const { return m_appInsights; }
    const std::shared_ptr<HttpPipeline> &machineLearning() const { return m_machineLearning; }
    const std::shared_ptr<HttpPipeline> &anonymous() const { return m_anonymous; }

    // A pipeline without a credential on the same transport, for credentials' token requests.
    static std::shared_ptr<HttpPipeline> tokenPipeline(std::shared_ptr<HttpTransport> transport,
                                                       PipelineOptions base = {});
    // The process-wide network transport (created on first use, lives until exit).
    static std::shared_ptr<HttpTransport> networkTransport();

private:
    Cloud m_cloud;
    std::shared_ptr<TokenCredential> m_credential;
    std::shared_ptr<HttpTransport> m_transport;
    std::shared_ptr<HttpPipeline> m_arm, m_graph, m_storage, m_appInsights, m_machineLearning, m_anonymous;
};

} // namespace cerulean::azure
