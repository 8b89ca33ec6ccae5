# Desktop integration and a Debian package: cpack -G DEB in the build directory.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/io.github.cerulean.Cerulean.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/io.github.cerulean.Cerulean.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/cerulean.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
        RENAME io.github.cerulean.Cerulean.svg)

set(CPACK_PACKAGE_NAME "cerulean")
set(CPACK_PACKAGE_VENDOR "Cerulean")
set(CPACK_PACKAGE_CONTACT "Cerulean developers <cerulean@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
# The libraries both programs link come from dpkg-shlibdeps; these are loaded or run later,
# where it cannot see them: the local workspace's SQLite driver, the SVG plugins that draw the
# icon, libsecret, through which QtKeychain reaches a Secret Service, and bubblewrap, which
# confines the local workspace's command steps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6svg6, libsecret-1-0, bubblewrap")
# Without a keychain every flow still works, with secrets kept for the session only.
# libnss-myhostname resolves {account}.blob.localhost, where Azure's SDKs find the local
# workspace's blob storage; Cerulean's own client uses path-style URLs and runs without it.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnome-keyring | kwalletmanager, libnss-myhostname")
set(CPACK_STRIP_FILES ON)
include(CPack)
