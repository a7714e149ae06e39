// What a call threw, for checking error messages: one helper instead of a copy per test file.
#pragma once

#include <exception>
#include <string>

#include "core/util/error.h"

namespace genra::test {

// The message of the genra::Error that `fn` throws. Anything else comes back as a line saying what
// happened instead ("no error was thrown", "not a genra::Error: ..."), which no expected message
// contains, so CHECK_THAT(genraErrorOf(...), Contains(...)) fails with it shown.
template <typename F>
std::string genraErrorOf(F&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not a genra::Error: ") + e.what();
    } catch (...) {
        return "not a genra::Error: an exception of another type";
    }
    return "no error was thrown";
}

}  // namespace genra::test
