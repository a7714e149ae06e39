// Error types of the engine. Every message names what went wrong and where (file, line, key).
#pragma once

#include <stdexcept>
#include <string>

namespace genra {

// Any failure the user can act on: bad input, a missing file, a workspace problem.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Input that could not be parsed; the message carries the file and the position.
class ParseError : public Error {
public:
    ParseError(const std::string& file, const std::string& where, const std::string& what)
        : Error(file + ": " + where + ": " + what), file_(file) {}
    const std::string& file() const { return file_; }

private:
    std::string file_;
};

// Raised when the user cancelled a job; jobs may throw it from deep inside a loop.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

}  // namespace genra
