#include "core/azure/client.h"

#include "core/azure/transport.h"

namespace cerulean::azure {

std::shared_ptr<HttpTransport> AzureClient::networkTransport()
{
    // One QNetworkAccessManager for the whole process (STYLE: one, owned by the transport).
    // It is never destroyed: tearing a manager down while Qt still has events queued for its
    // replies crashes, and the process exit reclaims it anyway.
    static auto *const shared = new std::shared_ptr<HttpTransport>(std::make_shared<QtNetworkTransport>());
    return *shared;
}

std::shared_ptr<HttpPipeline> AzureClient::tokenPipeline(std::shared_ptr<HttpTransport> transport, PipelineOptions base)
{
    base.credential.reset();
    base.scopes.clear();
    return std::make_shared<HttpPipeline>(std::move(transport), std::move(base));
}

AzureClient::AzureClient(Cloud cloud, std::shared_ptr<TokenCredential> credential,
                         std::shared_ptr<HttpTransport> transport, PipelineOptions base)
    : m_cloud(std::move(cloud)), m_credential(std::move(credential)),
      m_transport(transport ? std::move(transport) : networkTransport())
{
    auto make = [&](const QString &scope) {
        PipelineOptions options = base;
        options.credential = m_credential;
        options.scopes = {scope};
        return std::make_shared<HttpPipeline>(m_transport, options);
    };
    m_arm = make(Cloud::armScope());
    m_graph = make(Cloud::graphScope());
    m_storage = make(Cloud::storageScope());
    m_appInsights = make(Cloud::appInsightsScope());
    m_machineLearning = make(Cloud::machineLearningScope());
    m_anonymous = tokenPipeline(m_transport, base);
}

} // namespace cerulean::azure
