#include "core/azure/sign_in.h"

namespace cerulean::azure {

namespace {
const QString group = QStringLiteral("azure/signIn");
} // namespace

Cloud cloudForAuthority(const QUrl &authority)
{
    if (authority.isEmpty())
        return Cloud::azure();
    const QString host = authority.host();
    if (host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") || host == QLatin1String("::1"))
        return Cloud::local(authority);
    Cloud cloud = Cloud::azure();
    cloud.authorityHost = authority;
    return cloud;
}

Cloud SignInProfile::cloud() const
{
    return cloudForAuthority(authority);
}

SignInProfile loadSignInProfile(QSettings &settings)
{
    settings.beginGroup(group);
    SignInProfile profile;
    profile.tenantId = settings.value(QStringLiteral("tenantId")).toString();
    profile.clientId = settings.value(QStringLiteral("clientId")).toString();
    profile.authority = QUrl(settings.value(QStringLiteral("authority")).toString());
    settings.endGroup();
    return profile;
}

void saveSignInProfile(QSettings &settings, const SignInProfile &profile)
{
    settings.beginGroup(group);
    settings.setValue(QStringLiteral("tenantId"), profile.tenantId);
    settings.setValue(QStringLiteral("clientId"), profile.clientId);
    settings.setValue(QStringLiteral("authority"), profile.authority.toString());
    settings.endGroup();
    settings.sync();
}

void clearSignInProfile(QSettings &settings)
{
    settings.remove(group);
    settings.sync();
}

} // namespace cerulean::azure
