# Interface translations: translations/genra_<lang>.ts compiled to .qm by lrelease at build time and
# embedded in genra_widgets as :/i18n/genra_<lang>.qm. Included from widgets/CMakeLists.txt.
# After adding or changing tr() strings, update every .ts file with one command:
#   cmake --build build --target genra_lupdate
# then translate the new entries (Qt Linguist: `linguist translations/genra_de.ts`).
find_package(Qt6 6.4 REQUIRED COMPONENTS LinguistTools)
file(GLOB GENRA_TR_SOURCES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/widgets/*.cpp ${PROJECT_SOURCE_DIR}/widgets/*.h
  ${PROJECT_SOURCE_DIR}/app/gui/*.cpp ${PROJECT_SOURCE_DIR}/app/gui/*.h)
set(GENRA_TS_FILES ${PROJECT_SOURCE_DIR}/translations/genra_en.ts ${PROJECT_SOURCE_DIR}/translations/genra_de.ts)
qt_add_lrelease(genra_widgets TS_FILES ${GENRA_TS_FILES} QM_FILES_OUTPUT_VARIABLE GENRA_QM_FILES)
qt_add_resources(genra_widgets genra_translations
  PREFIX /i18n
  BASE ${CMAKE_CURRENT_BINARY_DIR}
  FILES ${GENRA_QM_FILES})
# lupdate is given the sources alone, without the target's include paths: with them (what
# qt_add_translations does) it follows every #include into LibTorch's headers and runs for over ten
# minutes. tr() contexts are the classes in the listed files, so nothing is lost.
add_custom_target(genra_lupdate
  COMMAND Qt6::lupdate -no-obsolete -locations none ${GENRA_TR_SOURCES} -ts ${GENRA_TS_FILES}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  VERBATIM)

# The application icon (also used by the .desktop entry).
qt_add_resources(genra_widgets genra_resources
  PREFIX /genra
  BASE ${PROJECT_SOURCE_DIR}/resources
  FILES ${PROJECT_SOURCE_DIR}/resources/genra-workbench.svg)
