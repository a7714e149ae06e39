// A restricted reader for zip-format torch.save() files. LibTorch's own unpickler (1.13, and 2.x
// alike) turns every collections.OrderedDict into None, so it cannot read the state dicts that
// model.state_dict() produces; this one rebuilds dicts, lists, tuples, scalars, strings and tensors
// and replaces any other object with an inert placeholder. It never imports or calls anything, so
// a hostile checkpoint can only produce an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/model/state_dict.h"
#include "core/util/error.h"

namespace genra::model {

// The pickle uses something this reader does not know (an opcode, a storage type). Such a file is
// refused: LibTorch's own unpickler is never given a file from outside, as it trusts the file's
// lengths, memo indices and nesting.
class UnsupportedPickle : public Error {
public:
    using Error::Error;
};

// Returns a storage's elements as a 1-D tensor of `numel` elements of `dtype`, read from the
// archive record data/<key>; throws genra::Error when the record is missing or has the wrong size.
using StorageLoader =
    std::function<torch::Tensor(const std::string& key, torch::ScalarType dtype, std::int64_t numel)>;

// The state dict in a torch.save() zip: the saved dict itself, or its "state_dict" entry
// (open_clip training checkpoints). Keys are returned as saved.
StateDict readTorchSaveStateDict(const std::filesystem::path& path,
                                 std::vector<std::string>* notes = nullptr);

// The same from a pickle already in memory (data.pkl) and a storage loader; `sourceName` names the
// file in errors. The entry point for tests and fuzzing.
StateDict unpickleStateDict(const std::uint8_t* pickle, std::size_t size, const StorageLoader& loadStorage,
                            const std::string& sourceName, std::vector<std::string>* notes = nullptr);

// data.pkl holds names and shapes only; real ones stay under a few MB even for large models.
constexpr std::uint64_t kMaxPickleBytes = std::uint64_t{256} << 20;

// Walks a pickle that LibTorch's own unpickler is about to read (a TorchScript archive's data.pkl
// and constants.pkl) with this reader, which builds inert placeholders only, and discards the
// result: what LibTorch's reader trusts is checked first (string lengths against the bytes left,
// memo indices past the pickle's length, nesting past the depth limit, containers that hold
// themselves, tensor views outside their storage). Throws genra::Error naming `sourceName`
// (UnsupportedPickle for an opcode or storage type this reader does not know).
void checkPickle(const std::uint8_t* pickle, std::size_t size, const StorageLoader& loadStorage,
                 const std::string& sourceName);

// Checks a TorchScript archive (torch.jit.save) before torch::jit::load reads it, which trusts
// what it reads: the zip's directory (see checkZipArchive; at most `maxTotalBytes` inflated in
// all), then data.pkl and constants.pkl walked by checkPickle, each storage record checked to
// declare exactly its tensor's bytes (not read). Throws genra::Error naming the file.
void checkTorchScriptArchive(const std::filesystem::path& path, std::uint64_t maxTotalBytes);

}  // namespace genra::model
