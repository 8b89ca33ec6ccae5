#include "core/azure/naming.h"

#include "core/azure/sign_in.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QUrl>
#include <QUuid>

namespace cerulean::azure {

namespace {

QString namingText(const char *text)
{
    return QCoreApplication::translate("WorkspaceNames", text);
}

constexpr qsizetype kResourceGroupMax = 90;
constexpr qsizetype kWorkspaceMin = 3;
constexpr qsizetype kWorkspaceMax = 33;
constexpr qsizetype kApplicationNameMax = 120;
constexpr qsizetype kGlobalNameMax = 24; // storage accounts and key vaults
constexpr qsizetype kSuffixMax = 8;

} // namespace

QString resourceGroupNameError(const QString &name)
{
    // ARM: 1-90 characters; letters (Unicode), digits, '_', '-', '.', '(' and ')'; not ending in '.'.
    static const QRegularExpression rule(QStringLiteral("^[-\\w._()]{1,90}$"), QRegularExpression::UseUnicodePropertiesOption);
    if (name.isEmpty())
        return namingText("Enter a resource group name.");
    if (name.size() > kResourceGroupMax)
        return namingText("A resource group name has at most 90 characters (this one has %1).").arg(name.size());
    if (!rule.match(name).hasMatch())
        return namingText("A resource group name may contain only letters, digits, '_', '-', '.', '(' and ')'.");
    if (name.endsWith(QLatin1Char('.')))
        return namingText("A resource group name cannot end with '.'.");
    return {};
}

QString workspaceNameError(const QString &name)
{
    // Microsoft.MachineLearningServices/workspaces: 3-33 characters, starting with a letter or
    // digit, then letters, digits, '-' and '_'.
    static const QRegularExpression rule(QStringLiteral("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$"));
    if (name.isEmpty())
        return namingText("Enter a workspace name.");
    if (name.size() < kWorkspaceMin || name.size() > kWorkspaceMax)
        return namingText("A workspace name has 3 to 33 characters (this one has %1).").arg(name.size());
    if (!name.at(0).isLetterOrNumber() || name.at(0).unicode() > 127)
        return namingText("A workspace name must start with a letter or digit.");
    if (!rule.match(name).hasMatch())
        return namingText("A workspace name may contain only letters, digits, '-' and '_'.");
    return {};
}

QString locationError(const QString &location)
{
    static const QRegularExpression rule(QStringLiteral("^[a-z0-9]+$"));
    if (location.isEmpty())
        return namingText("Enter a location, such as westeurope or eastus.");
    if (!rule.match(location).hasMatch())
        return namingText("A location is written in lower case without spaces, such as westeurope or eastus.");
    return {};
}

QString tenantError(const QString &tenant)
{
    static const QRegularExpression domain(QStringLiteral("^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$"));
    if (tenant.isEmpty())
        return namingText("Enter the tenant: its ID (a GUID), its domain, or organizations.");
    if (tenant == QLatin1String("organizations") || tenant == QLatin1String("common"))
        return {};
    if (!QUuid::fromString(tenant).isNull() || domain.match(tenant).hasMatch())
        return {};
    return namingText("A tenant is a GUID (such as 72f988bf-86f1-41af-91ab-2d7cd011db47), a domain (contoso.onmicrosoft.com) "
              "or organizations.");
}

QString clientIdError(const QString &clientId)
{
    if (clientId.isEmpty())
        return namingText("Enter the application (client) ID.");
    if (QUuid::fromString(clientId).isNull())
        return namingText("An application (client) ID is a GUID, such as 04b07795-8ddb-461a-bbee-02f9e1bf7b46.");
    return {};
}

QString applicationNameError(const QString &displayName)
{
    if (displayName.trimmed().isEmpty())
        return namingText("Enter a display name for the application.");
    if (displayName.size() > kApplicationNameMax)
        return namingText("An application's display name has at most 120 characters.");
    return {};
}

QString authorityError(const QString &authority)
{
    const QString text = authority.trimmed();
    if (text.isEmpty())
        return {};
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return namingText("The authority is an absolute URL, such as https://login.microsoftonline.com.");
    if (url.scheme() == QLatin1String("http") && cloudForAuthority(url).kind != Cloud::Kind::Local)
        return namingText("Only a loopback authority (the local workspace service) may use http.");
    return {};
}

DependentNames dependentNamesFor(const QString &workspaceName, const QString &suffix)
{
    QString alnum;
    for (QChar c : workspaceName.toLower())
        if ((c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('0') && c <= QLatin1Char('9')))
            alnum += c;
    const QString tail = suffix.toLower().left(kSuffixMax);
    DependentNames names;
    // Storage: "st" + name + suffix, at most 24 characters.
    names.storageAccount = QString(QStringLiteral("st") + alnum).left(kGlobalNameMax - tail.size()) + tail;
    // Key vault: "kv-" + name + "-" + suffix, at most 24 characters, starting with a letter.
    const QString vaultStem = QString(QStringLiteral("kv-") + alnum).left(kGlobalNameMax - tail.size() - 1);
    names.keyVault = vaultStem + QLatin1Char('-') + tail;
    names.applicationInsights = workspaceName + QStringLiteral("-insights");
    return names;
}

} // namespace cerulean::azure
