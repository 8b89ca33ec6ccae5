// GoogleTest main with a QCoreApplication: the client runs on Qt's event loop.
#include <QCoreApplication>
#include <QFileInfo>

#include <gtest/gtest.h>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("CeruleanTests"));
    // Each test program keeps its own settings: ctest runs them at the same time, and one
    // program's logout must not clear the sign-in another is using.
    QCoreApplication::setApplicationName(QFileInfo(QCoreApplication::applicationFilePath()).fileName());
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
