// Shared by the widget tests: the one QApplication of the test process.
#pragma once

#include <QApplication>

namespace genra::test {

inline QApplication& app() {
    static int argc = 1;
    static char name[] = "genra_widgets_tests";
    static char* argv[] = {name, nullptr};
    static QApplication instance(argc, argv);
    return instance;
}

}  // namespace genra::test
