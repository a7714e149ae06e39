// A thin RAII layer over SQLite: connections, prepared statements, transactions.
// Errors become genra::Error naming the database file and the SQL that failed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace genra::store {

class Db;

class Statement {
public:
    Statement(Db& db, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, const std::string& value);
    Statement& bind(int index, const char* value) { return bind(index, std::string(value)); }
    Statement& bindBlob(int index, const void* data, std::size_t size);
    Statement& bindNull(int index);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bindNull(index);
    }

    // Advances to the next row; false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset();

    bool isNull(int column) const;
    std::int64_t columnInt(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    std::vector<std::uint8_t> columnBlob(int column) const;
    std::optional<std::int64_t> columnOptionalInt(int column) const;

private:
    Db* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    std::string sql_;
    bool stepped_ = false;  // stepped since the last reset
};

class Db {
public:
    enum class Mode { ReadWrite, ReadOnly };
    // Opens (and for ReadWrite creates) the database; enables WAL, foreign keys, a busy timeout.
    // A statement that still finds the database busy after the timeout is retried with backoff
    // for up to two more minutes when that is safe (outside a transaction, BEGIN, COMMIT).
    explicit Db(const std::string& path, Mode mode = Mode::ReadWrite, int busyTimeoutMs = 10000);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(const std::string& sql);
    Statement prepare(const std::string& sql) { return Statement(*this, sql); }
    std::int64_t lastInsertId() const;
    int changes() const;
    int userVersion();
    void setUserVersion(int version);

    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }
    [[noreturn]] void fail(const std::string& what) const;

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

// BEGIN IMMEDIATE … COMMIT; rolls back when destroyed without commit().
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();

private:
    Db& db_;
    bool done_ = false;
};

}  // namespace genra::store
