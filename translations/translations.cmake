# Interface translations: translations/genra_<lang>.ts compiled to .qm by lrelease at build time and
# embedded in genra_widgets as :/i18n/genra_<lang>.qm. Included from widgets/CMakeLists.txt.
# After adding or changing tr() strings, update every .ts file with one command:
#   cmake --build build --target genra_lupdate
# then translate the new entries (Qt Linguist: `linguist translations/genra_de.ts`).
find_package(Qt6 6.4 REQUIRED COMPONENTS LinguistTools)
file(GLOB GENRA_TR_SOURCES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/widgets/*.cpp ${PROJECT_SOURCE_DIR}/widgets/*.h
  ${PROJECT_SOURCE_DIR}/app/gui/*.cpp ${PROJECT_SOURCE_DIR}/app/gui/*.h)
qt_add_translations(genra_widgets
  TS_FILES ${PROJECT_SOURCE_DIR}/translations/genra_en.ts ${PROJECT_SOURCE_DIR}/translations/genra_de.ts
  SOURCES ${GENRA_TR_SOURCES}
  RESOURCE_PREFIX /i18n
  LUPDATE_OPTIONS -no-obsolete -locations none)
add_custom_target(genra_lupdate DEPENDS genra_widgets_lupdate)

# The application icon (also used by the .desktop entry).
qt_add_resources(genra_widgets genra_resources
  PREFIX /genra
  BASE ${PROJECT_SOURCE_DIR}/resources
  FILES ${PROJECT_SOURCE_DIR}/resources/genra-workbench.svg)
