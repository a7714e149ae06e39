#include "core/store/sqlite.h"

#include "core/util/error.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace genra::store {

namespace {

// SQLite's busy handler waits up to the busy timeout and then gives up; some SQLITE_BUSY results
// (a read transaction that wants to write, a WAL snapshot that moved) skip the handler entirely.
// A writer that meets one retries the statement with growing pauses for up to kBusyRetryMs more,
// so an import or another run holding the write lock for a moment never kills a training run.
constexpr int kBusyRetryMs = 120000;

bool isBusy(int rc) {
    const int primary = rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Calls `attempt` until it returns something other than busy, or until the retry time is spent.
template <typename Attempt>
int retryWhileBusy(Attempt attempt) {
    int rc = attempt();
    auto pause = std::chrono::milliseconds(5);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyRetryMs);
    while (isBusy(rc) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(500));
        rc = attempt();
    }
    return rc;
}

}  // namespace

Db::Db(const std::string& path, Mode mode, int busyTimeoutMs) : path_(path) {
    const int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                             : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error("cannot open database " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, busyTimeoutMs);
    sqlite3_extended_result_codes(db_, 1);
    exec("PRAGMA foreign_keys = ON");
    if (mode == Mode::ReadWrite) {
        exec("PRAGMA journal_mode = WAL");
        // NORMAL is durable across process crashes in WAL mode; only power loss may lose the tail.
        exec("PRAGMA synchronous = NORMAL");
    }
}

Db::~Db() { sqlite3_close_v2(db_); }

void Db::fail(const std::string& what) const {
    throw Error(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

void Db::exec(const std::string& sql) {
    // Retried when busy only where that is safe: outside a transaction (the statement's own
    // implicit transaction was rolled back; BEGIN IMMEDIATE is one), and COMMIT, which SQLite
    // documents as retryable.
    const bool retryable = sqlite3_get_autocommit(db_) != 0 || sql == "COMMIT";
    char* message = nullptr;
    auto attempt = [&] {
        sqlite3_free(message);
        message = nullptr;
        return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    };
    const int rc = retryable ? retryWhileBusy(attempt) : attempt();
    if (rc != SQLITE_OK) {
        std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error(path_ + ": SQL failed (" + text + "): " + sql.substr(0, 200));
    }
}

std::int64_t Db::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }

int Db::userVersion() {
    Statement s(*this, "PRAGMA user_version");
    s.step();
    return static_cast<int>(s.columnInt(0));
}

void Db::setUserVersion(int version) { exec("PRAGMA user_version = " + std::to_string(version)); }

Statement::Statement(Db& db, const std::string& sql) : db_(&db), sql_(sql) {
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
        db.fail("cannot prepare \"" + sql.substr(0, 200) + "\"");
    }
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), sql_(std::move(other.sql_)), stepped_(other.stepped_) {
    other.stmt_ = nullptr;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_->fail("bind failed in " + sql_);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) db_->fail("bind failed in " + sql_);
    return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
    if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK) {
        db_->fail("bind failed in " + sql_);
    }
    return *this;
}

Statement& Statement::bindBlob(int index, const void* data, std::size_t size) {
    if (sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT) != SQLITE_OK) {
        db_->fail("bind failed in " + sql_);
    }
    return *this;
}

Statement& Statement::bindNull(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_->fail("bind failed in " + sql_);
    return *this;
}

bool Statement::step() {
    // A first step outside a transaction is a statement of its own and may run again when busy.
    const bool retryable = !stepped_ && sqlite3_get_autocommit(db_->handle()) != 0;
    stepped_ = true;
    auto attempt = [&] {
        const int result = sqlite3_step(stmt_);
        if (isBusy(result)) sqlite3_reset(stmt_);  // keeps the bindings
        return result;
    };
    const int rc = retryable ? retryWhileBusy(attempt) : attempt();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail("statement failed: " + sql_.substr(0, 200));
}

void Statement::run() {
    step();
    reset();
}

void Statement::reset() {
    stepped_ = false;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t Statement::columnInt(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::columnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::columnText(int column) const {
    const auto* text = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size))
                : std::string();
}

std::vector<std::uint8_t> Statement::columnBlob(int column) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::vector<std::uint8_t>(data, data + size) : std::vector<std::uint8_t>();
}

std::optional<std::int64_t> Statement::columnOptionalInt(int column) const {
    if (isNull(column)) return std::nullopt;
    return columnInt(column);
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace genra::store
