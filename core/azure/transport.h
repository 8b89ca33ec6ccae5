#pragma once

#include "core/azure/pipeline.h"

#include <QNetworkAccessManager>

namespace cerulean::azure {

// The transport that reaches the network: owns the one QNetworkAccessManager every request
// goes through, and enforces the per-try timeout. Create it once per process
// (AzureClient::networkTransport()): destroying a manager while Qt still has events queued
// for its connections is unsafe.
class QtNetworkTransport final : public HttpTransport
{
public:
    QtNetworkTransport();
    ~QtNetworkTransport() override;
    void send(const HttpRequest &request, std::chrono::milliseconds timeout, ResponseCallback done) override;

private:
    QNetworkAccessManager m_network;
};

} // namespace cerulean::azure
