#pragma once

#include "core/azure/cloud.h"

#include <QSettings>
#include <QString>
#include <QUrl>

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

SignInProfile loadSignInProfile(QSettings &settings);
void saveSignInProfile(QSettings &settings, const SignInProfile &profile);
void clearSignInProfile(QSettings &settings);

} // namespace cerulean::azure
