// The secret store against the real keychain (a Secret Service under dbus-run-session with
// gnome-keyring, as scripts/test.sh starts it).
#include "core/azure/secret_store.h"
#include "tests/azure/test_support.h"

#include <QUuid>

#include <gtest/gtest.h>

using namespace cerulean::azure;
using namespace cerulean::azure::test;

namespace {

template <class T, class Call>
Result<T> await(Call call)
{
    std::optional<Result<T>> result;
    QObject context;
    call(&context, [&](Result<T> r) { result = std::move(r); });
    EXPECT_TRUE(waitUntil([&]() { return result.has_value(); }, 20000));
    return result.value_or(Result<T>(AzureError::canceled()));
}

} // namespace

TEST(SecretStore, WriteReadOverwriteDelete)
{
    const SecretStore store(QStringLiteral("cerulean-test"));
    const QString key = SecretStore::servicePrincipalKey(QStringLiteral("tenant"), QUuid::createUuid().toString(QUuid::WithoutBraces));

    auto written = await<Empty>([&](QObject *c, auto done) { store.write(key, QStringLiteral("first-secret"), c, done); });
    ASSERT_TRUE(written.ok()) << written.error().toString().toStdString();
    auto read = await<QString>([&](QObject *c, auto done) { store.read(key, c, done); });
    ASSERT_TRUE(read.ok()) << read.error().toString().toStdString();
    EXPECT_EQ(read.value(), QStringLiteral("first-secret"));

    ASSERT_TRUE((await<Empty>([&](QObject *c, auto done) { store.write(key, QStringLiteral("second-secret"), c, done); })).ok());
    read = await<QString>([&](QObject *c, auto done) { store.read(key, c, done); });
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read.value(), QStringLiteral("second-secret"));

    ASSERT_TRUE((await<Empty>([&](QObject *c, auto done) { store.remove(key, c, done); })).ok());
    read = await<QString>([&](QObject *c, auto done) { store.read(key, c, done); });
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().kind, ErrorKind::NotFound);
    EXPECT_TRUE(read.error().action.contains(QStringLiteral("sign in again")));
    // Deleting what is not there is not an error: the entry is gone either way.
    EXPECT_TRUE((await<Empty>([&](QObject *c, auto done) { store.remove(key, c, done); })).ok());
}
