#pragma once

#include "core/azure/cloud.h"
#include "core/azure/result.h"

#include <QSettings>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>

namespace cerulean::azure {

// Who signs in and where (never the secret: that lives in the SecretStore).
struct SignInProfile
{
    QString tenantId;
    QString clientId;
    QUrl authority; // empty: Azure's login.microsoftonline.com; a loopback URL: the local workspace

    bool isValid() const { return !tenantId.isEmpty() && !clientId.isEmpty(); }
    Cloud cloud() const;
};

// A loopback authority is the local workspace service (every endpoint under it); any other
// authority is an Azure authority host (sovereign clouds, a proxy).
Cloud cloudForAuthority(const QUrl &authority);

class HttpPipeline;

// A device code sign-in that was approved or denied.
struct DeviceCodeDecision
{
    QString userCode;
    QString clientId; // who asked to sign in
    QString scope;    // for what
    bool approved = false;
};

// Approves (or denies) a device code sign-in that waits at a local workspace service (`cloud`
// is Local), proving it holds the service's built-in principal secret at its sign-in page
// {base}/devicelogin: it sends an HMAC of the decision and the code keyed with the secret, never
// the secret itself. `pipeline` sends without a credential. Reports once on `context`: the
// decision, or the service's error (401: not its secret; 400: no such code waits).
void decideLocalDeviceCode(std::shared_ptr<const HttpPipeline> pipeline, const Cloud &cloud, const QString &userCode,
                           const QString &principalSecret, bool approve, QObject *context,
                           std::function<void(Result<DeviceCodeDecision>)> done);

SignInProfile loadSignInProfile(QSettings &settings);
void saveSignInProfile(QSettings &settings, const SignInProfile &profile);
void clearSignInProfile(QSettings &settings);

} // namespace cerulean::azure
