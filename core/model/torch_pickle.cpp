// Pickle virtual machine for the subset torch.save() writes (protocols 2-4). Every read is
// bounds-checked, every stack access checked, and tensor views are validated against their storage
// before LibTorch sees them.
#include "core/model/torch_pickle.h"
#include "core/model/zip_directory.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace genra::model {
namespace {

namespace fs = std::filesystem;

// The rank cap safetensors uses too; no checkpoint tensor comes near it.
constexpr std::size_t kMaxRank = 32;
// Module and class names in GLOBAL are short; a longer "line" means the stream is garbage.
constexpr std::size_t kMaxGlobalLine = 1024;
// How deeply containers (tuples, lists, dicts, objects) may nest. A state dict nests 3 or 4 levels;
// the cap refuses a few bytes per level of hostile nesting (2 MB of TUPLE1 is 2 million levels)
// before it is built. GENRA_PICKLE_MAX_DEPTH changes it (see docs/security.md).
constexpr std::uint32_t kDefaultMaxDepth = 1000;

std::uint32_t maxDepth() {
    static const std::uint32_t limit = [] {
        const char* text = std::getenv("GENRA_PICKLE_MAX_DEPTH");
        if (text == nullptr || *text == '\0') return kDefaultMaxDepth;
        char* end = nullptr;
        const long value = std::strtol(text, &end, 10);
        if (*end != '\0' || value < 1 || value > 100000000) return kDefaultMaxDepth;
        return static_cast<std::uint32_t>(value);
    }();
    return limit;
}

struct PyObject;
using PyRef = std::shared_ptr<PyObject>;

// A Python value as far as a state dict needs one. Unknown objects keep their class name and
// whatever SETITEMS/APPENDS gave them, which is enough to walk past them.
struct PyObject {
    enum class Kind {
        None = 1,
        Bool,
        Int,
        BigInt,
        Float,
        Str,
        Bytes,
        Tuple,
        List,
        Dict,
        Global,
        Object,
        Storage,
        Tensor
    };
    Kind kind = Kind::None;
    std::int64_t intValue = 0;
    double floatValue = 0.0;
    std::string text;                              // Str, Bytes, and the qualified name of a Global or Object
    std::vector<PyRef> items;                      // Tuple, List (and APPENDS on an Object)
    std::vector<std::pair<PyRef, PyRef>> entries;  // Dict (and SETITEMS on an Object)
    torch::Tensor tensor;                          // Storage (1-D, all elements) or Tensor
    std::uint32_t depth = 0;                       // nesting levels below it, as built (0 for a leaf)
};

PyRef make(PyObject::Kind kind) {
    auto p = std::make_shared<PyObject>();
    p->kind = kind;
    return p;
}

std::string kindName(const PyObject& o) {
    switch (o.kind) {
        case PyObject::Kind::None:
            return "None";
        case PyObject::Kind::Bool:
            return "bool";
        case PyObject::Kind::Int:
        case PyObject::Kind::BigInt:
            return "int";
        case PyObject::Kind::Float:
            return "float";
        case PyObject::Kind::Str:
            return "str";
        case PyObject::Kind::Bytes:
            return "bytes";
        case PyObject::Kind::Tuple:
            return "tuple";
        case PyObject::Kind::List:
            return "list";
        case PyObject::Kind::Dict:
            return "dict";
        case PyObject::Kind::Global:
            return "reference to " + o.text;
        case PyObject::Kind::Object:
            return o.text + " object";
        case PyObject::Kind::Storage:
            return "storage";
        case PyObject::Kind::Tensor:
            return "Tensor";
    }
    return "object";
}

bool storageDtype(const std::string& global, torch::ScalarType* type) {
    static const std::pair<const char*, torch::ScalarType> kTypes[] = {
        {"torch.FloatStorage", torch::kFloat}, {"torch.DoubleStorage", torch::kDouble},
        {"torch.HalfStorage", torch::kHalf},   {"torch.BFloat16Storage", torch::kBFloat16},
        {"torch.LongStorage", torch::kLong},   {"torch.IntStorage", torch::kInt},
        {"torch.ShortStorage", torch::kShort}, {"torch.CharStorage", torch::kChar},
        {"torch.ByteStorage", torch::kByte},   {"torch.BoolStorage", torch::kBool},
    };
    for (const auto& [name, t] : kTypes) {
        if (global == name) {
            *type = t;
            return true;
        }
    }
    return false;
}

class Unpickler {
public:
    // `denseMemo`: refuse memo indices past the pickle's length, for pickles that LibTorch's
    // reader reads next (it sizes its memo table by the largest index).
    Unpickler(const std::uint8_t* data, std::size_t size, const StorageLoader& loadStorage,
              std::string source, bool denseMemo = false)
        : data_(data), size_(size), loadStorage_(loadStorage), source_(std::move(source)), denseMemo_(denseMemo) {}

