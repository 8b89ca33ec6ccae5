#include "core/azure/sign_in.h"

#include "core/azure/identity.h"
#include "core/azure/pipeline.h"

#include <QMessageAuthenticationCode>

#include <nlohmann/json.hpp>

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

void decideLocalDeviceCode(std::shared_ptr<const HttpPipeline> pipeline, const Cloud &cloud, const QString &userCode,
                           const QString &principalSecret, bool approve, QObject *context,
                           std::function<void(Result<DeviceCodeDecision>)> done)
{
    if (!cloud.isLocal()) {
        done(AzureError::invalidInput(QStringLiteral("only a local workspace service takes approvals from here; on Azure, "
                                                     "approve the sign-in in the browser")));
        return;
    }
    HttpRequest request;
    request.method = "POST";
    request.url = joinUrl(cloud.authorityHost, QStringLiteral("/devicelogin"));
    request.headers.set("Content-Type", "application/x-www-form-urlencoded");
    request.headers.set("Accept", "application/json");
    // The secret is proven, never sent: whatever listens at --authority (another program on a
    // port the service does not hold) learns a proof good for this one decision on this one code.
    // proof = base64url(HMAC-SHA256(key: the secret, "devicelogin:approve|deny:USERCODE")), the
    // user code as the service keeps it (no '-' or spaces, upper case).
    QString code = userCode;
    code.remove(QLatin1Char('-'));
    code.remove(QLatin1Char(' '));
    code = code.trimmed().toUpper();
    const QString action = approve ? QStringLiteral("approve") : QStringLiteral("deny");
    const QByteArray proof =
        QMessageAuthenticationCode::hash(QStringLiteral("devicelogin:%1:%2").arg(action, code).toUtf8(), principalSecret.toUtf8(),
                                         QCryptographicHash::Sha256)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    request.body = formEncode({{QStringLiteral("user_code"), code},
                               {QStringLiteral("proof"), QString::fromLatin1(proof)},
                               {QStringLiteral("action"), action}});
    pipeline->send(std::move(request), context, [done = std::move(done)](const HttpResponse &response) {
        if (!response.isSuccess())
            return done(AzureError::fromResponse(response));
        const auto doc = nlohmann::json::parse(response.body.constBegin(), response.body.constEnd(), nullptr, false);
        if (!doc.is_object())
            return done(AzureError::invalidResponse(QStringLiteral("the sign-in page's answer is not a JSON object")));
        const auto text = [&](const char *key) { return QString::fromStdString(doc.value(key, std::string())); };
        done(DeviceCodeDecision{text("userCode"), text("clientId"), text("scope"), text("status") == QLatin1String("approved")});
    });
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
