// GoogleTest main with a QCoreApplication: the client runs on Qt's event loop.
#include <QCoreApplication>

#include <gtest/gtest.h>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("CeruleanTests"));
    QCoreApplication::setApplicationName(QStringLiteral("cerulean-azure-tests"));
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