    PyRef run() {
        for (;;) {
            const std::uint8_t op = u8();
            // One opcode per line reads as the table it is.
            // clang-format off
            switch (op) {
                case 0x80: u8(); break;  // PROTO
                case 0x95: read(8); break;  // FRAME: a length hint only
                case '.': return pop();  // STOP
                case '(': marks_.push_back(stack_.size()); break;  // MARK
                case '0': pop(); break;  // POP
                case '1': popToMark(); break;  // POP_MARK
                case '2': push(top()); break;  // DUP
                case 'N': push(make(PyObject::Kind::None)); break;
                case 0x88: pushBool(true); break;  // NEWTRUE
                case 0x89: pushBool(false); break;  // NEWFALSE
                case 'K': pushInt(u8()); break;  // BININT1
                case 'M': pushInt(readLittle(2, false)); break;  // BININT2
                case 'J': pushInt(readLittle(4, true)); break;  // BININT
                case 0x8a: pushLong(u8()); break;  // LONG1
                case 0x8b: pushLong(readLittle(4, true)); break;  // LONG4
                case 'G': pushFloat(); break;  // BINFLOAT
                case 'X': pushText(PyObject::Kind::Str, readLittle(4, false)); break;  // BINUNICODE
                case 0x8c: pushText(PyObject::Kind::Str, u8()); break;  // SHORT_BINUNICODE
                case 0x8d: pushText(PyObject::Kind::Str, readLittle(8, false)); break;  // BINUNICODE8
                case 'T': pushText(PyObject::Kind::Bytes, readLittle(4, true)); break;  // BINSTRING
                case 'U': pushText(PyObject::Kind::Bytes, u8()); break;  // SHORT_BINSTRING
                case 'B': pushText(PyObject::Kind::Bytes, readLittle(4, false)); break;  // BINBYTES
                case 'C': pushText(PyObject::Kind::Bytes, u8()); break;  // SHORT_BINBYTES
                case 0x8e: pushText(PyObject::Kind::Bytes, readLittle(8, false)); break;  // BINBYTES8
                case ')': push(make(PyObject::Kind::Tuple)); break;  // EMPTY_TUPLE
                case 't': pushTuple(popToMark()); break;  // TUPLE
                case 0x85: pushTupleOf(1); break;  // TUPLE1
                case 0x86: pushTupleOf(2); break;  // TUPLE2
                case 0x87: pushTupleOf(3); break;  // TUPLE3
                case ']': push(make(PyObject::Kind::List)); break;  // EMPTY_LIST
                case 'l': {  // LIST
                    auto list = make(PyObject::Kind::List);
                    appendTo(*list, popToMark());
                    push(list);
                    break;
                }
                case '}': push(make(PyObject::Kind::Dict)); break;  // EMPTY_DICT
                case 'd': {  // DICT
                    auto dict = make(PyObject::Kind::Dict);
                    setItems(*dict, popToMark());
                    push(dict);
                    break;
                }
                case 'a': {  // APPEND
                    PyRef value = pop();
                    appendTo(*top(), {value});
                    break;
                }
                case 'e': {  // APPENDS
                    auto values = popToMark();
                    appendTo(*top(), values);
                    break;
                }
                case 's': {  // SETITEM
                    PyRef value = pop();
                    PyRef key = pop();
                    setItems(*top(), {key, value});
                    break;
                }
                case 'u': {  // SETITEMS
                    auto kv = popToMark();
                    setItems(*top(), kv);
                    break;
                }
                case 'q': memoize(u8()); break;  // BINPUT
                case 'r': memoize(readLittle(4, false)); break;  // LONG_BINPUT
                case 0x94: memoize(memo_.size()); break;  // MEMOIZE
                case 'h': push(memoGet(u8())); break;  // BINGET
                case 'j': push(memoGet(readLittle(4, false))); break;  // LONG_BINGET
                case 'c': {  // GLOBAL: module line, then name line (two statements fix the order)
                    const std::string module = readLine();
                    pushGlobal(module, readLine());
                    break;
                }
                case 0x93: {  // STACK_GLOBAL
                    PyRef name = pop();
                    PyRef module = pop();
                    if (name->kind != PyObject::Kind::Str || module->kind != PyObject::Kind::Str) fail("STACK_GLOBAL without strings");
                    pushGlobal(module->text, name->text);
                    break;
                }
                case 'R': reduce(); break;  // REDUCE
                case 0x81: {  // NEWOBJ
                    pop();  // args
                    PyRef cls = pop();
                    push(opaque(*cls));
                    break;
                }
                case 'b': pop(); break;  // BUILD: object state (OrderedDict._metadata, attributes) is not needed
                case 'Q': persistentLoad(); break;  // BINPERSID
                // clang-format on
                default:
                    throw UnsupportedPickle(source_ + ": pickle opcode 0x" + hex(op) + " at byte " +
                                            std::to_string(pos_ - 1) +
                                            " is not supported by the state-dict reader");
            }
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw Error(source_ + ": malformed torch.save pickle at byte " + std::to_string(pos_) + ": " + what);
    }

    static std::string hex(std::uint8_t v) {
        const char* digits = "0123456789abcdef";
        return {digits[v >> 4], digits[v & 15]};
    }

    const std::uint8_t* read(std::uint64_t n) {
        if (n > size_ - pos_) fail("truncated (wanted " + std::to_string(n) + " more bytes)");
        const std::uint8_t* p = data_ + pos_;
        pos_ += static_cast<std::size_t>(n);
        return p;
    }
    std::uint8_t u8() { return *read(1); }

    // An n-byte little-endian integer (n <= 8), sign-extended when `isSigned`.
    std::int64_t readLittle(int n, bool isSigned) {
        const std::uint8_t* p = read(static_cast<std::uint64_t>(n));
        std::uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
        if (isSigned && n < 8 && (p[n - 1] & 0x80)) v |= ~std::uint64_t{0} << (8 * n);
        if (!isSigned && n == 8 && v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            fail("length out of range");
        }
        return static_cast<std::int64_t>(v);
    }

    std::string readLine() {
        std::string line;
        for (;;) {
            const char c = static_cast<char>(u8());
            if (c == '\n') return line;
            if (line.size() >= kMaxGlobalLine) fail("GLOBAL name too long");
            line.push_back(c);
        }
    }

    // Every object reaches a container through the stack, so everything pushed is registered here;
    // the destructor empties every container before any object is freed, so freeing is flat even
    // for a chain a million objects long or one that contains itself.
    void push(PyRef v) {
        objects_.push_back(v);
        stack_.push_back(std::move(v));
    }
    PyRef pop() {
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("stack underflow");
        PyRef v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    const PyRef& top() const {
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail("stack underflow");
        return stack_.back();
    }
    std::vector<PyRef> popToMark() {
        if (marks_.empty()) fail("no MARK to pop to");
        const std::size_t mark = marks_.back();
        marks_.pop_back();
        std::vector<PyRef> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
                                 std::make_move_iterator(stack_.end()));
        stack_.resize(mark);
        return items;
    }

    void pushBool(bool b) {
        auto v = make(PyObject::Kind::Bool);
        v->intValue = b ? 1 : 0;
        push(v);
    }
    void pushInt(std::int64_t i) {
        auto v = make(PyObject::Kind::Int);
        v->intValue = i;
        push(v);
    }
    void pushLong(std::int64_t n) {
        if (n < 0) fail("negative LONG length");
        const std::uint8_t* p = read(static_cast<std::uint64_t>(n));
        if (n > 8) {
            push(make(PyObject::Kind::BigInt));  // never needed as a number here
            return;
        }
        std::uint64_t v = 0;
        for (std::int64_t i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
        if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~std::uint64_t{0} << (8 * n);
        pushInt(static_cast<std::int64_t>(v));
    }
    void pushFloat() {
        const std::uint8_t* p = read(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
        auto v = make(PyObject::Kind::Float);
        std::memcpy(&v->floatValue, &bits, sizeof bits);
        push(v);
    }
    void pushText(PyObject::Kind kind, std::int64_t n) {
        if (n < 0) fail("negative string length");
        const std::uint8_t* p = read(static_cast<std::uint64_t>(n));
        auto v = make(kind);
        v->text.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        push(v);
    }
    void pushTuple(std::vector<PyRef> items) {
        auto t = make(PyObject::Kind::Tuple);
        for (const auto& item : items) noteChild(*t, *item);
        t->items = std::move(items);
        push(t);
    }

    // Records that `child` is now inside `parent`: refuses a container holding itself and nesting
    // past the depth cap, before the deeper structure exists.
    void noteChild(PyObject& parent, const PyObject& child) {
        if (&parent == &child) fail("a " + kindName(parent) + " contains itself (a reference cycle through the memo)");
        const std::uint32_t depth = child.depth + 1;
        if (depth > maxDepth()) {
            fail("containers nested deeper than " + std::to_string(maxDepth()) +
                 " levels (the limit for pickles; GENRA_PICKLE_MAX_DEPTH raises it)");
        }
        parent.depth = std::max(parent.depth, depth);
    }
    void pushTupleOf(std::size_t n) {
        std::vector<PyRef> items(n);
        for (std::size_t i = n; i-- > 0;) items[i] = pop();
        pushTuple(std::move(items));
    }
    void pushGlobal(const std::string& module, const std::string& name) {
        auto g = make(PyObject::Kind::Global);
        g->text = module + "." + name;
        push(g);
    }

    void appendTo(PyObject& target, const std::vector<PyRef>& values) {
        if (target.kind != PyObject::Kind::List && target.kind != PyObject::Kind::Object) {
            fail("APPEND to a " + kindName(target));
        }
        for (const auto& value : values) noteChild(target, *value);
        target.items.insert(target.items.end(), values.begin(), values.end());
    }
    void setItems(PyObject& target, const std::vector<PyRef>& kv) {
        if (target.kind != PyObject::Kind::Dict && target.kind != PyObject::Kind::Object) {
            fail("SETITEM on a " + kindName(target));
        }
        if (kv.size() % 2 != 0) fail("SETITEMS with an odd number of values");
        for (const auto& item : kv) noteChild(target, *item);
        for (std::size_t i = 0; i < kv.size(); i += 2) target.entries.emplace_back(kv[i], kv[i + 1]);
    }

    void memoize(std::int64_t index) {
        // Pickles number memo entries from 0 and each PUT takes at least two bytes.
        if (denseMemo_ && static_cast<std::uint64_t>(index) >= size_) {
            fail("memo index " + std::to_string(index) + " is past the pickle's " + std::to_string(size_) + " bytes");
        }
        memo_[index] = top();
    }
    PyRef memoGet(std::int64_t index) {
        const auto it = memo_.find(index);
        if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
        return it->second;
    }

    static PyRef opaque(const PyObject& cls) {
        auto o = make(PyObject::Kind::Object);
        o->text = cls.kind == PyObject::Kind::Global ? cls.text : "unknown";
        return o;
    }

    std::int64_t intArg(const PyRef& v, const char* what) const {
        if (v->kind != PyObject::Kind::Int)
            fail(std::string(what) + " is a " + kindName(*v) + ", expected int");
        return v->intValue;
    }

    std::vector<std::int64_t> intTuple(const PyRef& v, const char* what) const {
        if (v->kind != PyObject::Kind::Tuple && v->kind != PyObject::Kind::List) {
            fail(std::string(what) + " is a " + kindName(*v) + ", expected a tuple of ints");
        }
        if (v->items.size() > kMaxRank) fail(std::string(what) + " has too many dimensions");
        std::vector<std::int64_t> out;
        for (const auto& item : v->items) {
            const std::int64_t i = intArg(item, what);
            if (i < 0) fail(std::string(what) + " holds a negative value");
            out.push_back(i);
        }
        return out;
    }

    // torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...): a view of the
    // storage, checked to lie inside it.
    PyRef rebuildTensor(const std::vector<PyRef>& args) {
        if (args.size() < 4) fail("_rebuild_tensor with " + std::to_string(args.size()) + " arguments");
        if (args[0]->kind != PyObject::Kind::Storage) fail("_rebuild_tensor of a " + kindName(*args[0]));
        const torch::Tensor& storage = args[0]->tensor;
        const std::int64_t offset = intArg(args[1], "storage_offset");
        const auto size = intTuple(args[2], "size");
        const auto stride = intTuple(args[3], "stride");
        if (offset < 0 || size.size() != stride.size()) fail("tensor size and stride do not match");
        bool empty = false;
        std::uint64_t last = static_cast<std::uint64_t>(offset);
        for (std::size_t i = 0; i < size.size(); ++i) {
            if (size[i] == 0) empty = true;
            std::uint64_t reach = 0;
            if (size[i] > 0 && (__builtin_mul_overflow(static_cast<std::uint64_t>(size[i] - 1),
                                                       static_cast<std::uint64_t>(stride[i]), &reach) ||
                                __builtin_add_overflow(last, reach, &last))) {
                fail("tensor view overflows");
            }
        }
        std::uint64_t strideProduct = 1;
        for (const std::int64_t s : size) {
            if (__builtin_mul_overflow(strideProduct,
                                       static_cast<std::uint64_t>(std::max<std::int64_t>(s, 1)),
                                       &strideProduct) ||
                strideProduct > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                fail("tensor shape too large");
            }
        }
        if (!empty && last >= static_cast<std::uint64_t>(storage.numel())) {
            fail("tensor view reaches element " + std::to_string(last) + " of a storage of " +
                 std::to_string(storage.numel()));
        }
        auto t = make(PyObject::Kind::Tensor);
        t->tensor = empty ? torch::empty(size, storage.options()) : storage.as_strided(size, stride, offset);
        return t;
    }

    void reduce() {
        PyRef args = pop();
        PyRef callable = pop();
        if (args->kind != PyObject::Kind::Tuple) fail("REDUCE arguments are a " + kindName(*args));
        const std::string name = callable->kind == PyObject::Kind::Global ? callable->text : std::string();
        if (name == "collections.OrderedDict" && args->items.empty()) {
            push(make(PyObject::Kind::Dict));
        } else if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
            push(rebuildTensor(args->items));
        } else if (name == "torch._utils._rebuild_parameter" ||
                   name == "torch._utils._rebuild_parameter_with_state") {
            if (args->items.empty() || args->items[0]->kind != PyObject::Kind::Tensor)
                fail("_rebuild_parameter without a tensor");
            push(args->items[0]);
        } else {
            push(opaque(*callable));
        }
    }

    // ('storage', torch.FloatStorage, key, location, numel): the record data/<key>.
    void persistentLoad() {
        PyRef pid = pop();
        if (pid->kind != PyObject::Kind::Tuple || pid->items.size() < 5 ||
            pid->items[0]->kind != PyObject::Kind::Str || pid->items[0]->text != "storage") {
            fail("persistent id is not a ('storage', ...) tuple");
        }
        const auto& items = pid->items;
        torch::ScalarType dtype = torch::kFloat;
        if (items[1]->kind != PyObject::Kind::Global || !storageDtype(items[1]->text, &dtype)) {
            throw UnsupportedPickle(source_ + ": storage type " + kindName(*items[1]) + " is not supported");
        }
        if (items[2]->kind != PyObject::Kind::Str) fail("storage key is not a string");
        const std::string& key = items[2]->text;
        const std::int64_t numel = intArg(items[4], "storage size");
        if (numel < 0) fail("negative storage size");
        auto it = storages_.find(key);
        if (it == storages_.end()) {
            auto storage = make(PyObject::Kind::Storage);
            storage->tensor = loadStorage_(key, dtype, numel);
            it = storages_.emplace(key, storage).first;
        } else if (it->second->tensor.scalar_type() != dtype || it->second->tensor.numel() != numel) {
            fail("storage '" + key + "' is referenced with two different types or sizes");
        }
        push(it->second);
    }

public:
    ~Unpickler() {
        for (const auto& o : objects_) {
            o->items.clear();
            o->entries.clear();
        }
    }
    Unpickler(const Unpickler&) = delete;
    Unpickler& operator=(const Unpickler&) = delete;

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
    const StorageLoader& loadStorage_;
    std::string source_;
    bool denseMemo_ = false;
    std::vector<PyRef> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::int64_t, PyRef> memo_;
    std::unordered_map<std::string, PyRef> storages_;
    std::vector<PyRef> objects_;  // everything ever pushed (see push)
};

StateDict toStateDict(const PyObject& saved, const std::string& source, std::vector<std::string>* notes) {
    // open_clip training checkpoints: {"epoch": ..., "state_dict": {...}, "optimizer": {...}}. The
    // wrappers are followed in a loop, and a dict reached twice (one that holds itself through a
    // memo reference) is refused rather than followed forever.
    const PyObject* current = &saved;
    std::unordered_set<const PyObject*> seen;
    for (;;) {
        if (!seen.insert(current).second) {
            throw Error(source + ": malformed torch.save pickle: its \"state_dict\" entry leads back to a dict "
                        "that contains it (a reference cycle)");
        }
        const PyObject* inner = nullptr;
        if (current->kind == PyObject::Kind::Dict) {
            for (const auto& [key, value] : current->entries) {
                if (key->kind == PyObject::Kind::Str && key->text == "state_dict" && value->kind == PyObject::Kind::Dict) {
                    inner = value.get();
                    break;
                }
            }
        }
        if (inner == nullptr) break;
        if (notes != nullptr && seen.size() == 1) notes->push_back("used the \"state_dict\" entry of the saved dict");
        current = inner;
    }
    const PyObject& root = *current;
    if (root.kind != PyObject::Kind::Dict) {
        if (root.kind == PyObject::Kind::Object) {
            throw Error(source + ": torch.save data is a pickled " + root.text +
                        " object, not a state dict; save model.state_dict() instead of the model");
        }
        throw Error(source + ": torch.save data is a " + kindName(root) +
                    ", expected a state dict (a dict of str -> Tensor)");
    }
    StateDict result;
    for (const auto& [key, value] : root.entries) {
        if (key->kind != PyObject::Kind::Str) {
            throw Error(source + ": torch.save dict has a " + kindName(*key) + " key, expected str keys");
        }
        if (value->kind != PyObject::Kind::Tensor) {
            throw Error(source + ": torch.save dict entry '" + key->text + "' holds a " + kindName(*value) +
                        ", expected a Tensor (or a {\"state_dict\": ...} wrapper)");
        }
        result[key->text] = value->tensor;
    }
    return result;
}

std::string torchMessage(const c10::Error& e) {
    const std::string text = e.what_without_backtrace();
    return text.substr(0, text.find('\n'));
}

}  // namespace

StateDict unpickleStateDict(const std::uint8_t* pickle, std::size_t size, const StorageLoader& loadStorage,
                            const std::string& sourceName, std::vector<std::string>* notes) {
    Unpickler unpickler(pickle, size, loadStorage, sourceName);
    PyRef root;
    try {
        root = unpickler.run();
    } catch (const c10::Error& e) {
        throw Error(sourceName + ": malformed torch.save pickle: " + torchMessage(e));
    }
    return toStateDict(*root, sourceName, notes);
}

void checkPickle(const std::uint8_t* pickle, std::size_t size, const StorageLoader& loadStorage,
                 const std::string& sourceName) {
    Unpickler unpickler(pickle, size, loadStorage, sourceName, /*denseMemo=*/true);
    try {
        (void)unpickler.run();
    } catch (const c10::Error& e) {
        throw Error(sourceName + ": malformed pickle: " + torchMessage(e));
    }
}

namespace {

// Loads storage record <folder><key> of the archive, after checking in the zip's directory that
// it declares exactly the bytes its tensor needs (before LibTorch inflates it). With `read` false
// the record is only checked, and an uninitialised storage of the right size (never touched, so
// never backed by memory) stands in for it.
StorageLoader zipStorageLoader(caffe2::serialize::PyTorchStreamReader& reader, const ZipDirectory& directory,
                               const std::string& source, const std::string& folder, bool read) {
    return [&reader, &directory, source, folder, read](const std::string& key, torch::ScalarType dtype,
                                                       std::int64_t numel) {
        const std::string record = folder + key;
        if (!reader.hasRecord(record)) throw Error(source + ": storage record '" + record + "' is missing");
        std::uint64_t expected = 0;
        if (__builtin_mul_overflow(static_cast<std::uint64_t>(numel),
                                   static_cast<std::uint64_t>(c10::elementSize(dtype)), &expected)) {
            throw Error(source + ": storage record '" + record + "': " + std::to_string(numel) +
                        " elements overflow a byte count");
        }
        checkZipRecord(directory, source, record, expected, 0);
        torch::Tensor storage = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
        if (!read) return storage;
        const auto [bytes, byteCount] = reader.getRecord(record);
        if (byteCount != expected) {
            throw Error(source + ": storage record '" + record + "' holds " + std::to_string(byteCount) +
                        " bytes, not the " + std::to_string(numel) + " elements its tensor claims");
        }
        if (expected > 0) std::memcpy(storage.data_ptr(), bytes.get(), expected);
        return storage;
    };
}

// The archive's directory, checked before LibTorch's reader opens it (the reader inflates the
// `version` record at once): every record within the inflation ratio, none overlapping, at most
// `maxTotalBytes` in all.
ZipDirectory checkedZipDirectory(const std::filesystem::path& path, std::uint64_t maxTotalBytes) {
    ZipDirectory directory = readZipDirectory(path);
    checkZipArchive(directory, path.string(), maxTotalBytes);
    return directory;
}

}  // namespace

StateDict readTorchSaveStateDict(const std::filesystem::path& path, std::vector<std::string>* notes) {
    const std::string source = path.string();
    // Sizes are checked in the zip's directory before LibTorch inflates a record: a 3 MB record
    // could otherwise inflate to gigabytes before its size was looked at.
    const ZipDirectory directory = checkedZipDirectory(path, std::numeric_limits<std::uint64_t>::max());
    try {
        caffe2::serialize::PyTorchStreamReader reader(source);
        if (!reader.hasRecord("data.pkl"))
            throw Error(source + ": zip archive without data.pkl; not a torch.save file");
        checkZipRecord(directory, source, "data.pkl", std::nullopt, kMaxPickleBytes);
        const auto [pickle, pickleBytes] = reader.getRecord("data.pkl");
        return unpickleStateDict(static_cast<const std::uint8_t*>(pickle.get()), pickleBytes,
                                 zipStorageLoader(reader, directory, source, "data/", true), source, notes);
    } catch (const c10::Error& e) {
        throw Error(source + ": cannot read the torch.save archive (" + torchMessage(e) + ")");
    }
}

void checkTorchScriptArchive(const std::filesystem::path& path, std::uint64_t maxTotalBytes) {
    const std::string source = path.string();
    const ZipDirectory directory = checkedZipDirectory(path, maxTotalBytes);
    try {
        caffe2::serialize::PyTorchStreamReader reader(source);
        // TorchScript keeps the module's tensors under data/ and its constants' under constants/.
        for (const auto& [name, folder] : {std::pair<std::string, std::string>{"data.pkl", "data/"},
                                           std::pair<std::string, std::string>{"constants.pkl", "constants/"}}) {
            if (!reader.hasRecord(name)) continue;
            checkZipRecord(directory, source, name, std::nullopt, kMaxPickleBytes);
            const auto [pickle, pickleBytes] = reader.getRecord(name);
            checkPickle(static_cast<const std::uint8_t*>(pickle.get()), pickleBytes,
                        zipStorageLoader(reader, directory, source, folder, false), source + " (" + name + ")");
        }
    } catch (const c10::Error& e) {
        throw Error(source + ": cannot read the TorchScript archive (" + torchMessage(e) + ")");
    }
}

}  // namespace genra::model
